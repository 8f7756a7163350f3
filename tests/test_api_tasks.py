"""Expert API: the next task, leases, returns, heartbeats and judgments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client

from assay import clock
from assay.actions.projects import revise_guidelines
from assay.models import Item, Judgment, Lease, Project, User

GOOD = {"choice": "a", "strength": 3, "rationale": "A is right; B adds wrongly."}


def take(client: Client, project: Project | None = None) -> dict[str, Any]:
    body = {"project_id": project.id} if project else {}
    response = client.post("/api/v1/tasks/next", body, content_type="application/json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def judge(client: Client, lease_id: int, key: str, **changes: Any) -> Any:
    body = GOOD | {"idempotency_key": key} | changes
    return client.post(f"/api/v1/tasks/{lease_id}/judgment", body, content_type="application/json")


def test_open_projects_show_pay_time_and_rate(
    project: Project, erin: User, api: Callable[[User], Client]
) -> None:
    [offer] = api(erin).get("/api/v1/tasks/projects").json()
    assert offer["pay_cents"] == 100
    assert offer["estimated_minutes"] == 3
    assert offer["hourly_rate_cents"] == 2000


def test_next_task_leases_an_item_and_renders_it_safely(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    open_project = make_project()
    Item.objects.filter(project=open_project).update(response_a="<script>alert(1)</script> **A**")
    task = take(api(erin))["task"]
    assert task["project"]["id"] == open_project.id
    assert "<script>" not in task["item"]["response_a_html"]
    assert "<strong>A</strong>" in task["item"]["response_a_html"]
    assert Lease.objects.get(id=task["lease_id"]).state == "active"


def test_asking_again_returns_the_same_lease(
    project: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    assert take(client, project)["task"]["lease_id"] == take(client, project)["task"]["lease_id"]
    assert Lease.objects.count() == 1


def test_submission_is_recorded_with_its_guideline_version(
    project: Project, erin: User, alice: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    lease_id = take(client, project)["task"]["lease_id"]
    revise_guidelines(actor=alice, project=project, body="Version two of the guidelines")
    response = judge(client, lease_id, "key-00000001")
    assert response.status_code == 201
    assert response.json()["guideline_version"] == 2
    judgment = Judgment.objects.get()
    assert (judgment.choice, judgment.strength, judgment.guidelines.number) == ("a", 3, 2)
    assert Item.objects.get(id=judgment.item_id).judgment_count == 1


def test_the_same_submission_twice_is_stored_once(
    project: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    lease_id = take(client, project)["task"]["lease_id"]
    first = judge(client, lease_id, "double-click-1")
    second = judge(client, lease_id, "double-click-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["replayed"] is True
    assert first.json()["id"] == second.json()["id"]
    assert Judgment.objects.count() == 1
    assert Item.objects.get(leases__id=lease_id).judgment_count == 1


def test_a_second_submission_with_a_new_key_is_refused(
    project: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    lease_id = take(client, project)["task"]["lease_id"]
    judge(client, lease_id, "first-key-1")
    response = judge(client, lease_id, "other-key-2")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_submitted"
    assert Judgment.objects.count() == 1


def test_reusing_a_key_for_another_task_is_refused(
    project: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    judge(client, take(client, project)["task"]["lease_id"], "same-key-1")
    second_lease = take(client, project)["task"]["lease_id"]
    response = judge(client, second_lease, "same-key-1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Lease.objects.get(id=second_lease).state == "active"


def test_incomplete_judgments_are_refused_field_by_field(
    project: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    lease_id = take(client, project)["task"]["lease_id"]
    response = judge(client, lease_id, "key-bad-0001", choice="c", rationale="meh")
    assert response.status_code == 400
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"choice", "rationale"}
    tie_with_strength = judge(client, lease_id, "key-bad-0002", choice="tie", strength=2)
    assert tie_with_strength.json()["error"]["details"][0]["field"] == "strength"
    assert judge(client, lease_id, "k").json()["error"]["code"] == "invalid_key"
    assert Judgment.objects.count() == 0
    assert Lease.objects.get(id=lease_id).state == "active"


def test_a_tie_needs_no_strength(
    project: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    lease_id = take(client, project)["task"]["lease_id"]
    response = judge(client, lease_id, "tie-key-001", choice="tie", strength=None)
    assert response.status_code == 201
    assert response.json()["strength"] is None


def test_you_cannot_submit_a_task_you_do_not_hold(
    project: Project,
    erin: User,
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    lease_id = take(api(erin), project)["task"]["lease_id"]
    grace = make_expert("grace")
    response = judge(api(grace), lease_id, "stolen-key-1")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "lease_not_found"
    assert judge(api(alice), lease_id, "req-key-0001").status_code == 404
    assert Judgment.objects.count() == 0


def test_an_expired_lease_cannot_be_submitted_and_frees_its_slot(
    make_project: Callable[..., Project],
    erin: User,
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    single = make_project(items=1, overlap=1)
    client = api(erin)
    lease_id = take(client, single)["task"]["lease_id"]
    grace = api(make_expert("grace"))
    empty = take(grace, single)["empty"]
    assert empty["code"] == "all_leased"
    expires = Lease.objects.get(id=lease_id).expires_at
    assert abs(dt.datetime.fromisoformat(empty["retry_at"]) - expires) < dt.timedelta(seconds=1)
    later = clock.now() + dt.timedelta(hours=2)
    with clock.frozen(later):
        response = judge(client, lease_id, "late-key-001")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "lease_expired"
        assert Judgment.objects.count() == 0
        assert take(grace, single)["task"] is not None
    assert Lease.objects.get(id=lease_id).state == "expired"


def test_heartbeat_extends_the_lease(
    project: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    task = take(client, project)["task"]
    before = Lease.objects.get(id=task["lease_id"]).expires_at
    with clock.frozen(clock.now() + dt.timedelta(minutes=5)):
        response = client.post(f"/api/v1/tasks/{task['lease_id']}/heartbeat")
    assert response.status_code == 200
    assert Lease.objects.get(id=task["lease_id"]).expires_at > before


def test_returning_a_task_frees_the_slot_and_skips_the_item_for_you(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    single = make_project(items=1, overlap=1)
    client = api(erin)
    lease_id = take(client, single)["task"]["lease_id"]
    assert client.post(f"/api/v1/tasks/{lease_id}/return").status_code == 204
    assert Item.objects.get(project=single).reserved == 0
    assert take(client, single)["empty"]["code"] == "all_judged"
    again = client.post(f"/api/v1/tasks/{lease_id}/return")
    assert again.json()["error"]["code"] == "lease_returned"


def test_an_item_never_collects_more_than_its_overlap(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    small = make_project(items=2, overlap=2)
    clients = [api(make_expert(f"x{n}")) for n in range(5)]
    leased = [take(c, small)["task"] for c in clients]
    assert sum(task is not None for task in leased) == 4
    for item in Item.objects.filter(project=small):
        assert item.reserved == 2


def test_no_expert_gets_the_same_item_twice(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    four = make_project(items=4, overlap=3)
    client = api(erin)
    seen = []
    for n in range(4):
        task = take(client, four)["task"]
        seen.append(Lease.objects.get(id=task["lease_id"]).item_id)
        judge(client, task["lease_id"], f"seen-key-{n:04d}")
    assert len(set(seen)) == 4
    assert take(client, four)["empty"]["code"] == "all_judged"


def test_items_in_progress_are_finished_first(
    make_project: Callable[..., Project],
    erin: User,
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    many = make_project(items=5, overlap=2)
    first = take(api(erin), many)["task"]
    second = take(api(make_expert("grace")), many)["task"]
    first_item = Lease.objects.get(id=first["lease_id"]).item_id
    assert Lease.objects.get(id=second["lease_id"]).item_id == first_item


def test_empty_queue_explains_itself(
    db: None, make_expert: Callable[[str], User], api: Callable[[User], Client]
) -> None:
    body = take(api(make_expert("ivy")))
    assert body["task"] is None
    assert body["empty"]["code"] == "no_open_projects"
    assert "No project is open to you" in body["empty"]["message"]


def test_experts_outside_an_invited_project_get_404(
    project: Project, frank: User, api: Callable[[User], Client]
) -> None:
    response = api(frank).post(
        "/api/v1/tasks/next", {"project_id": project.id}, content_type="application/json"
    )
    assert response.status_code == 404
    assert api(frank).get("/api/v1/tasks/projects").json() == []


def test_requesters_cannot_take_tasks(
    project: Project, alice: User, api: Callable[[User], Client]
) -> None:
    response = api(alice).post("/api/v1/tasks/next", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_role"
