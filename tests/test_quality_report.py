"""The requester's quality page: snapshots computed from judgments, never per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from click.testing import CliRunner
from django.test import Client

from assay.cli import main
from assay.models import Item, Project, QualitySnapshot, User


def judge_all(client: Client, project: Project, choices: dict[str, str], tag: str) -> None:
    for n in range(len(choices)):
        task = client.post(
            "/api/v1/tasks/next", {"project_id": project.id}, content_type="application/json"
        ).json()["task"]
        item = Item.objects.get(leases__id=task["lease_id"])
        choice = choices[item.external_id]
        body = {
            "choice": choice,
            "strength": None if choice == "tie" else 1,
            "rationale": "A decisive reason.",
            "idempotency_key": f"{tag}-key-{n:04d}",
        }
        client.post(
            f"/api/v1/tasks/{task['lease_id']}/judgment", body, content_type="application/json"
        )


def test_snapshot_summarizes_agreement_reliability_and_doubt(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    project = make_project(items=4, overlap=3)
    truth = {f"item-{n}": "a" for n in range(4)}
    judge_all(api(make_expert("ann")), project, truth, "ann")
    judge_all(api(make_expert("ben")), project, truth, "ben")
    judge_all(api(make_expert("cy")), project, truth | {"item-3": "b", "item-2": "b"}, "cy")
    empty = api(alice).get(f"/api/v1/projects/{project.id}/quality").json()
    assert empty["judgments"] == 0  # nothing computed until asked
    body: dict[str, Any] = api(alice).post(f"/api/v1/projects/{project.id}/quality/refresh").json()
    data = body["data"]
    assert body["judgments"] == 12
    assert data["items"] == 4
    reliability = {row[0]: row[1] for row in data["experts"]}
    cy = User.objects.get(email="cy@experts.test").expert_profile.pseudonym
    assert reliability[cy] == min(reliability.values())
    assert {row[0] for row in data["lowest"][:2]} == {"item-2", "item-3"}
    assert 0 < data["expected_accuracy"] <= 1
    page = web(alice).get(f"/projects/{project.id}/quality/")
    assert b"Expert reliability" in page.content
    assert cy.encode() in page.content
    assert b"cy@experts.test" not in page.content


def test_refresh_command_and_outsiders(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    charlie: User,
    erin: User,
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=2, overlap=1)
    judge_all(api(make_expert("ann")), project, {"item-0": "a", "item-1": "tie"}, "ann")
    result = CliRunner().invoke(main, ["quality", "refresh", "--every", "1"])
    assert result.exit_code == 0, result.output
    assert "Refreshed 1 project(s)." in result.output
    assert QualitySnapshot.objects.filter(project=project).count() == 1
    again = CliRunner().invoke(main, ["quality", "refresh", "--every", "1"])
    assert "Refreshed 0 project(s)." in again.output
    for outsider in (charlie, erin):
        assert api(outsider).get(f"/api/v1/projects/{project.id}/quality").status_code == 404
