"""Why an expert gets no task: caps, the fair-share rule, eligibility, waitlists, or no work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, Min, Q
from django.db.models.functions import Coalesce

from assay.actions.leases import EmptyQueue
from assay.domain.allocation import fair_share_exceeded
from assay.domain.eligibility import Unmet
from assay.models import Item, Judgment, Lease, Project, User
from assay.sql import run_sql

# Asked on every request for work, so written by hand (the ORM's compiler costs more than
# the query); seeks in the (project, is_gold, reserved, ...) index. ``is_gold = FALSE``, not
# ``NOT is_gold``: SQLite uses only the former to seek, and with the latter walked the whole
# project once no untouched item was left. The ORDER BY follows the index, so PostgreSQL
# keeps to it even when its statistics still say every item is untouched (a scan that
# stops at the first row looks cheaper, and reads the whole project when none is left).
# The table name is the model's.
_UNTOUCHED = (
    f"SELECT 1 FROM {Item._meta.db_table} "  # noqa: S608
    "WHERE project_id = %s AND is_gold = FALSE AND reserved = 0 ORDER BY priority DESC, id "
    "LIMIT 1"
)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)

CAP_MESSAGES = {
    "project_cap": "{name}: you reached this project's limit of {cap} judgments per expert.",
    "daily_cap": "{name}: you reached today's limit of {cap} tasks per expert; more from {at}.",
    "fair_share": "{name}: the last items are being shared among the experts working on it; "
    "you are ahead of the others, so the next ones go to them first.",
}


def _daily_leases(expert: User, project: Project, now: dt.datetime) -> int:
    return Lease.objects.filter(
        project=project,
        expert=expert,
        created_at__gt=now - DAY,
        state__in=[Lease.State.ACTIVE, Lease.State.SUBMITTED],
    ).count()


def _burst_leader(expert: User, project: Project, now: dt.datetime) -> bool:
    """The fair-share rule applies only once no untouched item is left (a burst's tail)."""
    if run_sql(_UNTOUCHED, [project.id]):
        return False
    recent = (
        Judgment.objects.filter(project=project, created_at__gt=now - HOUR)
        .values("expert_id")
        .annotate(n=Count("id"))
    )
    counts = {row["expert_id"]: row["n"] for row in recent}
    return fair_share_exceeded(counts.get(expert.id, 0), counts.values())


def blocked_reason(expert: User, project: Project, *, done: int, now: dt.datetime) -> str:
    if project.cap_per_expert is not None and done >= project.cap_per_expert:
        return "project_cap"
    daily = project.daily_cap_per_expert
    if daily is not None and _daily_leases(expert, project, now) >= daily:
        return "daily_cap"
    if _burst_leader(expert, project, now):
        return "fair_share"
    return ""


def capped(expert: User, project: Project, code: str, now: dt.datetime) -> EmptyQueue:
    retry_at = None
    cap = project.cap_per_expert if code == "project_cap" else project.daily_cap_per_expert
    if code == "daily_cap":
        first = Lease.objects.filter(
            project=project, expert=expert, created_at__gt=now - DAY
        ).aggregate(first=Min("created_at"))["first"]
        retry_at = first + DAY if first else None
    at = f"{retry_at:%Y-%m-%d %H:%M} UTC" if retry_at else "tomorrow"
    message = CAP_MESSAGES[code].format(name=project.name, cap=cap, at=at)
    return EmptyQueue(
        code, message, retry_at=retry_at, details=[{"project_id": project.id, "code": code}]
    )


def not_eligible(project: Project, unmet: list[Unmet]) -> EmptyQueue:
    details: list[dict[str, object]] = [
        {"project_id": project.id, "code": u.code, "message": u.message, "fix": u.fix}
        for u in unmet
    ]
    reasons = " ".join(u.message for u in unmet)
    return EmptyQueue("not_eligible", f"{project.name}: {reasons}", details=details)


def waitlisted(project: Project, position: int) -> EmptyQueue:
    return EmptyQueue(
        "waitlisted",
        f"{project.name}: you qualify and are number {position} on the waitlist; the pool "
        "admits more experts as the requester adds work.",
        details=[{"project_id": project.id, "code": "waitlisted", "position": position}],
    )


def _combined(blocked: list[EmptyQueue]) -> EmptyQueue:
    if len(blocked) == 1:
        return blocked[0]
    codes = {b.code for b in blocked}
    code = codes.pop() if len(codes) == 1 else "not_available"
    retry = [b.retry_at for b in blocked if b.retry_at is not None]
    return EmptyQueue(
        code,
        " ".join(b.message for b in blocked),
        retry_at=min(retry) if retry else None,
        details=[d for b in blocked for d in b.details],
    )


@dataclass(frozen=True)
class HeldWork:
    """Open items (gold left out) the expert has not touched that others hold leases on:
    the work that may come back, and the first moment a live lease of theirs ends."""

    exists: bool
    first_expiry: dt.datetime | None


def held_by_others(expert: User, projects: list[Project], now: dt.datetime) -> HeldWork:
    """One query over the active leases (few rows), never over the projects' items."""
    found = (
        Lease.objects.filter(
            project__in=projects,
            state=Lease.State.ACTIVE,
            item__is_gold=False,
            item__judgment_count__lt=Coalesce(F("item__target_overlap"), F("project__overlap")),
        )
        .exclude(item__leases__expert=expert)
        .aggregate(held=Count("id"), first=Min("expires_at", filter=Q(expires_at__gt=now)))
    )
    return HeldWork(found["held"] > 0, found["first"])


def why_empty(
    expert: User,
    projects: list[Project],
    blocked: list[EmptyQueue],
    now: dt.datetime,
    has_room: Callable[[Project], bool],
) -> EmptyQueue:
    """The most useful reason: no projects, then caps and eligibility, then the work itself.

    ``has_room`` says whether a project still has an item with a free slot that the expert
    has not touched (the allocator's own candidate search, which walks indexes only).
    Together with the active leases held by others, that is all the open work there is,
    so a project that is nearly or entirely done is never scanned.
    """
    if not projects and not blocked:
        return EmptyQueue(
            "no_open_projects",
            "No project is open to you right now. New projects appear here as soon as "
            "a requester publishes one that admits you.",
        )
    capped_ids = {d.get("project_id") for b in blocked for d in b.details}
    working = [p for p in projects if p.id not in capped_ids]
    if not working:
        return _combined(blocked)
    held = held_by_others(expert, working, now)
    if not held.exists and not any(has_room(project) for project in working):
        return EmptyQueue(
            "all_judged",
            "You have judged or returned every item still open to you. More work appears "
            "when a requester uploads items or publishes a project.",
        )
    return EmptyQueue(
        "all_leased",
        "Every remaining item is being judged by other experts right now. "
        "Items come back if their leases end without a judgment.",
        retry_at=held.first_expiry,
    )
