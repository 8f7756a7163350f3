"""Handing out the next task: which project, which item, or exactly why none.

The order is decided by the pure functions in ``domain.allocation``; this
module fetches a bounded set of candidates per project and claims the first
it can. A claim is a compare-and-set on ``Item.reserved`` that must change
exactly one row inside one transaction: correct on SQLite (IMMEDIATE
transactions serialize writers) and on PostgreSQL (the conditional UPDATE
re-checks the row after waiting for a concurrent writer). On PostgreSQL,
``SKIP LOCKED`` lets concurrent claimers pass over each other's candidates;
it changes speed, never the outcome.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q

from assay import clock
from assay.access import projects_open_to, require_expert
from assay.actions import queue_reasons as reasons
from assay.actions.leases import (
    EmptyQueue,
    QueueIsEmpty,
    end_lease,
    expire_stale_leases,
    lease_duration,
)
from assay.actions.pools import place_in_pool, waitlist_position
from assay.domain import allocation as choice
from assay.eligibility import explain
from assay.models import Item, Judgment, Lease, PoolMember, Project, User
from assay.sql import Columns, db_time, insert, run_sql

PER_KIND = 10
ITEM, LEASE = Item._meta.db_table, Lease._meta.db_table
ACTIVE = Lease.State.ACTIVE.value

# The kinds of candidate, each walking an index of items ((project, is_gold, reserved,
# -priority, id), or the partial ``item_wants_more``) in its own order and stopping after a
# few rows, so the cost grows neither with the project nor with how much of it is done.
# (Ordering gold by id alone made SQLite scan the whole project.) Fresh items come hard
# first (priority, set by the judge model), then oldest. Parameters: project overlap,
# project, the kind's own, expert, limit. The table names come from the models, not from input.
_KIND = (
    f"SELECT i.id, i.reserved, COALESCE(i.target_overlap, %s) AS needed, i.is_gold, "  # noqa: S608
    "i.priority "
    f"FROM {ITEM} i {{hint}}WHERE i.project_id = %s AND {{where}} AND NOT EXISTS "
    f"(SELECT 1 FROM {LEASE} l WHERE l.item_id = i.id AND l.expert_id = %s) "
    "ORDER BY {order} LIMIT %s"
)
_GOLD = _KIND.format(hint="", where="i.is_gold = TRUE", order="i.reserved, i.priority DESC, i.id")
# Started items come in two ranges, so that complete items (most of a project that is
# nearly done) are never walked over. Below the project's overlap every started item still
# has room: the quality engine never sets a target below the overlap. (An item given a
# lower target by hand is still filtered out correctly here, just not skipped by the index.)
# Parameters: the overlap twice.
_STARTED = _KIND.format(
    hint="",
    where="i.is_gold = FALSE AND i.reserved > 0 AND i.reserved < %s "
    "AND i.reserved < COALESCE(i.target_overlap, %s)",
    order="i.reserved DESC, i.id",
)
# At or above the overlap, only items the quality engine asked more judgments for: they
# are exactly the rows of the partial index ``item_wants_more`` (reserved < target).
# SQLite's planner prefers the wider index here and would walk every complete item, so it
# is told which to use (PostgreSQL picks the partial index by itself).
_CONTESTED = _KIND.format(
    hint="{hint}",
    where="i.reserved < i.target_overlap AND i.is_gold = FALSE AND i.reserved >= %s",
    order="i.reserved DESC, i.id",
)
_FRESH = _KIND.format(
    hint="",
    where="i.is_gold = FALSE AND i.reserved = 0 AND COALESCE(i.target_overlap, %s) > 0",
    order="i.priority DESC, i.id",
)
_SKIP_LOCKED = " FOR UPDATE OF i SKIP LOCKED"
_TAKE = (
    f"UPDATE {ITEM} SET reserved = reserved + 1 WHERE id = %s {{check}} "  # noqa: S608
    "RETURNING id, prompt, response_a, response_b, data"
)
_TAKE_GOLD = _TAKE.format(check="")
_TAKE_WORK = _TAKE.format(check="AND reserved < COALESCE(target_overlap, %s)")
_CURRENT = (
    f"SELECT id, item_id, expires_at > %s FROM {LEASE} "  # noqa: S608
    "WHERE expert_id = %s AND project_id = %s AND state = %s"
)
# ``data`` holds the item of every task type but pairwise (assay.tasktypes).
_TAKEN = Columns(Item, "i", only=("id", "prompt", "response_a", "response_b", "data"))


def _union(*, lock: bool, gold: bool) -> str:
    """One statement for every kind wanted; on PostgreSQL each kind skips rows that
    concurrent claimers hold (locking is not allowed in a UNION, but is in a CTE)."""
    lock_sql = _SKIP_LOCKED if lock and connection.vendor == "postgresql" else ""
    hint = "INDEXED BY item_wants_more " if connection.vendor == "sqlite" else ""
    kinds = ([_GOLD] if gold else []) + [_CONTESTED.format(hint=hint), _STARTED, _FRESH]
    names = [f"k{n}" for n in range(len(kinds))]
    ctes = ", ".join(f"{name} AS ({sql}{lock_sql})" for name, sql in zip(names, kinds, strict=True))
    union = " UNION ALL ".join(f"SELECT * FROM {name}" for name in names)  # noqa: S608
    return f"WITH {ctes} {union}"


def _params(expert: User, project: Project, *, gold: bool, limit: int) -> list[object]:
    """In the order of ``_union``: gold (if wanted), contested, started, fresh."""
    ov, pid, eid = project.overlap, project.id, expert.id
    params: list[object] = [ov, pid, eid, limit] if gold else []
    params += [ov, pid, ov, eid, limit]
    params += [ov, pid, ov, ov, eid, limit]
    params += [ov, pid, ov, eid, limit]
    return params


def open_untouched(expert: User, project: Project, *, at_most: int) -> int:
    """How many items (gold left out) still have a free slot and are new to the expert,
    counted up to ``at_most``: the same index walks as the claim, never the whole project."""
    sql = f"SELECT COUNT(*) FROM ({_union(lock=False, gold=False)}) AS found"  # noqa: S608
    [(count,)] = run_sql(sql, _params(expert, project, gold=False, limit=at_most))
    return min(int(count), at_most)


def candidates(
    expert: User, project: Project, *, lock: bool, gold: bool = True
) -> list[choice.Candidate]:
    """Gold (when due), in-progress and fresh items the expert has not touched: a few of each."""
    params = _params(expert, project, gold=gold, limit=PER_KIND)
    rows = run_sql(_union(lock=lock, gold=gold), params)
    return [
        choice.Candidate(item_id=i, reserved=r, needed=n, is_gold=bool(g), priority=p)
        for i, r, n, g, p in rows
    ]


def _take(item: choice.Candidate, project: Project) -> Item | None:
    """Reserve one slot of the item if it has one left (exactly one row changes), with the
    text the task shows."""
    if item.is_gold:
        rows = run_sql(_TAKE_GOLD, [item.item_id])
    else:
        rows = run_sql(_TAKE_WORK, [item.item_id, project.overlap])
    return _TAKEN.build(rows[0]) if rows else None


def _first_taken(
    expert: User, policy: choice.ProjectPolicy, project: Project, *, lock: bool
) -> Item | None:
    due = choice.wants_gold(policy)
    found = candidates(expert, project, lock=lock, gold=due)
    if not found and lock:
        found = candidates(expert, project, lock=False, gold=due)
    by_id = {c.item_id: c for c in found}
    for item_id in choice.item_order(found, policy):
        taken = _take(by_id[item_id], project)
        if taken is not None:
            return taken
    return None


def _claim_in(expert: User, policy: choice.ProjectPolicy, project: Project) -> Lease | None:
    now = clock.now()
    with transaction.atomic():
        current = run_sql(_CURRENT, [db_time(now), expert.id, project.id, ACTIVE])
        if current and current[0][2]:
            return Lease.objects.select_related("item", "project__guidelines").get(id=current[0][0])
        if current:  # the expert's own lease ran out: free its slot first
            end_lease(current[0][0], current[0][1], Lease.State.EXPIRED, now)
        item = _first_taken(expert, policy, project, lock=True)
        # Only when nothing is free are stale leases of others worth reclaiming.
        if item is None and expire_stale_leases(project, now):
            item = _first_taken(expert, policy, project, lock=False)
        if item is None:
            return None
        item.project = project
        return insert(
            Lease(
                item=item,
                project=project,
                expert=expert,
                created_at=now,
                expires_at=now + lease_duration(project),
            )
        )


def policy_for(expert: User, project: Project, now: dt.datetime) -> choice.ProjectPolicy:
    mine = {"done": 0, "gold": 0}
    if project.gold_rate > 0 or project.cap_per_expert is not None:
        mine = Judgment.objects.filter(project=project, expert=expert).aggregate(
            done=Count("id"), gold=Count("id", filter=Q(item__is_gold=True))
        )
    return choice.ProjectPolicy(
        project_id=project.id,
        priority=project.priority,
        deadline=project.deadline,
        published_at=project.published_at or choice.FAR_FUTURE,
        gold_rate=project.gold_rate,
        done=mine["done"],
        gold_done=mine["gold"],
        blocked=reasons.blocked_reason(expert, project, done=mine["done"], now=now),
    )


def usable_projects(
    expert: User, projects: list[Project]
) -> tuple[list[Project], list[EmptyQueue]]:
    """Projects the expert may take work from now, and for the others, why not."""
    usable: list[Project] = []
    blocked: list[EmptyQueue] = []
    for project, unmet in explain(expert, projects):
        if unmet:
            blocked.append(reasons.not_eligible(project, unmet))
            continue
        member = place_in_pool(expert=expert, project=project)
        if member.status == PoolMember.Status.WAITLISTED:
            blocked.append(reasons.waitlisted(project, waitlist_position(member)))
            continue
        usable.append(project)
    return usable, blocked


def claim_next_task(*, expert: User, project: Project | None = None) -> Lease:
    """Lease the next item for ``expert``, or raise ``QueueIsEmpty`` saying why."""
    require_expert(expert)
    now = clock.now()
    if project is not None:
        candidates_ = [project]
    else:
        candidates_ = list(
            projects_open_to(expert)
            .select_related("domain", "qualification", "guidelines")
            .order_by("id")
        )
    projects, blocked = usable_projects(expert, candidates_)
    by_id = {p.id: p for p in projects}
    policies = [policy_for(expert, p, now) for p in projects]
    for policy in choice.project_order(policies):
        for _attempt in range(2):
            try:
                lease = _claim_in(expert, policy, by_id[policy.project_id])
            except IntegrityError:
                continue  # the same expert claimed in parallel: take the lease that won
            if lease is not None:
                return lease
            break
    capped = [
        reasons.capped(expert, by_id[p.project_id], p.blocked, now) for p in policies if p.blocked
    ]
    raise QueueIsEmpty(
        reasons.why_empty(
            expert,
            projects,
            blocked + capped,
            now,
            has_room=lambda p: open_untouched(expert, p, at_most=1) > 0,
        )
    )
