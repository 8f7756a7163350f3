"""Helpers for the task type tests: a typed project, uploads, claims and submissions."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.test import Client

from assay.actions import projects
from assay.actions.imports import import_items
from assay.models import Organization, Project, User
from assay.tasktypes._actions import create_typed_project
from tests.conftest import GUIDELINES, jsonl


def typed_project(
    alice: User,
    acme: Organization,
    task_type: str,
    rows: list[dict[str, Any]],
    *,
    config: dict[str, Any] | None = None,
    overlap: int = 2,
) -> Project:
    terms = projects.ProjectTerms(
        name=f"{task_type} project",
        description="Typed work",
        overlap=overlap,
        pay_cents=100,
        estimated_minutes=3,
        admission="open",
    )
    project = create_typed_project(
        actor=alice,
        organization=acme,
        terms=terms,
        guidelines=GUIDELINES,
        task_type=task_type,
        task_config=config,
    )
    upload(project, alice, rows)
    return projects.publish_project(actor=alice, project=project)


def upload(project: Project, actor: User, rows: list[dict[str, Any]]) -> None:
    data = jsonl(rows)
    import_items(
        actor=actor, project=project, stream=io.BytesIO(data), filename="i.jsonl", size=len(data)
    )


def upload_via_api(client: Client, project: Project, content: bytes, name: str = "i.jsonl") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(name, content)
    return client.post(f"/api/v1/projects/{project.id}/items", {"file": file})


def claim(client: Client, project: Project) -> dict[str, Any]:
    response = client.post(
        "/api/v1/tasks/next", {"project_id": project.id}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    task: dict[str, Any] = response.json()["task"]
    assert task is not None, response.json()
    return task


def submit(client: Client, lease_id: int, answer: dict[str, Any]) -> Any:
    body = {"answer": answer, "idempotency_key": uuid.uuid4().hex, "active_seconds": 42}
    return client.post(f"/api/v1/tasks/{lease_id}/judgment", body, content_type="application/json")


def export(client: Client, project: Project, kind: str, **options: Any) -> list[dict[str, Any]]:
    made = client.post(
        f"/api/v1/projects/{project.id}/exports",
        {"kind": kind, **options},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    download = client.get(made.json()["download"])
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    return [json.loads(line) for line in content.decode().splitlines()]


def judge_all(
    api: Callable[[User], Client],
    project: Project,
    experts: list[User],
    answer_for: Callable[[User, dict[str, Any]], dict[str, Any]],
) -> None:
    """Each expert judges every item they are given until their queue is empty."""
    for expert in experts:
        client = api(expert)
        while True:
            response = client.post(
                "/api/v1/tasks/next", {"project_id": project.id}, content_type="application/json"
            )
            task = response.json()["task"]
            if task is None:
                break
            done = submit(client, task["lease_id"], answer_for(expert, task))
            assert done.status_code == 201, done.content
