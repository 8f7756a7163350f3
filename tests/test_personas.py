"""Every object of a project is invisible (404) to those outside it, by API and by page.

charlie is a requester of another organization; frank is an expert who was not
admitted to the invite-only project. Both get 404 on everything that names it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assay.actions.allocation import claim_next_task
from assay.models import Item, Judgment, Lease, Project, User
from tests.conftest import item_lines, jsonl

TERMS = {"name": "x", "overlap": 2, "pay_cents": 100, "estimated_minutes": 3}
PAGE_TERMS = {"name": "x", "overlap": "2", "pay": "1", "estimated_minutes": "3"}
JUDGMENT = {"choice": "a", "strength": 1, "rationale": "long enough", "idempotency_key": "k" * 10}


def new_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("i.jsonl", jsonl(item_lines(1, start=50)))


def api_calls(project: Project, lease: Lease) -> list[tuple[str, str, dict[str, object]]]:
    p, lease_id = project.id, lease.id
    return [
        ("get", f"/api/v1/projects/{p}", {}),
        ("put", f"/api/v1/projects/{p}", TERMS),
        ("put", f"/api/v1/projects/{p}/guidelines", {"body": "changed"}),
        ("post", f"/api/v1/projects/{p}/publish", {}),
        ("post", f"/api/v1/projects/{p}/experts", {"email": "frank@experts.test"}),
        ("get", f"/api/v1/projects/{p}/progress", {}),
        ("get", f"/api/v1/projects/{p}/exports/judgments.jsonl", {}),
        ("get", f"/api/v1/projects/{p}/exports/dpo.jsonl", {}),
        ("get", f"/api/v1/projects/{p}/exports/dpo/summary", {}),
        ("post", "/api/v1/tasks/next", {"project_id": p}),
        ("post", f"/api/v1/tasks/{lease_id}/heartbeat", {}),
        ("post", f"/api/v1/tasks/{lease_id}/return", {}),
        (
            "post",
            f"/api/v1/tasks/{lease_id}/judgment",
            {
                "choice": "a",
                "strength": 1,
                "rationale": "long enough text",
                "idempotency_key": "k" * 10,
            },
        ),
    ]


def page_calls(project: Project, lease: Lease) -> list[tuple[str, str, dict[str, object]]]:
    p, lease_id = project.id, lease.id
    return [
        ("get", f"/projects/{p}/", {}),
        ("get", f"/projects/{p}/progress/", {}),
        ("get", f"/projects/{p}/export/dpo.jsonl", {}),
        ("get", f"/projects/{p}/export/judgments.jsonl", {}),
        ("post", f"/projects/{p}/guidelines/", {"body": "changed"}),
        (
            "post",
            f"/projects/{p}/terms/",
            {"name": "x", "overlap": "2", "pay": "1", "estimated_minutes": "3"},
        ),
        ("post", f"/projects/{p}/publish/", {}),
        ("post", f"/projects/{p}/admit/", {"email": "frank@experts.test"}),
        ("get", f"/work/{p}/", {}),
        ("post", f"/work/{p}/next/", {}),
        (
            "post",
            f"/work/task/{lease_id}/submit/",
            {
                "choice": "a",
                "strength": "1",
                "rationale": "long enough",
                "idempotency_key": "k" * 10,
            },
        ),
        ("post", f"/work/task/{lease_id}/return/", {}),
        ("post", f"/work/task/{lease_id}/heartbeat/", {}),
    ]


@pytest.fixture
def lease(project: Project, erin: User) -> Lease:
    return claim_next_task(expert=erin, project=project)


@pytest.mark.parametrize("persona", ["charlie", "frank"])
def test_outsiders_get_404_from_every_api_endpoint(
    persona: str,
    project: Project,
    lease: Lease,
    request: pytest.FixtureRequest,
    api: Callable[[User], Client],
) -> None:
    client = api(request.getfixturevalue(persona))
    for method, url, body in api_calls(project, lease):
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["error"]["code"] in {
            "not_found",
            "project_not_found",
            "lease_not_found",
        }
    upload = client.post(
        f"/api/v1/projects/{project.id}/items",
        {"file": new_file()},
    )
    assert upload.status_code == 404
    assert_nothing_changed(project, lease)


@pytest.mark.parametrize("persona", ["charlie", "frank"])
def test_outsiders_get_404_from_every_page(
    persona: str,
    project: Project,
    lease: Lease,
    request: pytest.FixtureRequest,
    web: Callable[[User], Client],
) -> None:
    client = web(request.getfixturevalue(persona))
    for method, url, body in page_calls(project, lease):
        response = getattr(client, method)(url, body)
        assert response.status_code == 404, (method, url, response.status_code)
    upload = client.post(
        f"/projects/{project.id}/upload/",
        {"file": new_file()},
    )
    assert upload.status_code == 404
    assert_nothing_changed(project, lease)


def assert_nothing_changed(project: Project, lease: Lease) -> None:
    project.refresh_from_db()
    assert project.guidelines is not None
    assert project.guidelines.number == 1
    assert project.projectexpert_set.count() == 1
    assert Item.objects.filter(project=project).count() == 4
    assert Judgment.objects.count() == 0
    lease.refresh_from_db()
    assert lease.state == "active"


def test_anonymous_visitors_are_sent_to_sign_in(project: Project) -> None:
    response = Client().get(f"/projects/{project.id}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
