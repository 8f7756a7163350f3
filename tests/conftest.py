"""Personas and clients shared by every test module.

alice: requester, owner of Acme.    bob: requester, teammate at Acme.
charlie: requester at Globex (no access to Acme's projects).
erin: expert admitted to Acme's projects.   frank: expert not admitted.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from typing import Any

os.environ.setdefault("ASSAY_DATA_DIR", tempfile.mkdtemp(prefix="assay-test-"))

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from assay.actions import accounts, ledger, projects
from assay.actions.imports import import_items
from assay.actions.taxonomy import install_domains
from assay.actions.tokens import create_token
from assay.models import Organization, Project, User

# CI runs the same generated examples every time, so a failure there always reproduces.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PASSWORD = "correct-horse-battery-staple"
GUIDELINES = "# Guidelines\n\nPick the response a careful expert would give."


@pytest.fixture(autouse=True)
def _quick_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _taxonomy(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush every table, the migration-installed domains included."""
    used = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        used & {"transactional_db", "live_server"}
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in used:
        request.getfixturevalue("db")
    else:
        return
    install_domains()


@pytest.fixture(autouse=True)
def _files_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Payout batch files go to a fresh folder per test, never into the working tree."""
    settings.DATA_DIR = tmp_path


@pytest.fixture(autouse=True)
def _roomy_pools(settings: Any) -> None:
    """Pools admit everyone unless a test is about the waitlist (tests/test_pools.py)."""
    settings.POOL_MIN = 1000


def fund(organization: Organization, cents: int = 1_000_000) -> None:
    """Deposit money into an organization, as an operator would record a bank transfer."""
    treasurer = User.objects.filter(email="treasurer@assay.test").first()
    if treasurer is None:
        treasurer = accounts.create_operator(email="treasurer@assay.test", password=PASSWORD)
    ledger.deposit(
        actor=treasurer,
        organization=organization,
        amount_cents=cents,
        currency="USD",
        key=f"fixture-{uuid.uuid4().hex[:20]}",
    )


@pytest.fixture
def alice(db: None) -> User:
    """A requester whose organization, Acme, holds $10,000 (enough for any test project)."""
    user = accounts.sign_up_requester(
        email="alice@acme.test", password=PASSWORD, name="Alice", organization="Acme"
    )
    fund(Organization.objects.get(name="Acme"))
    return user


@pytest.fixture
def acme(alice: User) -> Organization:
    return Organization.objects.get(name="Acme")


@pytest.fixture
def bob(acme: Organization) -> User:
    return accounts.add_member(
        organization=acme, email="bob@acme.test", password=PASSWORD, name="Bob"
    )


@pytest.fixture
def charlie(db: None) -> User:
    return accounts.sign_up_requester(
        email="charlie@globex.test", password=PASSWORD, name="Charlie", organization="Globex"
    )


@pytest.fixture
def erin(db: None) -> User:
    return accounts.sign_up_expert(email="erin@experts.test", password=PASSWORD, name="Erin")


@pytest.fixture
def frank(db: None) -> User:
    return accounts.sign_up_expert(email="frank@experts.test", password=PASSWORD, name="Frank")


@pytest.fixture
def make_expert(db: None) -> Callable[[str], User]:
    def make(name: str) -> User:
        return accounts.sign_up_expert(email=f"{name}@experts.test", password=PASSWORD, name=name)

    return make


def item_lines(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "id": f"item-{n}",
            "prompt": f"Question {n}: what is {n} + {n}?",
            "response_a": f"It is {2 * n}.",
            "response_b": f"It is {2 * n + 1}.",
        }
        for n in range(start, start + count)
    ]


def work_entry(client: Client, project: Project) -> dict[str, Any]:
    """The project's entry in the expert's work overview (``GET /api/v1/me/work``)."""
    [entry] = [w for w in client.get("/api/v1/me/work").json() if w["project_id"] == project.id]
    return entry  # type: ignore[no-any-return]


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def add_items(project: Project, actor: User, count: int, *, start: int = 0) -> None:
    data = jsonl(item_lines(count, start=start))
    import_items(
        actor=actor, project=project, stream=io.BytesIO(data), filename="i.jsonl", size=len(data)
    )


@pytest.fixture
def make_project(alice: User, acme: Organization) -> Callable[..., Project]:
    def make(
        *,
        items: int = 4,
        overlap: int = 2,
        publish: bool = True,
        admission: str = "open",
        pay_cents: int = 100,
        minutes: int = 3,
    ) -> Project:
        terms = projects.ProjectTerms(
            name="Helpfulness",
            description="Compare answers",
            overlap=overlap,
            pay_cents=pay_cents,
            estimated_minutes=minutes,
            admission=admission,
        )
        project = projects.create_project(
            actor=alice, organization=acme, terms=terms, guidelines=GUIDELINES
        )
        if items:
            add_items(project, alice, items)
        if publish:
            project = projects.publish_project(actor=alice, project=project)
        return project

    return make


@pytest.fixture
def project(make_project: Callable[..., Project], erin: User, alice: User) -> Project:
    """Acme's published, invite-only project; erin is admitted, frank is not."""
    made = make_project(admission=Project.Admission.INVITED)
    projects.admit_expert(actor=alice, project=made, email=erin.email)
    return made


@pytest.fixture
def api() -> Callable[[User], Client]:
    """A test client that authenticates with a fresh API token of ``user``."""

    def client_for(user: User) -> Client:
        _, plaintext = create_token(user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {plaintext}"})

    return client_for


@pytest.fixture
def web() -> Callable[[User], Client]:
    """A test client signed in as ``user`` through the session."""

    def client_for(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return client_for
