"""Adaptive redundancy, gold feedback and the allocation settings, end to end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from assay.models import Item, Lease, Project, User


def next_task(client: Client, project: Project) -> dict[str, Any]:
    body = {"project_id": project.id}
    return client.post("/api/v1/tasks/next", body, content_type="application/json").json()  # type: ignore[no-any-return]


def judge(client: Client, project: Project, choice: str, key: str) -> dict[str, Any]:
    lease_id = next_task(client, project)["task"]["lease_id"]
    body = {
        "choice": choice,
        "strength": None if choice == "tie" else 2,
        "rationale": "A decisive reason here.",
        "idempotency_key": key,
    }
    response = client.post(
        f"/api/v1/tasks/{lease_id}/judgment", body, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    return response.json()  # type: ignore[no-any-return]


def allocation(client: Client, project: Project, **changes: Any) -> Any:
    return client.put(
        f"/api/v1/projects/{project.id}/allocation", changes, content_type="application/json"
    )


def test_agreement_stops_early_and_disagreement_asks_for_more(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=2, overlap=2)
    response = allocation(api(alice), project, adaptive=True, adaptive_max=4, confidence_target=0.9)
    assert response.status_code == 200, response.json()
    ann, ben, cy = (api(make_expert(n)) for n in ("ann", "ben", "cy"))
    judge(ann, project, "a", "ann-key-0001")
    judge(ben, project, "a", "ben-key-0001")
    first = Item.objects.get(project=project, external_id="item-0")
    assert (first.judgment_count, first.target_overlap) == (2, 2)  # settled: no more asked
    judge(ann, project, "a", "ann-key-0002")
    judge(ben, project, "b", "ben-key-0002")
    second = Item.objects.get(project=project, external_id="item-1")
    assert second.target_overlap == 3  # contested: one more judgment wanted
    lease = Lease.objects.get(id=next_task(cy, project)["task"]["lease_id"])
    assert lease.item_id == second.id


def test_gold_feedback_after_submission_unless_turned_off(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=4, overlap=1)
    Item.objects.filter(project=project, external_id="item-0").update(
        is_gold=True, gold_answer="b", gold_rationale="B adds correctly."
    )
    assert allocation(api(alice), project, gold_rate=0.25).status_code == 200
    feedback = judge(api(erin), project, "a", "erin-gold-01")["gold_feedback"]
    assert feedback == {"expected": "b", "rationale": "B adds correctly.", "agreed": False}
    assert allocation(api(alice), project, gold_rate=0.25, gold_feedback=False).status_code == 200
    assert judge(api(frank), project, "b", "frank-gold-01")["gold_feedback"] is None


def test_allocation_settings_are_validated_and_scoped(
    make_project: Callable[..., Project],
    alice: User,
    charlie: User,
    api: Callable[[User], Client],
) -> None:
    project = make_project(overlap=3)
    bad = allocation(
        api(alice),
        project,
        gold_rate=0.9,
        adaptive_max=2,
        confidence_target=1.5,
        daily_cap_per_expert=0,
        deadline="2026-12-01T00:00:00",
    )
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert fields == {
        "gold_rate",
        "adaptive_max",
        "confidence_target",
        "daily_cap_per_expert",
        "deadline",
    }
    assert allocation(api(charlie), project, priority=3).status_code == 404
    good = allocation(api(alice), project, priority=3, deadline="2026-12-01T00:00:00Z")
    assert good.json()["priority"] == 3


def test_allocation_settings_by_page(
    make_project: Callable[..., Project], alice: User, web: Callable[[User], Client]
) -> None:
    project = make_project()
    form = {
        "priority": "4",
        "deadline": "2026-12-31 18:00",
        "gold_percent": "10",
        "daily_cap_per_expert": "20",
        "cap_per_expert": "",
        "adaptive_max": "5",
        "confidence_percent": "90",
        "gold_feedback": "on",
        "adaptive": "on",
    }
    saved = web(alice).post(f"/projects/{project.id}/allocation/", form, follow=True)
    assert b"Allocation settings saved." in saved.content
    project.refresh_from_db()
    assert (project.priority, project.gold_rate, project.adaptive, project.adaptive_max) == (
        4,
        0.1,
        True,
        5,
    )
    bad = web(alice).post(f"/projects/{project.id}/allocation/", form | {"priority": "high"})
    assert bad.status_code == 400


def test_reviewed_projects_cannot_publish_without_review_pay(
    make_project: Callable[..., Project], alice: User, api: Callable[[User], Client]
) -> None:
    project = make_project(publish=False)
    Project.objects.filter(id=project.id).update(review_rate=0.2)
    refused = api(alice).post(f"/api/v1/projects/{project.id}/publish")
    assert refused.json()["error"]["code"] == "cannot_publish"
    assert "pay per review" in refused.json()["error"]["message"]
    low = allocation(api(alice), project, review_rate=0.2, review_pay_cents=10)
    assert low.json()["error"]["details"][0]["field"] == "review_pay_cents"
    assert allocation(api(alice), project, review_rate=0.2, review_pay_cents=60).status_code == 200
    assert api(alice).post(f"/api/v1/projects/{project.id}/publish").status_code == 200
