"""Shared set-up for the benchmark scripts: a migrated database and a requester's project."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def setup_django(database_url: str) -> None:
    os.environ["ASSAY_DATABASE_URL"] = database_url
    os.environ.setdefault("ASSAY_DATA_DIR", tempfile.mkdtemp(prefix="assay-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "assay.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Hashing cost is not what these scripts measure.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)


def requester_project(label: str) -> tuple[Any, Any]:
    """A new organization, its requester and a draft project (overlap 3, $1, 3 min)."""
    from assay.actions import accounts, projects
    from assay.models import Organization

    tag = f"{label}-{time.time_ns()}"
    owner = accounts.sign_up_requester(
        email=f"owner-{tag}@bench.test",
        password="bench-password-2026",
        name="Bench",
        organization=f"Bench {tag}",
    )
    org = Organization.objects.get(name=f"Bench {tag}")
    fund(org)
    terms = projects.ProjectTerms("Bench", "", 3, 100, 3)
    project = projects.create_project(actor=owner, organization=org, terms=terms, guidelines="g")
    return owner, project


def fund(organization: Any, cents: int = 10**10) -> None:
    """Deposit enough for any benchmark project's escrow, as an operator would."""
    from assay.actions import accounts, ledger
    from assay.models import User

    tag = time.time_ns()
    operator = User.objects.filter(email="bench-operator@bench.test").first()
    if operator is None:
        operator = accounts.create_operator(
            email="bench-operator@bench.test", password="bench-password-2026"
        )
    ledger.deposit(
        actor=operator,
        organization=organization,
        amount_cents=cents,
        currency="USD",
        key=f"bench-{tag}",
    )
