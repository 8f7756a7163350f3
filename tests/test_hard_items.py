"""Hard items first: the judge model's hard mark orders untouched items, nothing else."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from assay.actions import endpoints as endpoint_actions
from assay.domain import allocation as choice
from assay.models import Item, Organization, Project, User
from tests.fake_openai import FakeOpenAI, running
from tests.test_allocation import item_of, judge, next_task, work_through

HARD = {2, 4}  # the judge is unsure about these items' questions


def verdict(body: dict[str, Any]) -> str:
    asked = body["messages"][-1]["content"]
    number = int(re.search(r"Question (\d+)", asked).group(1))  # type: ignore[union-attr]
    sure = 0.4 if number in HARD else 0.95
    return json.dumps({"preference": "a", "confidence": sure, "reason": "A adds up."})


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with running() as server:
        server.reply = verdict
        yield server


def judged_project(
    alice: User, acme: Organization, fake: FakeOpenAI, project: Project, api: Any
) -> Project:
    spec = endpoint_actions.EndpointSpec(name="judge", base_url=fake.url, model="judge-9b")
    endpoint_actions.create_endpoint(actor=alice, organization=acme, spec=spec)
    endpoint_actions.set_judge(actor=alice, project=project, endpoint_name="judge")
    report = api(alice).post(f"/api/v1/projects/{project.id}/judge/run?limit=50").json()
    assert report["failed"] == 0
    return project


def external(task: dict[str, Any]) -> str:
    return item_of(task).external_id


def test_the_judges_hard_items_are_offered_first_and_in_progress_items_still_lead(
    alice: User,
    acme: Organization,
    fake: FakeOpenAI,
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    project = judged_project(alice, acme, fake, make_project(items=6, overlap=2), api)
    hard = Item.objects.filter(project=project, priority=1).values_list("external_id", flat=True)
    assert set(hard) == {"item-2", "item-4"}
    assert all(i.metadata["judge"]["hard"] == (i.priority == 1) for i in Item.objects.all())
    ann, ben = api(make_expert("ann")), api(make_expert("ben"))
    first = next_task(ann, project)
    assert external(first) == "item-2"  # hard, untouched: ahead of the older item-0
    judge(ann, first["task"]["lease_id"], "hard-key-0001")
    # item-2 is now in progress: it comes before the untouched hard item-4.
    assert external(next_task(ben, project)) == "item-2"
    assert external(next_task(ann, project)) == "item-4"


def test_the_mark_changes_neither_overlap_nor_who_finishes_the_rest(
    alice: User,
    acme: Organization,
    fake: FakeOpenAI,
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    project = judged_project(alice, acme, fake, make_project(items=6, overlap=1), api)
    taken = [external(next_task(api(make_expert(f"e{n}")), project)) for n in range(6)]
    assert taken == ["item-2", "item-4", "item-0", "item-1", "item-3", "item-5"]
    assert next_task(api(make_expert("late")), project)["empty"]["code"] == "all_leased"


def test_an_easy_or_failed_grade_leaves_the_item_in_age_order(
    alice: User,
    acme: Organization,
    fake: FakeOpenAI,
    make_project: Callable[..., Project],
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=3, overlap=1)
    fake.modes = ["400", "400", "400"]
    spec = endpoint_actions.EndpointSpec(name="judge", base_url=fake.url, model="judge-9b")
    endpoint_actions.create_endpoint(actor=alice, organization=acme, spec=spec)
    endpoint_actions.set_judge(actor=alice, project=project, endpoint_name="judge")
    report = api(alice).post(f"/api/v1/projects/{project.id}/judge/run?limit=1").json()
    assert report["failed"] == 1
    assert not Item.objects.filter(priority__gt=0).exists()


def test_gold_still_mixes_in_at_its_rate_among_hard_items(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    project = make_project(items=20, overlap=1)
    Project.objects.filter(id=project.id).update(gold_rate=0.2)
    ids = list(Item.objects.filter(project=project).order_by("id").values_list("id", flat=True))
    Item.objects.filter(id__in=ids[:4]).update(is_gold=True, gold_answer="a")
    Item.objects.filter(id__in=ids[10:]).update(priority=1)
    client = api(erin)
    taken = work_through(client, project, 10, "gold-hard")
    assert taken[0].is_gold
    assert sum(item.is_gold for item in taken) == 2
    assert [item.id for item in taken if not item.is_gold] == ids[10:18]


candidates = st.lists(
    st.builds(
        choice.Candidate,
        item_id=st.integers(1, 10_000),
        reserved=st.integers(0, 4),
        needed=st.integers(0, 5),
        is_gold=st.booleans(),
        touched=st.booleans(),
        priority=st.integers(0, 1),
    ),
    max_size=40,
    unique_by=lambda c: c.item_id,
)


@given(candidates)
def test_untouched_items_by_priority_then_age_after_items_in_progress(
    found: list[choice.Candidate],
) -> None:
    order = choice.item_order(found, choice.ProjectPolicy(project_id=1))
    by_id = {c.item_id: c for c in found}
    reserved = [by_id[i].reserved for i in order]
    assert reserved == sorted(reserved, reverse=True)  # in progress first, whatever the mark
    fresh = [i for i in order if by_id[i].reserved == 0]
    assert fresh == sorted(fresh, key=lambda i: (-by_id[i].priority, i))
