"""A lease's life after the claim: heartbeats, returns, expiry.

An expired lease frees its slot the next time anyone claims in that project
(``expire_stale_leases``), so no background process is needed for correctness.
Claims themselves are in ``actions.allocation``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F

from assay import clock
from assay.domain.pay import lease_length
from assay.errors import Conflict, NotFound
from assay.models import GuidelineVersion, Item, Lease, Project, User
from assay.sql import Columns, run_sql

CANDIDATES = 20
STALE_BATCH = 50


@dataclass(frozen=True)
class EmptyQueue:
    """Why there is no task, and when there may be one."""

    code: str
    message: str
    retry_at: dt.datetime | None = None
    details: list[dict[str, object]] = field(default_factory=list)


class QueueIsEmpty(Exception):
    def __init__(self, why: EmptyQueue) -> None:
        super().__init__(why.message)
        self.why = why


def lease_duration(project: Project) -> dt.timedelta:
    return lease_length(
        project.estimated_minutes,
        minimum_minutes=settings.LEASE_MIN_MINUTES,
        factor=settings.LEASE_FACTOR,
    )


def end_lease(lease_id: int, item_id: int, state: str, now: dt.datetime) -> bool:
    """Close an active lease and free its slot; False if it was not active."""
    changed = Lease.objects.filter(id=lease_id, state=Lease.State.ACTIVE).update(
        state=state, closed_at=now
    )
    if changed != 1:
        return False
    Item.objects.filter(id=item_id).update(reserved=F("reserved") - 1)
    return True


def expire_stale_leases(project: Project, now: dt.datetime) -> int:
    stale = Lease.objects.filter(project=project, state=Lease.State.ACTIVE, expires_at__lte=now)
    ended = 0
    for lease_id, item_id in stale.values_list("id", "item_id")[:STALE_BATCH]:
        ended += end_lease(lease_id, item_id, Lease.State.EXPIRED, now)
    return ended


_LEASE = Columns(Lease, "l")
_ITEM = Columns(Item, "i")
_PROJECT = Columns(Project, "p")
_GUIDELINES = Columns(GuidelineVersion, "g", only=("id", "project_id", "number"))
_ACTIVE_LEASE = (
    f"SELECT {_LEASE.sql}, {_ITEM.sql}, {_PROJECT.sql}, {_GUIDELINES.sql} "  # noqa: S608
    f"FROM {Lease._meta.db_table} l "
    f"JOIN {Item._meta.db_table} i ON i.id = l.item_id "
    f"JOIN {Project._meta.db_table} p ON p.id = l.project_id "
    f"LEFT JOIN {GuidelineVersion._meta.db_table} g ON g.id = p.guidelines_id "
    "WHERE l.id = %s AND l.expert_id = %s"
)


def _lease_with_work(expert: User, lease_id: int) -> Lease | None:
    """The expert's lease with its item, project and guideline version, in one query."""
    rows = run_sql(_ACTIVE_LEASE, [lease_id, expert.id])
    if not rows:
        return None
    row, at = rows[0], 0
    lease = _LEASE.build(row, at)
    at += _LEASE.width
    lease.item = _ITEM.build(row, at)
    at += _ITEM.width
    project = _PROJECT.build(row, at)
    at += _PROJECT.width
    project.guidelines = _GUIDELINES.build(row, at) if row[at] is not None else None
    lease.project = lease.item.project = project
    lease.expert = expert
    return lease


def active_lease(expert: User, lease_id: int) -> Lease:
    lease = _lease_with_work(expert, lease_id)
    now = clock.now()
    if lease is None:
        raise NotFound("You hold no such task.", code="lease_not_found")
    if lease.state == Lease.State.SUBMITTED:
        raise Conflict("This task was already submitted.", code="already_submitted")
    if lease.state == Lease.State.RELEASED:
        raise Conflict("You returned this task.", code="lease_returned")
    if lease.state == Lease.State.EXPIRED or lease.expires_at <= now:
        raise Conflict("Your lease on this task expired.", code="lease_expired")
    return lease


def extend_lease(*, expert: User, lease_id: int) -> Lease:
    """Heartbeat: push the expiry out while the expert is working."""
    with transaction.atomic():
        lease = active_lease(expert, lease_id)
        now = clock.now()
        lease.expires_at = now + lease_duration(lease.project)
        Lease.objects.filter(id=lease.id, state=Lease.State.ACTIVE).update(
            expires_at=lease.expires_at
        )
    return lease


def return_lease(*, expert: User, lease_id: int) -> None:
    """Hand a task back, with no penalty; it is not served to this expert again."""
    with transaction.atomic():
        lease = active_lease(expert, lease_id)
        if not end_lease(lease.id, lease.item_id, Lease.State.RELEASED, clock.now()):
            raise Conflict("This task is no longer yours.", code="lease_expired")
