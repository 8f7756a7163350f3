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
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

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
from assay.models.work import effective_overlap

PER_KIND = 10


def _needed(project: Project) -> Coalesce:
    return effective_overlap(project.overlap)


def _untried(expert: User, project: Project) -> QuerySet[Item]:
    return Item.objects.filter(project=project).exclude(leases__expert=expert)


def _rows(query: QuerySet[Item], *, lock: bool) -> list[choice.Candidate]:
    if lock and connection.vendor == "postgresql":
        query = query.select_for_update(skip_locked=True, of=("self",))
    # "needed" is the annotation made in ``candidates``; the type plugin cannot see it.
    rows = query.values_list("id", "reserved", "needed", "is_gold")  # type: ignore[misc]
    return [
        choice.Candidate(item_id=i, reserved=r, needed=n, is_gold=g)
        for i, r, n, g in rows[:PER_KIND]
    ]


def candidates(
    expert: User, project: Project, *, lock: bool, gold: bool = True
) -> list[choice.Candidate]:
    """Gold (when due), in-progress and fresh items the expert has not touched: a few of each.

    Each query walks the index on (project, is_gold, reserved, id) in its own
    order and stops after a few rows, so the cost does not grow with the
    project. (Ordering gold by id alone made SQLite scan the whole project.)
    """
    base = _untried(expert, project).annotate(needed=_needed(project))
    work = base.filter(is_gold=False)
    found = []
    if gold:  # the least-served gold first, which also spreads gold across experts
        found = _rows(base.filter(is_gold=True).order_by("reserved", "id"), lock=lock)
    found += _rows(
        work.filter(reserved__gt=0, reserved__lt=F("needed")).order_by("-reserved", "id"),
        lock=lock,
    )
    found += _rows(work.filter(reserved=0, needed__gt=0).order_by("id"), lock=lock)
    return found


def _take(item: choice.Candidate, project: Project) -> bool:
    rows = Item.objects.filter(id=item.item_id)
    if not item.is_gold:
        rows = rows.filter(reserved__lt=_needed(project))
    return rows.update(reserved=F("reserved") + 1) == 1


def _first_taken(
    expert: User, policy: choice.ProjectPolicy, project: Project, *, lock: bool
) -> int | None:
    due = choice.wants_gold(policy)
    found = candidates(expert, project, lock=lock, gold=due)
    if not found and lock:
        found = candidates(expert, project, lock=False, gold=due)
    by_id = {c.item_id: c for c in found}
    for item_id in choice.item_order(found, policy):
        if _take(by_id[item_id], project):
            return item_id
    return None


def _claim_in(expert: User, policy: choice.ProjectPolicy, project: Project) -> Lease | None:
    now = clock.now()
    with transaction.atomic():
        current = Lease.objects.filter(
            expert=expert, project=project, state=Lease.State.ACTIVE
        ).first()
        if current is not None and current.expires_at > now:
            return current
        if current is not None:  # the expert's own lease ran out: free its slot first
            end_lease(current.id, current.item_id, Lease.State.EXPIRED, now)
        item_id = _first_taken(expert, policy, project, lock=True)
        # Only when nothing is free are stale leases of others worth reclaiming.
        if item_id is None and expire_stale_leases(project, now):
            item_id = _first_taken(expert, policy, project, lock=False)
        if item_id is None:
            return None
        return Lease.objects.create(
            item_id=item_id,
            project=project,
            expert=expert,
            created_at=now,
            expires_at=now + lease_duration(project),
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
            projects_open_to(expert).select_related("domain", "qualification").order_by("id")
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
    raise QueueIsEmpty(reasons.why_empty(expert, projects, blocked + capped, now))
