"""Admitting eligible experts to a project's pool, or placing them on its waitlist.

Admission is capped by demand (see ``domain.pools.capacity``) so that a pool
never promises work it does not have; waitlisted experts are admitted in the
order they joined as demand grows. Invited experts skip the waitlist: the
requester chose them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum

from assay import clock
from assay.domain.pools import capacity, work_hours
from assay.models import Item, Lease, PoolMember, Project, ProjectExpert, User
from assay.models.work import effective_overlap
from assay.sql import Columns, run_sql

ADMITTED = PoolMember.Status.ADMITTED
WAITLISTED = PoolMember.Status.WAITLISTED


def remaining_judgments(project: Project) -> int:
    """Judgments still wanted, gold left out, each item at its own target overlap."""
    needed = effective_overlap(project.overlap)
    totals = (
        Item.objects.filter(project=project, is_gold=False)
        .annotate(needed=needed)
        .filter(judgment_count__lt=F("needed"))
        .aggregate(wanted=Sum("needed"), done=Sum("judgment_count"))
    )
    return (totals["wanted"] or 0) - (totals["done"] or 0)


def pool_capacity(project: Project) -> int:
    return capacity(
        remaining_judgments=remaining_judgments(project),
        estimated_minutes=project.estimated_minutes,
        minimum=settings.POOL_MIN,
        hours_per_expert=settings.POOL_HOURS_PER_EXPERT,
    )


def _admit_waiting(project: Project, cap: int) -> None:
    admitted = PoolMember.objects.filter(project=project, status=ADMITTED).count()
    if admitted >= cap:
        return
    waiting = PoolMember.objects.filter(project=project, status=WAITLISTED).order_by(
        "joined_at", "id"
    )
    ids = list(waiting.values_list("id", flat=True)[: cap - admitted])
    PoolMember.objects.filter(id__in=ids).update(status=ADMITTED, admitted_at=clock.now())


_MEMBER = Columns(PoolMember, "m")
_MEMBER_SQL = (
    f"SELECT {_MEMBER.sql} FROM {PoolMember._meta.db_table} m "  # noqa: S608
    "WHERE m.project_id = %s AND m.expert_id = %s"
)


def place_in_pool(*, expert: User, project: Project) -> PoolMember:
    """The expert's place in the pool, joining it if new; the caller checked eligibility."""
    # The common case (admitted) takes no lock and runs on every request for work.
    rows = run_sql(_MEMBER_SQL, [project.id, expert.id])
    if rows and rows[0][_MEMBER.index("status")] == ADMITTED:
        return _MEMBER.build(rows[0])
    with transaction.atomic():
        # Lock the project row so concurrent joins count admissions one at a time.
        Project.objects.select_for_update().filter(id=project.id).first()
        member = PoolMember.objects.filter(project=project, expert=expert).first()
        if member is None:
            invited = ProjectExpert.objects.filter(project=project, expert=expert).exists()
            admitted = PoolMember.objects.filter(project=project, status=ADMITTED).count()
            # Below the minimum the remaining work need not be counted (it scans the project).
            room = admitted < settings.POOL_MIN or admitted < pool_capacity(project)
            status = ADMITTED if invited or room else WAITLISTED
            now = clock.now()
            member = PoolMember.objects.create(
                project=project,
                expert=expert,
                status=status,
                joined_at=now,
                admitted_at=now if status == ADMITTED else None,
            )
        elif member.status == WAITLISTED:
            _admit_waiting(project, pool_capacity(project))
            member.refresh_from_db()
    return member


def waitlist_position(member: PoolMember) -> int:
    earlier = Q(joined_at__lt=member.joined_at) | Q(joined_at=member.joined_at, id__lt=member.id)
    ahead = PoolMember.objects.filter(
        earlier, project_id=member.project_id, status=WAITLISTED
    ).count()
    return ahead + 1


def refresh_pool(project: Project) -> None:
    """Admit waitlisted experts up to the current capacity (after new items, for example)."""
    with transaction.atomic():
        Project.objects.select_for_update().filter(id=project.id).first()
        _admit_waiting(project, pool_capacity(project))


@dataclass(frozen=True)
class PoolReport:
    eligible: int
    admitted: int
    waitlisted: int
    active_this_week: int
    capacity: int
    work_hours_available: float
    active_now: int
    blocked_by: dict[str, int]


def pool_report(project: Project, eligible: int, blocked_by: dict[str, int]) -> PoolReport:
    members = PoolMember.objects.filter(project=project)
    week_ago = clock.now() - dt.timedelta(days=7)
    active = (
        Lease.objects.filter(project=project, created_at__gte=week_ago)
        .values("expert_id")
        .distinct()
        .count()
    )
    remaining = remaining_judgments(project)
    return PoolReport(
        eligible=eligible,
        admitted=members.filter(status=ADMITTED).count(),
        waitlisted=members.filter(status=WAITLISTED).count(),
        active_this_week=active,
        capacity=pool_capacity(project),
        work_hours_available=round(work_hours(remaining, project.estimated_minutes), 1),
        active_now=Lease.objects.filter(
            project=project, state=Lease.State.ACTIVE, expires_at__gt=clock.now()
        ).count(),
        blocked_by=blocked_by,
    )
