"""Every project an expert can see, with its state for them, in words they can act on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assay import clock
from assay.access import projects_open_to
from assay.actions.allocation import open_untouched
from assay.actions.pools import place_in_pool, waitlist_position
from assay.actions.queue_reasons import held_by_others
from assay.domain.eligibility import Unmet
from assay.eligibility import explain
from assay.models import PoolMember, Project, User

COUNT_CAP = 100


@dataclass(frozen=True)
class ProjectState:
    project: Project
    state: str  # available | not_eligible | waitlisted | nothing_now
    message: str
    available: int = 0
    hourly_rate_cents: int = 0
    unmet: list[Unmet] = field(default_factory=list)
    waitlist_position: int | None = None
    retry_at: dt.datetime | None = None


def _nothing_now(expert: User, project: Project) -> ProjectState:
    held = held_by_others(expert, [project], clock.now())
    if not held.exists:
        return ProjectState(project, "nothing_now", "You have judged or returned every open item.")
    return ProjectState(
        project,
        "nothing_now",
        "Other experts are judging the remaining items.",
        retry_at=held.first_expiry,
    )


def _state(expert: User, project: Project, unmet: list[Unmet]) -> ProjectState:
    rate = project.hourly_rate_cents
    if unmet:
        return ProjectState(
            project,
            "not_eligible",
            "You do not meet every requirement yet.",
            hourly_rate_cents=rate,
            unmet=unmet,
        )
    member = place_in_pool(expert=expert, project=project)
    if member.status == PoolMember.Status.WAITLISTED:
        position = waitlist_position(member)
        return ProjectState(
            project,
            "waitlisted",
            f"You qualify; you are number {position} on the waitlist. The pool admits more "
            "experts as the requester adds work.",
            hourly_rate_cents=rate,
            waitlist_position=position,
        )
    available = open_untouched(expert, project, at_most=COUNT_CAP + 1)
    if available:
        return ProjectState(
            project, "available", "Work is available.", available=available, hourly_rate_cents=rate
        )
    state = _nothing_now(expert, project)
    return ProjectState(
        project, state.state, state.message, hourly_rate_cents=rate, retry_at=state.retry_at
    )


def work_overview(expert: User) -> list[ProjectState]:
    projects = projects_open_to(expert).select_related("domain", "qualification")
    return [
        _state(expert, project, unmet)
        for project, unmet in explain(expert, projects.order_by("published_at", "id"))
    ]
