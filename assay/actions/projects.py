from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from assay import audit, clock
from assay.actions.ledger import (
    Owner,
    balance,
    ensure_escrow,
    escrow_shortfall,
    plan_for,
    release_escrow,
)
from assay.domain.pay import format_money, hourly_rate_cents
from assay.domain.taxonomy import CONTENT_RISKS, LANGUAGES
from assay.errors import Conflict, InvalidInput, NotFound, raise_for_fields
from assay.models import (
    Account,
    Domain,
    GuidelineVersion,
    Item,
    Judgment,
    Organization,
    PoolMember,
    Project,
    ProjectExpert,
    QualificationTest,
    User,
)

MAX_OVERLAP = 25
MAX_GUIDELINES_CHARS = 100_000


@dataclass(frozen=True)
class ProjectTerms:
    name: str
    description: str
    overlap: int
    pay_cents: int
    estimated_minutes: int
    admission: str = Project.Admission.OPEN
    pay_mode: str = Project.PayMode.TASK
    hourly_cap_minutes: int | None = None


def _terms_problems(terms: ProjectTerms) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not terms.name.strip() or len(terms.name) > 200:
        problems["name"] = "name the project (up to 200 characters)"
    if not 1 <= terms.overlap <= MAX_OVERLAP:
        problems["overlap"] = f"judgments per item must be between 1 and {MAX_OVERLAP}"
    if not 1 <= terms.pay_cents <= 1_000_000:
        problems["pay_cents"] = "pay per task must be between 0.01 and 10,000"
    if not 1 <= terms.estimated_minutes <= 480:
        problems["estimated_minutes"] = "estimated minutes must be between 1 and 480"
    if terms.admission not in Project.Admission.values:
        problems["admission"] = "admission must be open or invited"
    if terms.pay_mode not in Project.PayMode.values:
        problems["pay_mode"] = "pay is per task or per hour"
    elif terms.pay_mode == Project.PayMode.HOUR and not (
        terms.hourly_cap_minutes and 1 <= terms.hourly_cap_minutes <= 480
    ):
        problems["hourly_cap_minutes"] = "hourly pay needs a cap of 1 to 480 minutes per task"
    return problems


def create_project(
    *, actor: User, organization: Organization, terms: ProjectTerms, guidelines: str
) -> Project:
    problems = _terms_problems(terms)
    if len(guidelines) > MAX_GUIDELINES_CHARS:
        problems["guidelines"] = f"guidelines must be under {MAX_GUIDELINES_CHARS:,} characters"
    raise_for_fields(problems)
    now = clock.now()
    with transaction.atomic():
        project = Project.objects.create(
            organization=organization,
            name=terms.name.strip(),
            description=terms.description.strip(),
            overlap=terms.overlap,
            pay_cents=terms.pay_cents,
            pay_mode=terms.pay_mode,
            hourly_cap_minutes=_cap(terms),
            currency=settings.CURRENCY,
            estimated_minutes=terms.estimated_minutes,
            admission=terms.admission,
            created_by=actor,
            created_at=now,
        )
        if guidelines.strip():
            _add_guidelines(project, actor, guidelines)
        audit.record(
            "project.create",
            project,
            actor=actor,
            pay_cents=project.pay_cents,
            pay_mode=project.pay_mode,
            overlap=project.overlap,
        )
    return project


def _cap(terms: ProjectTerms) -> int | None:
    return terms.hourly_cap_minutes if terms.pay_mode == Project.PayMode.HOUR else None


def update_terms(*, actor: User, project: Project, terms: ProjectTerms) -> Project:
    """Terms that decide pay and redundancy change only while the project is a draft."""
    raise_for_fields(_terms_problems(terms))
    with transaction.atomic():
        project = Project.objects.select_for_update().get(id=project.id)
        if project.status != Project.Status.DRAFT:
            raise Conflict(
                "Pay, time and overlap are fixed once a project is published.",
                code="project_not_draft",
            )
        project.name = terms.name.strip()
        project.description = terms.description.strip()
        project.overlap = terms.overlap
        project.pay_cents = terms.pay_cents
        project.pay_mode = terms.pay_mode
        project.hourly_cap_minutes = _cap(terms)
        before = {"pay_cents": project.pay_cents, "overlap": project.overlap}
        project.estimated_minutes = terms.estimated_minutes
        project.admission = terms.admission
        project.save()
        audit.record(
            "project.terms",
            project,
            actor=actor,
            before=before,
            after={"pay_cents": project.pay_cents, "overlap": project.overlap},
        )
    return project


def _add_guidelines(project: Project, actor: User, body: str) -> GuidelineVersion:
    latest = project.guideline_versions.order_by("-number").first()
    version = GuidelineVersion.objects.create(
        project=project,
        number=(latest.number + 1) if latest else 1,
        body=body,
        author=actor,
        created_at=clock.now(),
    )
    project.guidelines = version
    project.save(update_fields=["guidelines"])
    return version


def revise_guidelines(*, actor: User, project: Project, body: str) -> GuidelineVersion:
    """Save a new version; judgments made from now on record it."""
    if not body.strip():
        raise InvalidInput("Guidelines cannot be empty.", code="empty_guidelines")
    if len(body) > MAX_GUIDELINES_CHARS:
        raise InvalidInput("Guidelines are too long.", code="guidelines_too_long")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(id=project.id)
        if project.status == Project.Status.CLOSED:
            raise Conflict("This project is closed.", code="project_closed")
        current = project.guidelines
        if current is not None and current.body == body:
            return current
        version = _add_guidelines(project, actor, body)
        audit.record("project.guidelines", project, actor=actor, version=version.number)
        if project.status != Project.Status.DRAFT:
            _announce_guidelines(project, version)
        return version


def _announce_guidelines(project: Project, version: GuidelineVersion) -> None:
    """Experts who worked on a live project hear of new guidelines; judgments already
    made keep the version they were made under."""
    from assay.actions.alerts import notify

    experts = (
        Judgment.objects.filter(project=project).values_list("expert_id", flat=True).distinct()
    )
    for expert_id in experts:
        notify(
            expert_id,
            kind="guidelines",
            key=f"guidelines:{project.id}:{version.number}",
            title=f"New guidelines (version {version.number}) for {project.name}",
            body="They apply to tasks you submit from now on; earlier submissions are "
            "judged by the version they were made under.",
            url=f"/work/{project.id}/",
        )


def publish_problems(project: Project) -> list[str]:
    problems = []
    if project.guidelines_id is None:
        problems.append("Write guidelines first.")
    if not project.items.exists():
        problems.append("Upload at least one item first.")
    reviewed = project.review_rate > 0 or bool(project.domain and project.domain.sensitive)
    review_floor = hourly_floor_pay(project.estimated_minutes)
    if reviewed and project.review_pay_cents < review_floor:
        problems.append(
            f"Submissions here are reviewed by another expert; set the pay per review to at "
            f"least {format_money(review_floor, project.currency)} (allocation settings)."
        )
    floor = settings.PAY_FLOOR_CENTS_PER_HOUR
    if project.pay_mode == Project.PayMode.HOUR:
        if project.pay_cents < floor:
            problems.append(
                f"Hourly pay of {format_money(project.pay_cents, project.currency)} is under "
                f"the floor of {format_money(floor, project.currency)}."
            )
    else:
        rate = hourly_rate_cents(project.pay_cents, project.estimated_minutes)
        if rate < floor:
            minimum = hourly_floor_pay(project.estimated_minutes)
            problems.append(
                f"Pay implies {format_money(rate, project.currency)} an hour, under the floor "
                f"of {format_money(floor, project.currency)}; pay at least "
                f"{format_money(minimum, project.currency)} a task or lower the estimated time."
            )
    if not problems:
        problems.extend(_escrow_problems(project))
    return problems


def _escrow_problems(project: Project) -> list[str]:
    shortfall = escrow_shortfall(project)
    if shortfall == 0:
        return []
    held = balance(
        Account.Kind.ORGANIZATION, project.currency, Owner(organization_id=project.organization_id)
    )
    if held >= shortfall:
        return []
    plan = plan_for(project)
    money = project.currency
    return [
        f"Publishing sets aside {format_money(shortfall, money)} in escrow for all planned work "
        f"({plan.judgments:,} judgments, {plan.gold_judgments:,} on gold items, "
        f"{plan.reviews:,} reviews, {format_money(plan.fees_cents, money)} in fees); the "
        f"organization holds {format_money(held, money)}. Add "
        f"{format_money(shortfall - held, money)} to its balance."
    ]


def publish_project(*, actor: User, project: Project) -> Project:
    with transaction.atomic():
        project = Project.objects.select_for_update().get(id=project.id)
        if project.status == Project.Status.PUBLISHED:
            return project
        if project.status != Project.Status.DRAFT:
            raise Conflict("Only a draft can be published.", code="project_not_draft")
        problems = publish_problems(project)
        if problems:
            raise Conflict(
                " ".join(problems),
                code="cannot_publish",
                details=[{"message": text} for text in problems],
            )
        # Work never starts that cannot be paid: escrow covers every planned judgment,
        # gold and reviews included, plus fees, before the first task is handed out.
        ensure_escrow(project, actor=actor)
        project.status = Project.Status.PUBLISHED
        project.published_at = project.work_added_at = clock.now()
        project.save(update_fields=["status", "published_at", "work_added_at"])
        audit.record("project.publish", project, actor=actor)
    return project


def close_project(*, actor: User, project: Project) -> Project:
    """Stop handing out tasks; leases already held can still be submitted."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(id=project.id)
        if project.status == Project.Status.CLOSED:
            return project
        project.status = Project.Status.CLOSED
        project.save(update_fields=["status"])
        released = release_escrow(project, actor=actor)
        audit.record("project.close", project, actor=actor, escrow_returned_cents=released)
    return project


def admit_expert(*, actor: User, project: Project, email: str) -> ProjectExpert:
    expert = User.objects.filter(email=email.strip().lower(), role=User.Role.EXPERT).first()
    if expert is None:
        raise NotFound("No expert has an account with that email.", code="expert_not_found")
    with transaction.atomic():
        admission, _ = ProjectExpert.objects.get_or_create(project=project, expert=expert)
        # The requester chose this expert: a place on the waitlist becomes an admission.
        PoolMember.objects.filter(
            project=project, expert=expert, status=PoolMember.Status.WAITLISTED
        ).update(status=PoolMember.Status.ADMITTED, admitted_at=clock.now())
        audit.record("project.admit", project, actor=actor, expert=expert.id)
    return admission


@dataclass(frozen=True)
class RequirementsUpdate:
    domain: str = ""
    min_skill_score: int = 0
    required_language: str = ""
    qualification_id: int | None = None
    content_risks: tuple[str, ...] = ()


def _requirement_problems(project: Project, update: RequirementsUpdate) -> dict[str, str]:
    problems: dict[str, str] = {}
    if update.domain and not Domain.objects.filter(slug=update.domain).exists():
        problems["domain"] = f"unknown domain {update.domain!r}"
    if not 0 <= update.min_skill_score <= 100:
        problems["min_skill_score"] = "a skill score is 0 to 100"
    if update.min_skill_score and not update.domain:
        problems["min_skill_score"] = "a minimum skill score needs a domain"
    if update.required_language and update.required_language not in LANGUAGES:
        problems["required_language"] = "use a language code from the list"
    unknown = sorted(set(update.content_risks) - set(CONTENT_RISKS))
    if unknown:
        problems["content_risks"] = f"unknown: {', '.join(unknown)}"
    if (
        update.qualification_id is not None
        and not QualificationTest.objects.filter(
            Q(project=project) | Q(project__isnull=True), id=update.qualification_id
        ).exists()
    ):
        problems["qualification_id"] = "choose a test of this project or a platform test"
    return problems


def set_requirements(*, actor: User, project: Project, update: RequirementsUpdate) -> Project:
    """Who may work on the project; fixed once published, like pay and overlap."""
    raise_for_fields(_requirement_problems(project, update))
    with transaction.atomic():
        project = Project.objects.select_for_update().get(id=project.id)
        if project.status != Project.Status.DRAFT:
            raise Conflict(
                "Requirements are fixed once a project is published.", code="project_not_draft"
            )
        project.domain = Domain.objects.filter(slug=update.domain).first()
        project.min_skill_score = update.min_skill_score
        project.required_language = update.required_language
        project.qualification_id = update.qualification_id
        project.content_risks = sorted(set(update.content_risks))
        project.save()
        audit.record("project.requirements", project, actor=actor, after=update.__dict__)
    return project


def set_gold(*, actor: User, item: Item, answer: str, rationale: str) -> Item:
    """Mark an item as gold with its expected answer, or unmark it with answer ""."""
    if answer not in ("", "a", "b", "tie"):
        raise InvalidInput("The expected answer is a, b or tie.", code="invalid_gold")
    if len(rationale) > 5000:
        raise InvalidInput("Keep the rationale under 5,000 characters.", code="invalid_gold")
    with transaction.atomic():
        Item.objects.filter(id=item.id).update(
            is_gold=bool(answer), gold_answer=answer, gold_rationale=rationale.strip()
        )
    item.refresh_from_db()
    return item


@dataclass(frozen=True)
class AllocationSettings:
    priority: int = 0
    deadline: dt.datetime | None = None
    gold_rate: float = 0.0
    gold_feedback: bool = True
    daily_cap_per_expert: int | None = None
    cap_per_expert: int | None = None
    adaptive: bool = False
    adaptive_max: int = 7
    confidence_target: float = 0.95
    review_rate: float = 0.0
    review_pay_cents: int = 0


def _allocation_problems(project: Project, s: AllocationSettings) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not -100 <= s.priority <= 100:
        problems["priority"] = "priority is -100 to 100"
    if s.deadline is not None and s.deadline.tzinfo is None:
        problems["deadline"] = "give the deadline with a time zone"
    if not 0.0 <= s.gold_rate <= 0.5:
        problems["gold_rate"] = "the gold rate is 0 to 0.5"
    for name in ("daily_cap_per_expert", "cap_per_expert"):
        value = getattr(s, name)
        if value is not None and value < 1:
            problems[name] = "a cap is at least 1, or empty for none"
    if not project.overlap <= s.adaptive_max <= MAX_OVERLAP:
        problems["adaptive_max"] = f"from the project's overlap to {MAX_OVERLAP}"
    if not 0.5 <= s.confidence_target < 1.0:
        problems["confidence_target"] = "a confidence target is 0.5 to 0.99"
    if not 0.0 <= s.review_rate <= 1.0:
        problems["review_rate"] = "the review rate is 0 to 1"
    # A review takes about as long as the task it checks, and is paid at least the floor.
    floor = hourly_floor_pay(project.estimated_minutes)
    reviewed = s.review_rate > 0 or bool(project.domain and project.domain.sensitive)
    if reviewed and s.review_pay_cents < floor:
        problems["review_pay_cents"] = f"reviews must pay at least {floor / 100:.2f}"
    return problems


def hourly_floor_pay(minutes: int) -> int:
    return -(-settings.PAY_FLOOR_CENTS_PER_HOUR * minutes // 60)


def set_allocation(*, actor: User, project: Project, settings_: AllocationSettings) -> Project:
    """Priority, deadline, gold, caps and adaptive redundancy; changeable at any time.

    None of these touches pay, so they need no notice to experts.
    """
    raise_for_fields(_allocation_problems(project, settings_))
    with transaction.atomic():
        project = Project.objects.select_for_update().get(id=project.id)
        for name in AllocationSettings.__dataclass_fields__:
            setattr(project, name, getattr(settings_, name))
        project.save()
        if project.status in (Project.Status.PUBLISHED, Project.Status.PAUSED):
            # More overlap, gold or review on a live project is paid for first.
            ensure_escrow(project, actor=actor)
        audit.record("project.allocation", project, actor=actor, after=settings_.__dict__)
    return project
