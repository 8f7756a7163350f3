"""The pure allocation choice: property tests over random candidates and policies."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from assay.domain import allocation as choice

candidates = st.lists(
    st.builds(
        choice.Candidate,
        item_id=st.integers(1, 10_000),
        reserved=st.integers(0, 6),
        needed=st.integers(0, 5),
        is_gold=st.booleans(),
        touched=st.booleans(),
    ),
    max_size=40,
    unique_by=lambda c: c.item_id,
)
policies = st.builds(
    choice.ProjectPolicy,
    project_id=st.integers(1, 50),
    priority=st.integers(-3, 3),
    gold_rate=st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.5]),
    done=st.integers(0, 200),
    gold_done=st.integers(0, 100),
)


@given(candidates, policies)
def test_never_over_overlap_never_touched_never_twice(
    found: list[choice.Candidate], policy: choice.ProjectPolicy
) -> None:
    order = choice.item_order(found, policy)
    by_id = {c.item_id: c for c in found}
    assert len(order) == len(set(order))
    for item_id in order:
        item = by_id[item_id]
        assert not item.touched
        assert item.is_gold or item.reserved < item.needed


@given(candidates, policies)
def test_gold_only_when_due(found: list[choice.Candidate], policy: choice.ProjectPolicy) -> None:
    order = choice.item_order(found, policy)
    gold = {c.item_id for c in found if c.is_gold}
    if not choice.wants_gold(policy):
        assert not gold & set(order)


@given(st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.33, 0.5]), st.integers(10, 300))
def test_gold_share_follows_the_rate(rate: float, tasks: int) -> None:
    """An expert taking ``tasks`` tasks with gold always available sees the project's rate."""
    gold_done = 0
    next_id = 1
    for done in range(tasks):
        policy = choice.ProjectPolicy(project_id=1, gold_rate=rate, done=done, gold_done=gold_done)
        pool = [
            choice.Candidate(next_id, 0, 3, is_gold=True),
            choice.Candidate(next_id + 1, 0, 3, is_gold=False),
        ]
        picked = choice.item_order(pool, policy)[0]
        gold_done += picked == next_id
        next_id += 2
    assert abs(gold_done - rate * tasks) <= 1


@given(candidates)
def test_items_in_progress_come_before_fresh_ones(found: list[choice.Candidate]) -> None:
    order = choice.item_order(found, choice.ProjectPolicy(project_id=1))
    reserved = [next(c.reserved for c in found if c.item_id == i) for i in order]
    assert reserved == sorted(reserved, reverse=True)


@given(st.lists(policies, max_size=12, unique_by=lambda p: p.project_id))
def test_projects_by_priority_then_deadline(pols: list[choice.ProjectPolicy]) -> None:
    order = choice.project_order(pols)
    keys = [(-p.priority, p.deadline or choice.FAR_FUTURE) for p in order]
    assert keys == sorted(keys)


def test_blocked_projects_are_skipped_and_deadlines_break_ties() -> None:
    soon = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    later = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    order = choice.project_order(
        [
            choice.ProjectPolicy(project_id=1, deadline=later),
            choice.ProjectPolicy(project_id=2, deadline=soon),
            choice.ProjectPolicy(project_id=3, priority=1),
            choice.ProjectPolicy(project_id=4, priority=5, blocked="daily_cap"),
        ]
    )
    assert [p.project_id for p in order] == [3, 2, 1]


@given(st.lists(st.integers(0, 50), min_size=1, max_size=20))
def test_fair_share_never_blocks_the_expert_who_is_behind(counts: list[int]) -> None:
    lowest = min(counts)
    assert not choice.fair_share_exceeded(lowest, counts)
    assert not choice.fair_share_exceeded(counts[0], counts[:1])  # alone, never held back
