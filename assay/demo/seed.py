"""Seed a small, realistic marketplace: one operator, one requester, four experts.

All content goes through the same actions a real user triggers, so the demo
exercises the product rather than bypassing it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from assay.actions import accounts, projects
from assay.actions.imports import import_items
from assay.actions.judgments import submit_judgment
from assay.actions.leases import claim_next_task
from assay.models import Organization, Project, User

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
    requester: User, org: Organization, terms: projects.ProjectTerms, slug: str
) -> Project:
    guidelines = (HERE / f"guidelines_{slug}.md").read_text()
    project = projects.create_project(
        actor=requester, organization=org, terms=terms, guidelines=guidelines
    )
    _import(project, requester, f"items_{slug}.jsonl")
    return projects.publish_project(actor=requester, project=project)


def _seed_judgments(project: Project, experts: list[User], rounds: int) -> None:
    pattern = ["a", "a", "b", "tie", "a", "b"]
    for index in range(rounds):
        for position, expert in enumerate(experts):
            lease = claim_next_task(expert=expert, project=project)
            choice = pattern[(index + position) % len(pattern)]
            submit_judgment(
                expert=expert,
                lease_id=lease.id,
                choice=choice,
                strength=None if choice == "tie" else 1 + (index + position) % 4,
                rationale=SEEDED_RATIONALE,
                idempotency_key=f"demo-seed-{project.id}-{index}-{position}",
            )


def seed() -> None:
    accounts.create_operator(email=OPERATOR.email, password=OPERATOR.password)
    requester = accounts.sign_up_requester(
        email=REQUESTER.email,
        password=REQUESTER.password,
        name="Riley Chen",
        organization=ORGANIZATION,
    )
    org = Organization.objects.get(name=ORGANIZATION)
    experts = [
        accounts.sign_up_expert(
            email=login.email,
            password=login.password,
            name=EXPERT_NAMES[login.email.split("@")[0]],
        )
        for login in EXPERTS
    ]
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
    code = _project(
        requester,
        org,
        projects.ProjectTerms(
            name="Code review: which fix is right?",
            description="Two candidate patches or answers per programming question; invited "
            "software engineers only.",
            overlap=2,
            pay_cents=250,
            estimated_minutes=6,
            admission=Project.Admission.INVITED,
        ),
        "code_review",
    )
    projects.admit_expert(actor=requester, project=code, email=EXPERTS[0].email)
    _seed_judgments(general, experts[1:], rounds=2)
