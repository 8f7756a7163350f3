"""Idempotency-Key on mutating API calls: retries get the first answer, never a second effect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay import clock
from assay.models import IdempotentRequest, Project, User

pytestmark = pytest.mark.django_db
BODY = {"name": "Retried", "pay_cents": 100, "estimated_minutes": 3, "guidelines": "Be fair."}


def create(client: Client, key: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        "/api/v1/projects", body or BODY, content_type="application/json", headers=headers
    )


def test_a_retried_create_makes_one_project(alice: User, api: Callable[[User], Client]) -> None:
    client = api(alice)
    first = create(client, "create-retry-1")
    again = create(client, "create-retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Project.objects.filter(name="Retried").count() == 1
    create(client, "")
    create(client, "")
    assert Project.objects.filter(name="Retried").count() == 3  # no key: no protection


def test_a_key_reused_for_another_request_is_refused(
    alice: User, api: Callable[[User], Client]
) -> None:
    client = api(alice)
    create(client, "create-retry-2")
    other = create(client, "create-retry-2", {**BODY, "name": "Other"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert not Project.objects.filter(name="Other").exists()


def test_keys_belong_to_their_user(
    alice: User, charlie: User, api: Callable[[User], Client]
) -> None:
    create(api(alice), "shared-key-1")
    theirs = create(api(charlie), "shared-key-1")
    assert theirs.status_code == 201
    assert Project.objects.filter(name="Retried").count() == 2


def test_a_retry_while_the_first_runs_waits_and_a_dead_one_runs_again(
    alice: User, api: Callable[[User], Client]
) -> None:
    client = api(alice)
    row = IdempotentRequest.objects.create(
        owner=f"user:{alice.id}",
        key="in-flight-1",
        method="POST",
        path="/api/v1/projects",
        body_digest=__import__("hashlib")
        .sha256(__import__("json").dumps(BODY).encode())
        .hexdigest(),
        created_at=clock.now(),
    )
    waiting = create(client, "in-flight-1")
    assert waiting.status_code == 409
    assert waiting.json()["error"]["code"] == "request_in_progress"
    IdempotentRequest.objects.filter(id=row.id).update(
        created_at=clock.now() - dt.timedelta(minutes=10)
    )
    assert create(client, "in-flight-1").status_code == 201
    assert Project.objects.filter(name="Retried").count() == 1
