"""Seed a small, realistic marketplace: one operator, one requester, four experts.

Content goes through the same actions a real user triggers, so the demo
exercises the product rather than bypassing it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

from assay import clock
from assay.actions import accounts, approvals, ledger, projects
from assay.actions.allocation import claim_next_task
from assay.actions.authoring import create_test, spec_from_json
from assay.actions.imports import import_items
from assay.actions.judgments import submit_judgment
from assay.actions.profiles import DomainEntry, ProfileUpdate, update_profile
from assay.actions.qualification import start_attempt, submit_attempt
from assay.models import Credential, Domain, Organization, Project, QualificationTest, User

HERE = Path(__file__).resolve().parent
ORGANIZATION = "Northwind AI Lab"
SEEDED_RATIONALE = (
    "Seeded by assay demo to show progress and exports; not a real expert's judgment."
)


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str


OPERATOR = Login("operator", "operator@demo.assay.test", "demo-operator-2026")
REQUESTER = Login("requester", "requester@demo.assay.test", "demo-requester-2026")
EXPERTS = [
    Login("expert", f"{name}@demo.assay.test", "demo-expert-2026")
    for name in ("ada", "ben", "chen", "dana")
]
EXPERT_NAMES = {
    "ada": "Ada Okafor",
    "ben": "Ben Lindqvist",
    "chen": "Chen Wei",
    "dana": "Dana Reyes",
}
PROFILES = {
    "ada": ProfileUpdate(
        domains=[DomainEntry("software-engineering", 8)],
        languages={"en": "native", "yo": "native"},
        country="NG",
        timezone="Africa/Lagos",
        weekly_hours=15,
    ),
    "ben": ProfileUpdate(
        domains=[DomainEntry("medicine", 12), DomainEntry("pharmacy", 3)],
        languages={"sv": "native", "en": "C2", "de": "C1"},
        country="SE",
        timezone="Europe/Stockholm",
        weekly_hours=6,
        content_opt_outs=["sexual"],
    ),
    "chen": ProfileUpdate(
        domains=[DomainEntry("law", 10), DomainEntry("finance", 4)],
        languages={"zh": "native", "en": "C2"},
        country="SG",
        timezone="Asia/Singapore",
        weekly_hours=10,
    ),
    "dana": ProfileUpdate(
        domains=[DomainEntry("translation", 6, "en>es"), DomainEntry("general-writing", 9)],
        languages={"es": "native", "en": "C2"},
        country="MX",
        timezone="America/Mexico_City",
        weekly_hours=20,
    ),
}


def logins() -> list[Login]:
    return [OPERATOR, REQUESTER, *EXPERTS]


def is_seeded() -> bool:
    return Organization.objects.filter(name=ORGANIZATION).exists()


def _import(project: Project, requester: User, filename: str) -> None:
    data = (HERE / filename).read_bytes()
    import_items(
        actor=requester, project=project, stream=io.BytesIO(data), filename=filename, size=len(data)
    )


def _project(
    requester: User,
    org: Organization,
    terms: projects.ProjectTerms,
    slug: str,
    requirements: projects.RequirementsUpdate | None = None,
) -> Project:
    guidelines = (HERE / f"guidelines_{slug}.md").read_text()
    project = projects.create_project(
        actor=requester, organization=org, terms=terms, guidelines=guidelines
    )
    if requirements is not None:
        projects.set_requirements(actor=requester, project=project, update=requirements)
    _import(project, requester, f"items_{slug}.jsonl")
    return projects.publish_project(actor=requester, project=project)


def _seed_judgments(project: Project, experts: list[User], rounds: int) -> list[int]:
    """Sample work from two days ago, each task taking three to six minutes."""
    pattern = ["a", "a", "b", "tie", "a", "b"]
    start = clock.now() - dt.timedelta(days=2)
    made = []
    for index in range(rounds):
        for position, expert in enumerate(experts):
            taken = start + dt.timedelta(minutes=10 * (index * len(experts) + position))
            with clock.frozen(taken):
                lease = claim_next_task(expert=expert, project=project)
            choice = pattern[(index + position) % len(pattern)]
            with clock.frozen(taken + dt.timedelta(seconds=180 + 45 * ((index + position) % 5))):
                judgment, _ = submit_judgment(
                    expert=expert,
                    lease_id=lease.id,
                    choice=choice,
                    strength=None if choice == "tie" else 1 + (index + position) % 4,
                    rationale=SEEDED_RATIONALE,
                    idempotency_key=f"demo-seed-{project.id}-{index}-{position}",
                )
            made.append(judgment.id)
    return made


def _verify_credential(expert: User, operator: User) -> None:
    """A licence an operator has checked, so the demo shows a verified credential."""
    now = clock.now()
    Credential.objects.create(
        expert=expert,
        domain=Domain.objects.get(slug="medicine"),
        kind="licence",
        issuer="Swedish National Board of Health and Welfare",
        identifier="demo-licence",
        jurisdiction="SE",
        status=Credential.Status.VERIFIED,
        verified_until=(now + dt.timedelta(days=365)).date(),
        decided_by=operator,
        decided_at=now,
        note="Seeded by assay demo; no evidence file.",
        created_at=now,
    )


def _pass(expert: User, test: QualificationTest) -> None:
    attempt = start_attempt(expert=expert, test=test)
    answers = {q.id: q.answer for q in test.questions.all()}
    submit_attempt(expert=expert, attempt=attempt, answers=answers)


def _people() -> tuple[User, User, Organization, list[User]]:
    operator = accounts.create_operator(email=OPERATOR.email, password=OPERATOR.password)
    requester = accounts.sign_up_requester(
        email=REQUESTER.email,
        password=REQUESTER.password,
        name="Riley Chen",
        organization=ORGANIZATION,
    )
    experts = []
    for login in EXPERTS:
        name = login.email.split("@")[0]
        expert = accounts.sign_up_expert(
            email=login.email, password=login.password, name=EXPERT_NAMES[name]
        )
        update_profile(expert=expert, update=PROFILES[name])
        experts.append(expert)
    return operator, requester, Organization.objects.get(name=ORGANIZATION), experts


def seed() -> None:
    operator, requester, org, experts = _people()
    ledger.deposit(
        actor=operator,
        organization=org,
        amount_cents=500_00,
        currency="USD",
        key="demo-seed-deposit",
        reference="demo bank transfer",
    )
    ledger.deposit(
        actor=operator,
        organization=None,
        amount_cents=100_00,
        currency="USD",
        key="demo-seed-platform",
        reference="platform funds for paid screening tests",
    )
    _verify_credential(experts[1], operator)
    spec = json.loads((HERE / "qualification_code_review.json").read_text())
    screening = create_test(author=operator, spec=spec_from_json(spec))
    _pass(experts[0], screening)
    general = _project(
        requester,
        org,
        projects.ProjectTerms(
            name="Which answer would a professional trust?",
            description="Compare two model answers to questions from medicine, law, finance, "
            "software, mathematics and translation. Pick the one a practitioner would sign off on.",
            overlap=3,
            pay_cents=120,
            estimated_minutes=4,
        ),
        "general",
    )
    _project(
        requester,
        org,
        projects.ProjectTerms(
            name="Code review: which fix is right?",
            description="Two candidate patches or answers per programming question. For "
            "software engineers who passed the paid code review screening.",
            overlap=2,
            pay_cents=250,
            estimated_minutes=6,
        ),
        "code_review",
        requirements=projects.RequirementsUpdate(
            domain="software-engineering", min_skill_score=60, qualification_id=screening.id
        ),
    )
    judged = _seed_judgments(general, experts[1:], rounds=2)
    # The requester has decided on some of the sample work: approvals, and one rejection
    # whose reason keeps the pay; the rest await approval.
    for judgment_id in judged[:3]:
        approvals.approve(judgment_id=judgment_id, actor=requester)
    approvals.reject(
        judgment_id=judged[3],
        actor=requester,
        reason_code="rationale_missing_reason",
        note="The rationale does not say which claim in the losing answer is wrong.",
    )
