"""Facts about experts and projects, read from the database for the pure eligibility rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet

from assay import clock
from assay.domain.credentials import is_current
from assay.domain.eligibility import ExpertFacts, Requirements, Unmet, unmet_requirements
from assay.models import Credential, Project, ProjectExpert, Restriction, Skill, User
from assay.sql import run_sql


def _with_facts(experts: QuerySet[User], now: dt.datetime) -> QuerySet[User]:
    return experts.select_related("expert_profile").prefetch_related(
        "expert_domains__domain",
        "expert_languages",
        Prefetch(
            "credentials",
            queryset=Credential.objects.filter(status="verified").select_related("domain"),
            to_attr="verified_credentials",
        ),
        Prefetch(
            "skills",
            queryset=Skill.objects.filter(expires_at__gt=now).select_related("domain", "test"),
            to_attr="current_skills",
        ),
        Prefetch(
            "projectexpert_set",
            queryset=ProjectExpert.objects.only("project_id", "expert_id"),
            to_attr="invitations",
        ),
    )


def _facts(expert: User, today: dt.date) -> ExpertFacts:
    verified = {
        c.domain.slug
        for c in getattr(expert, "verified_credentials", [])
        if is_current(
            status=c.status, verified_until=c.verified_until, expires_on=c.expires_on, today=today
        )
    }
    skills: dict[str, int] = {}
    for skill in getattr(expert, "current_skills", []):
        if skill.test.project_id is None:  # a project's own test vouches only for that project
            skills[skill.domain.slug] = max(skills.get(skill.domain.slug, 0), skill.score)
    profile = expert.expert_profile
    return ExpertFacts(
        domains=frozenset(d.domain.slug for d in expert.expert_domains.all()),
        languages={lang.code: lang.level for lang in expert.expert_languages.all()},
        verified_domains=frozenset(verified),
        skill_by_domain=skills,
        passed_tests=frozenset(s.test_id for s in getattr(expert, "current_skills", [])),
        opt_outs=frozenset(profile.content_opt_outs or []),
        invited_to=frozenset(i.project_id for i in getattr(expert, "invitations", [])),
    )


def facts_for(expert: User) -> ExpertFacts:
    now = clock.now()
    return _facts(_with_facts(User.objects.filter(id=expert.id), now).get(), now.date())


def requirements_of(project: Project) -> Requirements:
    domain = project.domain
    test = project.qualification
    return Requirements(
        project_id=project.id,
        invited_only=project.admission == Project.Admission.INVITED,
        domain=domain.slug if domain else "",
        domain_name=domain.name if domain else "",
        sensitive=bool(domain and domain.sensitive),
        min_skill=project.min_skill_score,
        test_id=test.id if test else None,
        test_title=test.title if test else "",
        language=project.required_language,
        content_risks=frozenset(project.content_risks or []),
    )


# Every request for work reads this (hand-written, see assay.sql).
_RESTRICTED = f"SELECT project_id FROM {Restriction._meta.db_table} WHERE expert_id = %s"  # noqa: S608


def _has_requirements(req: Requirements) -> bool:
    return bool(req.invited_only or req.domain or req.test_id or req.language or req.content_risks)


def explain(expert: User, projects: Iterable[Project]) -> list[tuple[Project, list[Unmet]]]:
    """Each project with the requirements ``expert`` does not meet (empty: eligible).

    The expert's facts are read only when some project has a requirement, so
    the common open project costs no query here.
    """
    pairs = [(project, requirements_of(project)) for project in projects]
    if expert.suspended_at is not None:
        return [(project, [SUSPENDED]) for project, _ in pairs]
    restricted = {project_id for (project_id,) in run_sql(_RESTRICTED, [expert.id])}
    if not any(_has_requirements(req) for _, req in pairs):
        return [(project, [RESTRICTED] if project.id in restricted else []) for project, _ in pairs]
    facts = facts_for(expert)
    return [
        (project, [RESTRICTED] if project.id in restricted else unmet_requirements(facts, req))
        for project, req in pairs
    ]


# Decisions by a named operator (docs/governance.md), never by an automated system.
SUSPENDED = Unmet(
    "suspended",
    "Your account is suspended by an operator's decision, so no work is offered.",
    "Read the statement of reasons under Decisions; you can appeal it there.",
)
RESTRICTED = Unmet(
    "restricted",
    "An operator's decision keeps you out of this project.",
    "Read the statement of reasons under Decisions; you can appeal it there.",
)


def eligible_experts(project: Project) -> Iterator[User]:
    """Every expert who meets the project's requirements (pool admission aside)."""
    now = clock.now()
    requirements = requirements_of(project)
    experts = User.objects.filter(
        role=User.Role.EXPERT, is_active=True, suspended_at__isnull=True
    ).exclude(restrictions__project=project)
    if project.domain_id is not None:
        experts = experts.filter(expert_domains__domain_id=project.domain_id)
    if project.admission == Project.Admission.INVITED:
        experts = experts.filter(projectexpert__project=project)
    for expert in _with_facts(experts.distinct().order_by("id"), now).iterator(chunk_size=500):
        if not unmet_requirements(_facts(expert, now.date()), requirements):
            yield expert


def project_candidates() -> QuerySet[Project]:
    """Published projects with what eligibility needs, loaded in the same query."""
    return Project.objects.filter(status=Project.Status.PUBLISHED).select_related(
        "domain", "qualification"
    )


def blocked_by(project: Project, *, limit: int = 5000) -> dict[str, int]:
    """How many experts each unmet requirement keeps out (an expert may count under several).

    Looks at experts who list the project's domain (all experts when it has
    none), at most ``limit`` of them, newest accounts last.
    """
    now = clock.now()
    requirements = requirements_of(project)
    experts = User.objects.filter(
        role=User.Role.EXPERT, is_active=True, suspended_at__isnull=True
    ).exclude(restrictions__project=project)
    if project.domain_id is not None:
        experts = experts.filter(expert_domains__domain_id=project.domain_id)
    counts: dict[str, int] = {}
    for expert in _with_facts(experts.distinct().order_by("id")[:limit], now):
        for unmet in unmet_requirements(_facts(expert, now.date()), requirements):
            counts[unmet.code] = counts.get(unmet.code, 0) + 1
    return counts
