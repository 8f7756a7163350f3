"""Requester API: creating, editing, guidelines versions, publishing."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from assay.models import GuidelineVersion, Project, User

NEW = {
    "name": "Legal answers",
    "overlap": 3,
    "pay_cents": 150,
    "estimated_minutes": 5,
    "guidelines": "Prefer the answer a lawyer would sign.",
}


def test_requester_creates_a_draft_with_first_guidelines(
    alice: User, api: Callable[[User], Client]
) -> None:
    response = api(alice).post("/api/v1/projects", NEW, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert body["guideline_version"] == 1
    assert body["hourly_rate_cents"] == 1800
    assert body["currency"] == "USD"


def test_invalid_terms_are_listed_field_by_field(
    alice: User, api: Callable[[User], Client]
) -> None:
    bad = NEW | {"overlap": 0, "pay_cents": 0, "estimated_minutes": 0, "name": ""}
    response = api(alice).post("/api/v1/projects", bad, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert {d["field"] for d in error["details"]} == {
        "name",
        "overlap",
        "pay_cents",
        "estimated_minutes",
    }
    assert Project.objects.count() == 0


def test_malformed_body_gets_a_stable_error_code(
    alice: User, api: Callable[[User], Client]
) -> None:
    response = api(alice).post("/api/v1/projects", {"name": 3}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_experts_cannot_create_projects(erin: User, api: Callable[[User], Client]) -> None:
    response = api(erin).post("/api/v1/projects", NEW, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_role"
    assert Project.objects.count() == 0


def test_teammate_sees_and_edits_the_organizations_projects(
    make_project: Callable[..., Project], bob: User, api: Callable[[User], Client]
) -> None:
    draft = make_project(publish=False)
    client = api(bob)
    assert client.get(f"/api/v1/projects/{draft.id}").status_code == 200
    terms = {"name": "Renamed", "overlap": 5, "pay_cents": 200, "estimated_minutes": 4}
    response = client.put(f"/api/v1/projects/{draft.id}", terms, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["overlap"] == 5


def test_guidelines_are_versioned(
    make_project: Callable[..., Project], alice: User, api: Callable[[User], Client]
) -> None:
    draft = make_project(publish=False)
    client = api(alice)
    url = f"/api/v1/projects/{draft.id}/guidelines"
    first = client.put(url, {"body": "Version two"}, content_type="application/json")
    same = client.put(url, {"body": "Version two"}, content_type="application/json")
    empty = client.put(url, {"body": "  "}, content_type="application/json")
    assert first.json()["version"] == 2
    assert same.json()["version"] == 2
    assert empty.status_code == 400
    assert empty.json()["error"]["code"] == "empty_guidelines"
    assert GuidelineVersion.objects.filter(project=draft).count() == 2


def test_publish_needs_items_and_guidelines(
    make_project: Callable[..., Project], alice: User, api: Callable[[User], Client]
) -> None:
    draft = make_project(items=0, publish=False)
    response = api(alice).post(f"/api/v1/projects/{draft.id}/publish")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cannot_publish"
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_publish_refuses_pay_under_the_hourly_floor(
    make_project: Callable[..., Project], alice: User, api: Callable[[User], Client]
) -> None:
    cheap = make_project(publish=False, pay_cents=50, minutes=5)  # 6.00 an hour
    response = api(alice).post(f"/api/v1/projects/{cheap.id}/publish")
    assert response.status_code == 409
    assert "under the floor" in response.json()["error"]["message"]


def test_published_terms_are_frozen(
    make_project: Callable[..., Project], alice: User, api: Callable[[User], Client]
) -> None:
    live = make_project()
    terms = {"name": "x", "overlap": 9, "pay_cents": 1, "estimated_minutes": 60}
    response = api(alice).put(f"/api/v1/projects/{live.id}", terms, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "project_not_draft"
    live.refresh_from_db()
    assert live.overlap == 2


def test_publishing_twice_is_harmless(
    make_project: Callable[..., Project], alice: User, api: Callable[[User], Client]
) -> None:
    draft = make_project(publish=False)
    client = api(alice)
    assert client.post(f"/api/v1/projects/{draft.id}/publish").json()["status"] == "published"
    assert client.post(f"/api/v1/projects/{draft.id}/publish").json()["status"] == "published"


def test_unknown_project_is_404(alice: User, api: Callable[[User], Client]) -> None:
    response = api(alice).get("/api/v1/projects/999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "project_not_found"


def test_list_shows_only_own_organization(
    make_project: Callable[..., Project], charlie: User, alice: User, api: Callable[[User], Client]
) -> None:
    make_project()
    assert len(api(alice).get("/api/v1/projects").json()) == 1
    assert api(charlie).get("/api/v1/projects").json() == []


def test_requests_without_credentials_are_401(db: None) -> None:
    response = Client().get("/api/v1/projects")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_openapi_schema_and_docs_are_served(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/tasks/next" in schema.json()["paths"]
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"https://" not in docs.content  # no CDN: the page works offline


def test_closing_stops_new_tasks_but_honours_held_ones(
    make_project: Callable[..., Project], alice: User, erin: User, api: Callable[[User], Client]
) -> None:
    live = make_project()
    expert = api(erin)
    lease_id = expert.post("/api/v1/tasks/next", {}, content_type="application/json").json()[
        "task"
    ]["lease_id"]
    assert api(alice).post(f"/api/v1/projects/{live.id}/close").json()["status"] == "closed"
    after = expert.post("/api/v1/tasks/next", {}, content_type="application/json").json()
    assert after["empty"]["code"] == "no_open_projects"
    judgment = {
        "choice": "a",
        "strength": 1,
        "rationale": "A is right.",
        "idempotency_key": "k" * 9,
    }
    response = expert.post(
        f"/api/v1/tasks/{lease_id}/judgment", judgment, content_type="application/json"
    )
    assert response.status_code == 201


def test_framework_errors_use_the_same_error_shape(
    alice: User, erin: User, api: Callable[[User], Client]
) -> None:
    unparsable = api(alice).post("/api/v1/projects", "{nope", content_type="application/json")
    assert unparsable.status_code == 400
    assert unparsable.json()["error"]["code"] == "unparsable_body"
    missing = api(alice).get("/api/v1/no/such/thing")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "no_such_endpoint"
    no_body = api(erin).post("/api/v1/tasks/next", "", content_type="application/json")
    assert no_body.status_code == 200
    assert no_body.json()["empty"]["code"] == "no_open_projects"


def test_session_requests_without_csrf_get_a_clear_error(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/api/v1/projects", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_oversize_requests_are_refused_before_reading(
    make_project: Callable[..., Project],
    alice: User,
    settings: object,
    web: Callable[[User], Client],
) -> None:
    settings.MAX_UPLOAD_BYTES = 10  # type: ignore[attr-defined]
    draft = make_project(items=0, publish=False)
    big = {"file": ("x" * (2 * 1024 * 1024))}
    response = web(alice).post(f"/projects/{draft.id}/upload/", big)
    assert response.status_code == 413
    assert b"upload_too_large" in response.content
    api_response = Client().post(f"/api/v1/projects/{draft.id}/items", big)
    assert api_response.status_code == 413
    assert api_response.json()["error"]["code"] == "upload_too_large"
