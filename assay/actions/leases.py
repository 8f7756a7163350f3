"""Taking, extending and returning a task.

A claim is a compare-and-set on ``Item.reserved`` that must change exactly
one row, inside one transaction; the same code is correct on SQLite
(IMMEDIATE transactions serialize writers) and PostgreSQL (the conditional
UPDATE re-checks the row after waiting for a concurrent writer). An expired
lease frees its slot the next time anyone claims in that project, so no
background process is needed for correctness.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Min

from assay import clock
from assay.access import projects_open_to, require_expert
from assay.actions.pools import place_in_pool, waitlist_position
from assay.domain.eligibility import Unmet
from assay.domain.pay import lease_length
from assay.eligibility import explain
from assay.errors import Conflict, NotFound
from assay.models import Item, Lease, PoolMember, Project, User

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


def _lease_length(project: Project) -> dt.timedelta:
    return lease_length(
        project.estimated_minutes,
        minimum_minutes=settings.LEASE_MIN_MINUTES,
        factor=settings.LEASE_FACTOR,
    )


def _end(lease_id: int, item_id: int, state: str, now: dt.datetime) -> bool:
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
        ended += _end(lease_id, item_id, Lease.State.EXPIRED, now)
    return ended


def _candidates(expert: User, project: Project) -> Iterator[int]:
    """Items to try, best first: ones already in progress, then untouched ones.

    Both queries walk the (project, reserved, id) index and stop after a few
    rows, so the cost does not grow with the number of items in the project.
    """
    untried = Item.objects.filter(project=project).exclude(leases__expert=expert)
    in_progress = untried.filter(reserved__gt=0, reserved__lt=project.overlap)
    yield from in_progress.order_by("-reserved", "id").values_list("id", flat=True)[:CANDIDATES]
    yield from untried.filter(reserved=0).order_by("id").values_list("id", flat=True)[:CANDIDATES]


def _claim_in(expert: User, project: Project, now: dt.datetime) -> Lease | None:
    with transaction.atomic():
        current = Lease.objects.filter(
            expert=expert, project=project, state=Lease.State.ACTIVE
        ).first()
        if current is not None and current.expires_at > now:
            return current
        expire_stale_leases(project, now)
        for item_id in _candidates(expert, project):
            taken = Item.objects.filter(id=item_id, reserved__lt=project.overlap).update(
                reserved=F("reserved") + 1
            )
            if taken == 1:
                return Lease.objects.create(
                    item_id=item_id,
                    project=project,
                    expert=expert,
                    created_at=now,
                    expires_at=now + _lease_length(project),
                )
    return None


def _why_empty(
    expert: User, projects: list[Project], blocked: list[EmptyQueue], now: dt.datetime
) -> EmptyQueue:
    if not projects and not blocked:
        return EmptyQueue(
            "no_open_projects",
            "No project is open to you right now. New projects appear here as soon as "
            "a requester publishes one that admits you.",
        )
    if not projects:
        if len(blocked) == 1:
            return blocked[0]
        codes = {b.code for b in blocked}
        code = codes.pop() if len(codes) == 1 else "not_available"
        message = " ".join(b.message for b in blocked)
        return EmptyQueue(code, message, details=[d for b in blocked for d in b.details])
    open_items = Item.objects.filter(project__in=projects, judgment_count__lt=F("project__overlap"))
    untouched = open_items.exclude(leases__expert=expert)
    if not untouched.exists():
        return EmptyQueue(
            "all_judged",
            "You have judged or returned every item still open to you. More work appears "
            "when a requester uploads items or publishes a project.",
        )
    retry_at = Lease.objects.filter(
        item__in=untouched, state=Lease.State.ACTIVE, expires_at__gt=now
    ).aggregate(first=Min("expires_at"))["first"]
    return EmptyQueue(
        "all_leased",
        "Every remaining item is being judged by other experts right now. "
        "Items come back if their leases end without a judgment.",
        retry_at=retry_at,
    )


def _blocked(project: Project, unmet: list[Unmet]) -> EmptyQueue:
    details = [
        {"project_id": project.id, "code": u.code, "message": u.message, "fix": u.fix}
        for u in unmet
    ]
    reasons = " ".join(u.message for u in unmet)
    return EmptyQueue("not_eligible", f"{project.name}: {reasons}", details=details)


def _waitlisted(project: Project, position: int) -> EmptyQueue:
    return EmptyQueue(
        "waitlisted",
        f"{project.name}: you qualify and are number {position} on the waitlist; the pool "
        "admits more experts as the requester adds work.",
        details=[{"project_id": project.id, "code": "waitlisted", "position": position}],
    )


def usable_projects(
    expert: User, candidates: list[Project]
) -> tuple[list[Project], list[EmptyQueue]]:
    """Split ``candidates`` into projects the expert may take work from now, and why not."""
    usable: list[Project] = []
    blocked: list[EmptyQueue] = []
    for project, unmet in explain(expert, candidates):
        if unmet:
            blocked.append(_blocked(project, unmet))
            continue
        member = place_in_pool(expert=expert, project=project)
        if member.status == PoolMember.Status.WAITLISTED:
            blocked.append(_waitlisted(project, waitlist_position(member)))
            continue
        usable.append(project)
    return usable, blocked


def claim_next_task(*, expert: User, project: Project | None = None) -> Lease:
    """Lease the next item for ``expert``, or raise ``QueueIsEmpty`` saying why."""
    require_expert(expert)
    now = clock.now()
    if project is not None:
        candidates = [project]
    else:
        candidates = list(
            projects_open_to(expert)
            .select_related("domain", "qualification")
            .order_by("published_at", "id")
        )
    projects, blocked = usable_projects(expert, candidates)
    for candidate in projects:
        for _attempt in range(2):
            try:
                lease = _claim_in(expert, candidate, now)
            except IntegrityError:
                continue  # the same expert claimed in parallel: take the lease that won
            if lease is not None:
                return lease
            break
    raise QueueIsEmpty(_why_empty(expert, projects, blocked, now))


def active_lease(expert: User, lease_id: int) -> Lease:
    lease = Lease.objects.select_related("project").filter(id=lease_id, expert=expert).first()
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
        lease.expires_at = now + _lease_length(lease.project)
        Lease.objects.filter(id=lease.id, state=Lease.State.ACTIVE).update(
            expires_at=lease.expires_at
        )
    return lease


def return_lease(*, expert: User, lease_id: int) -> None:
    """Hand a task back, with no penalty; it is not served to this expert again."""
    with transaction.atomic():
        lease = active_lease(expert, lease_id)
        if not _end(lease.id, lease.item_id, Lease.State.RELEASED, clock.now()):
            raise Conflict("This task is no longer yours.", code="lease_expired")
