"""Licences, named credit, reuse with consent and royalties, and "my contributions"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from assay.actions.ledger import Owner, balance
from assay.models import Account, AuditEvent, Project, Transaction, User
from tests.test_exports import vote


def make(client: Client, project: Project, **options: Any) -> Any:
    return client.post(
        f"/api/v1/projects/{project.id}/exports", options, content_type="application/json"
    )


def credit(client: Client, **choices: Any) -> None:
    response = client.put("/api/v1/me/credit", choices, content_type="application/json")
    assert response.status_code == 200, response.content


def test_licence_is_set_in_draft_and_fixed_after_publishing(
    make_project: Callable[..., Project], alice: User, api: Callable[[User], Client]
) -> None:
    client = api(alice)
    draft = make_project(items=1, publish=False)
    answer = client.put(
        f"/api/v1/projects/{draft.id}/licence",
        {"licence": "cc-by-4.0", "royalty_cents": 5},
        content_type="application/json",
    )
    assert answer.json()["name"].startswith("Creative Commons Attribution 4.0")
    assert AuditEvent.objects.filter(action="project.licence").count() == 1
    live = make_project(items=1)
    refused = client.put(
        f"/api/v1/projects/{live.id}/licence",
        {"licence": "cc0-1.0"},
        content_type="application/json",
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "licence_fixed"


def test_experts_see_the_licence_before_taking_work(
    project: Project, erin: User, web: Callable[[User], Client]
) -> None:
    page = web(erin).get("/work/").content.decode()
    assert "Training and evaluation by the requesting organization only" in page


def test_named_credit_appears_in_the_data_card_only_when_opted_in(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=1, overlap=2)
    ann, ben = make_expert("ann"), make_expert("ben")
    vote(project, ann, "a", "item-0")
    vote(project, ben, "a", "item-0")
    credit(api(ann), named_credit=True, credit_name="Dr Ann Example")
    made = make(api(alice), project, kind="preference").json()
    card = api(alice).get(made["data_card"]).content.decode()
    assert "Dr Ann Example" in card
    assert "ben" not in card.lower().replace("benchmark", "")
    assert "1 contributor(s) who stay pseudonymous" in card
    assert "Median effective hourly rate" in card
    records = api(alice).get(made["download"])
    text = b"".join(records.streaming_content).decode()  # type: ignore[attr-defined]
    assert "Dr Ann Example" not in text
    assert ann.expert_profile.pseudonym in text


def test_reuse_needs_consent_and_pays_royalties_through_the_ledger(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=2, overlap=1, publish=False)
    api(alice).put(
        f"/api/v1/projects/{project.id}/licence",
        {"licence": "requester-training", "royalty_cents": 25},
        content_type="application/json",
    )
    from assay.actions.projects import publish_project

    project = publish_project(actor=alice, project=Project.objects.get(id=project.id))
    ann, ben = make_expert("ann"), make_expert("ben")
    vote(project, ann, "a", "item-0")
    vote(project, ben, "b", "item-1")
    credit(api(ann), named_credit=False, reuse_consent=True)
    before = balance(Account.Kind.AVAILABLE, "USD", Owner(expert_id=ann.id))
    made = make(api(alice), project, kind="preference", licence="cc-by-4.0").json()
    assert made["records"] == 1
    assert made["royalty_cents"] == 25
    after = balance(Account.Kind.AVAILABLE, "USD", Owner(expert_id=ann.id))
    assert after - before == 25
    assert Transaction.objects.filter(kind=Transaction.Kind.ROYALTY, expert=ann).count() == 1
    assert not Transaction.objects.filter(kind=Transaction.Kind.ROYALTY, expert=ben).exists()
    mine = api(ann).get("/api/v1/me/contributions").json()
    assert [(e["export_id"], e["royalty"]) for e in mine["exports"]] == [(made["id"], True)]
    assert api(ben).get("/api/v1/me/contributions").json()["exports"] == []


def test_contributions_list_projects_and_exports(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    project = make_project(items=1, overlap=1)
    ann = make_expert("ann")
    vote(project, ann, "a", "item-0")
    made = make(api(alice), project, kind="judgments").json()
    mine = api(ann).get("/api/v1/me/contributions").json()
    assert mine["projects"][0]["judgments"] == 1
    assert mine["exports"][0]["export_id"] == made["id"]
    page = web(ann).get("/contributions/").content.decode()
    assert "Helpfulness" in page
    assert (
        web(ann).post("/contributions/", {"named_credit": "on", "credit_name": "Ann"}).status_code
        == 302
    )
    ann.expert_profile.refresh_from_db()
    assert ann.expert_profile.named_credit


def test_only_the_owning_organization_can_export(
    make_project: Callable[..., Project],
    alice: User,
    bob: User,
    charlie: User,
    erin: User,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    project = make_project(items=1)
    made = make(api(bob), project, kind="judgments")
    assert made.status_code == 201
    export_id = made.json()["id"]
    assert make(api(charlie), project, kind="judgments").status_code == 404
    assert api(charlie).get(f"/api/v1/exports/{export_id}/download").status_code == 404
    assert api(charlie).get(f"/api/v1/exports/{export_id}/card").status_code == 404
    assert api(charlie).get(f"/api/v1/projects/{project.id}/exports").status_code == 404
    assert make(api(erin), project, kind="judgments").status_code == 404
    assert web(charlie).get(f"/exports/{export_id}/").status_code == 404
    assert web(charlie).get(f"/projects/{project.id}/exports/").status_code == 404
    assert web(alice).get(f"/exports/{export_id}/").status_code == 200
