"""Pools admit eligible experts up to demand; later qualifiers wait in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay.actions.projects import admit_expert
from assay.domain.pools import capacity
from assay.models import PoolMember, Project, User
from tests.conftest import add_items


@pytest.fixture(autouse=True)
def _tight_pools(settings: Any) -> None:
    settings.POOL_MIN = 1
    settings.POOL_HOURS_PER_EXPERT = 1


def test_capacity_follows_remaining_work() -> None:
    assert capacity(remaining_judgments=0, estimated_minutes=5, minimum=2, hours_per_expert=4) == 2
    assert (
        capacity(remaining_judgments=120, estimated_minutes=10, minimum=2, hours_per_expert=4) == 5
    )


def next_task(client: Client, project: Project) -> dict[str, Any]:
    response = client.post(
        "/api/v1/tasks/next", {"project_id": project.id}, content_type="application/json"
    )
    return response.json()  # type: ignore[no-any-return]


def test_waitlist_in_order_then_admission_as_work_grows(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    small = make_project(items=4, overlap=1, minutes=3)  # 12 minutes of work: room for one
    first, second, third = (api(make_expert(n)) for n in ("ann", "ben", "cy"))
    assert next_task(first, small)["task"] is not None
    waiting = next_task(second, small)["empty"]
    assert waiting["code"] == "waitlisted"
    assert waiting["details"][0]["position"] == 1
    assert next_task(third, small)["empty"]["details"][0]["position"] == 2
    [entry] = second.get("/api/v1/me/work").json()
    assert (entry["state"], entry["waitlist_position"]) == ("waitlisted", 1)

    add_items(small, alice, 20, start=100)  # an hour more work: room for two
    assert next_task(second, small)["task"] is not None
    assert next_task(third, small)["empty"]["code"] == "waitlisted"
    pool = api(alice).get(f"/api/v1/projects/{small.id}/pool").json()
    assert (pool["eligible"], pool["admitted"], pool["waitlisted"]) == (3, 2, 1)
    assert pool["active_this_week"] == 2


def test_invited_experts_skip_the_waitlist(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    invited_only = make_project(items=2, overlap=1, admission="invited")
    clients = []
    for name in ("ann", "ben"):
        clients.append(api(make_expert(name)))
        admit_expert(actor=alice, project=invited_only, email=f"{name}@experts.test")
    assert all(next_task(client, invited_only)["task"] is not None for client in clients)
    assert PoolMember.objects.filter(project=invited_only, status="admitted").count() == 2


def test_pool_report_is_for_the_requester_only(
    project: Project, charlie: User, erin: User, api: Callable[[User], Client]
) -> None:
    assert api(charlie).get(f"/api/v1/projects/{project.id}/pool").status_code == 404
    assert api(erin).get(f"/api/v1/projects/{project.id}/pool").status_code == 404
    assert not PoolMember.objects.exists()


def test_inviting_a_waitlisted_expert_admits_them(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    small = make_project(items=2, overlap=1, minutes=3)
    first, second = api(make_expert("ann")), api(make_expert("ben"))
    next_task(first, small)
    assert next_task(second, small)["empty"]["code"] == "waitlisted"
    admit_expert(actor=alice, project=small, email="ben@experts.test")
    assert next_task(second, small)["task"] is not None
