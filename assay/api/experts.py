"""Expert self-service: profile, skills, the work overview, and qualification tests."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from assay.access import require_expert
from assay.actions.profiles import DomainEntry, ProfileUpdate, current_profile, update_profile
from assay.api.auth import actor
from assay.models import Domain
from assay.workview import ProjectState, work_overview

router = Router(tags=["experts"])


class DomainOut(Schema):
    slug: str
    name: str
    sensitive: bool


class DomainEntrySchema(Schema):
    slug: str
    years: int
    language_pair: str = ""


class ProfileSchema(Schema):
    domains: list[DomainEntrySchema] = []
    languages: dict[str, str] = {}
    country: str = ""
    timezone: str = "UTC"
    weekly_hours: int = 10
    content_opt_outs: list[str] = []
    show_identity: bool = False
    email_alerts: bool = True


class UnmetOut(Schema):
    code: str
    message: str
    fix: str
    test_id: int | None


class WorkOut(Schema):
    project_id: int
    name: str
    state: str
    message: str
    available: int
    pay_cents: int
    currency: str
    estimated_minutes: int
    hourly_rate_cents: int
    content_risks: list[str]
    unmet: list[UnmetOut]
    waitlist_position: int | None
    retry_at: dt.datetime | None


class SkillOut(Schema):
    domain: str
    score: int
    test_id: int
    granted_at: dt.datetime
    expires_at: dt.datetime


def profile_out(update: ProfileUpdate) -> ProfileSchema:
    return ProfileSchema(
        domains=[
            DomainEntrySchema(slug=d.slug, years=d.years, language_pair=d.language_pair)
            for d in update.domains
        ],
        languages=update.languages,
        country=update.country,
        timezone=update.timezone,
        weekly_hours=update.weekly_hours,
        content_opt_outs=update.content_opt_outs,
        show_identity=update.show_identity,
        email_alerts=update.email_alerts,
    )


def work_out(state: ProjectState) -> WorkOut:
    project = state.project
    return WorkOut(
        project_id=project.id,
        name=project.name,
        state=state.state,
        message=state.message,
        available=state.available,
        pay_cents=project.pay_cents,
        currency=project.currency,
        estimated_minutes=project.estimated_minutes,
        hourly_rate_cents=state.hourly_rate_cents,
        content_risks=list(project.content_risks or []),
        unmet=[
            UnmetOut(code=u.code, message=u.message, fix=u.fix, test_id=u.test_id)
            for u in state.unmet
        ],
        waitlist_position=state.waitlist_position,
        retry_at=state.retry_at,
    )


@router.get("/domains", response=list[DomainOut], auth=None)
def domains(request: HttpRequest) -> list[DomainOut]:
    return [
        DomainOut(slug=d.slug, name=d.name, sensitive=d.sensitive)
        for d in Domain.objects.order_by("name")
    ]


@router.get("/me/profile", response=ProfileSchema)
def get_profile(request: HttpRequest) -> ProfileSchema:
    require_expert(actor(request))
    return profile_out(current_profile(actor(request)))


@router.put("/me/profile", response=ProfileSchema)
def put_profile(request: HttpRequest, payload: ProfileSchema) -> ProfileSchema:
    user = actor(request)
    require_expert(user)
    update = ProfileUpdate(
        domains=[DomainEntry(d.slug, d.years, d.language_pair) for d in payload.domains],
        languages=payload.languages,
        country=payload.country.upper(),
        timezone=payload.timezone,
        weekly_hours=payload.weekly_hours,
        content_opt_outs=payload.content_opt_outs,
        show_identity=payload.show_identity,
        email_alerts=payload.email_alerts,
    )
    update_profile(expert=user, update=update)
    return profile_out(current_profile(user))


@router.get("/me/work", response=list[WorkOut])
def my_work(request: HttpRequest) -> list[WorkOut]:
    require_expert(actor(request))
    return [work_out(state) for state in work_overview(actor(request))]


@router.get("/me/skills", response=list[SkillOut])
def my_skills(request: HttpRequest) -> list[SkillOut]:
    require_expert(actor(request))
    skills = actor(request).skills.select_related("domain").order_by("-granted_at")
    return [
        SkillOut(
            domain=s.domain.slug,
            score=s.score,
            test_id=s.test_id,
            granted_at=s.granted_at,
            expires_at=s.expires_at,
        )
        for s in skills
    ]
