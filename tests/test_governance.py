"""Due process, appeals, the register, the audit log and the expert's own data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay import clock
from assay.actions import accounts, approvals, governance, payouts, projects
from assay.actions.ledger import Kind, Owner, balance
from assay.errors import Conflict
from assay.ledger_check import run_checks
from assay.models import (
    Appeal,
    AuditEvent,
    Decision,
    Judgment,
    Notification,
    Organization,
    Project,
    Recommendation,
    User,
)
from tests.conftest import PASSWORD
from tests.test_ledger import globex_project, work

pytestmark = pytest.mark.django_db
EVIDENCE = [{"label": f"Gold item g{n}", "detail": "expected a, chose b"} for n in range(5)]


@pytest.fixture
def ops() -> tuple[User, User]:
    first = accounts.create_operator(email="olga@assay.test", password=PASSWORD)
    second = accounts.create_operator(email="omar@assay.test", password=PASSWORD)
    return first, second


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def next_task_status(client: Client, project: Project) -> Any:
    return post(client, "/api/v1/tasks/next", {"project_id": project.id})


def suspend(client: Client, expert: User, **extra: Any) -> Any:
    body = {
        "expert_id": expert.id,
        "kind": "suspend",
        "reason_code": "low_gold_accuracy",
        "statement": "Gold accuracy 40% over 5 gold items against a bar of 80%.",
        "evidence": EVIDENCE,
        **extra,
    }
    return post(client, "/api/v1/operator/decisions", body)


def test_automated_systems_only_recommend(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    project = make_project(items=2)
    rec = governance.recommend(
        source="low_effort_signals",
        expert=erin,
        kind="suspend",
        reason_code="repeated_low_effort",
        evidence=EVIDENCE,
    )
    assert Recommendation.objects.filter(id=rec.id, decision__isnull=True).exists()
    assert not Decision.objects.filter(expert=erin).exists()
    erin.refresh_from_db()
    assert erin.suspended_at is None
    assert next_task_status(api(erin), project).json()["task"] is not None


def test_only_a_named_operator_with_a_listed_code_can_decide(
    erin: User, alice: User, ops: tuple[User, User], api: Callable[[User], Client]
) -> None:
    olga, _ = ops
    assert suspend(api(alice), erin).status_code == 403
    no_code = suspend(api(olga), erin, reason_code="")
    assert no_code.status_code == 400
    assert {d["field"] for d in no_code.json()["error"]["details"]} == {"reason_code"}
    wrong_kind = suspend(api(olga), erin, reason_code="wrong_choice")
    assert wrong_kind.status_code == 400
    assert not Decision.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="decision").exists()


def test_graduated_response(
    erin: User, ops: tuple[User, User], api: Callable[[User], Client]
) -> None:
    olga, _ = ops
    thin = suspend(api(olga), erin, evidence=EVIDENCE[:1])
    assert thin.status_code == 409
    assert thin.json()["error"]["code"] == "graduated_response"
    remove = suspend(api(olga), erin, kind="remove")
    assert remove.status_code == 409  # no earlier warning
    warned = suspend(api(olga), erin, kind="warn", evidence=[])
    assert warned.status_code == 201
    assert suspend(api(olga), erin, kind="remove").status_code == 201
    severe = suspend(api(olga), erin, reason_code="fraud", evidence=EVIDENCE[:1])
    assert severe.status_code == 201


def test_suspension_appeal_and_reversal(
    make_project: Callable[..., Project],
    erin: User,
    ops: tuple[User, User],
    api: Callable[[User], Client],
) -> None:
    olga, omar = ops
    project = make_project(items=2)
    made = suspend(api(olga), erin)
    assert made.status_code == 201
    decision_id = made.json()["id"]
    # The statement reached the expert no later than the effect.
    assert Notification.objects.filter(user=erin, key=f"decision:{decision_id}").exists()
    blocked = next_task_status(api(erin), project).json()
    assert blocked["task"] is None
    assert [d["code"] for d in blocked["empty"]["details"]] == ["suspended"]

    mine = api(erin).get(f"/api/v1/me/decisions/{decision_id}").json()
    assert mine["decided_by_role"] == "operator"
    assert mine["definition"].startswith("Gold accuracy")
    filed = post(
        api(erin), f"/api/v1/me/decisions/{decision_id}/appeal", {"text": "Item g3 was wrong."}
    )
    assert filed.status_code == 201
    appeal = Appeal.objects.get(id=filed.json()["id"])
    assert appeal.assignee is not None
    assert appeal.assignee != olga  # never the operator who decided
    assert appeal.assignee.role == "operator"
    assert appeal.decide_by - appeal.created_at == dt.timedelta(days=7)
    assert appeal.acknowledge_by - appeal.created_at == dt.timedelta(days=2)
    same = post(
        api(olga),
        f"/api/v1/operator/appeals/{appeal.id}/decide",
        {"outcome": "reversed", "reasons": "x"},
    )
    assert same.status_code == 409
    assert same.json()["error"]["code"] == "same_operator"
    done = post(
        api(omar),
        f"/api/v1/operator/appeals/{appeal.id}/decide",
        {"outcome": "reversed", "reasons": "g3's expected answer was wrong; 4 of 5 correct."},
    )
    assert done.status_code == 200
    erin.refresh_from_db()
    assert erin.suspended_at is None
    assert Decision.objects.get(id=decision_id).status == "reversed"
    assert next_task_status(api(erin), project).json()["task"] is not None


def test_a_reversed_rejection_is_paid_and_quality_sees_the_approval(
    make_project: Callable[..., Project],
    erin: User,
    alice: User,
    ops: tuple[User, User],
    api: Callable[[User], Client],
) -> None:
    _, omar = ops
    judgment = work(make_project(items=1), erin)
    approvals.reject(
        judgment_id=judgment.id, actor=alice, reason_code="fraud", note="Looks scripted."
    )
    decision = Decision.objects.get(judgment=judgment)
    assert balance(Kind.AVAILABLE, "USD", Owner(expert_id=erin.id)) == 0
    filed = post(api(erin), f"/api/v1/me/decisions/{decision.id}/appeal", {"text": "I wrote it."})
    assert filed.status_code == 201
    post(
        api(omar),
        f"/api/v1/operator/appeals/{filed.json()['id']}/decide",
        {"outcome": "reversed", "reasons": "The rationale is specific to the item."},
    )
    assert balance(Kind.AVAILABLE, "USD", Owner(expert_id=erin.id)) == 100
    assert Judgment.objects.get(id=judgment.id).status == "approved"
    assert all(not b for _, b in run_checks())


def test_retaliation_guard_needs_a_second_operator(
    erin: User, ops: tuple[User, User], api: Callable[[User], Client]
) -> None:
    olga, omar = ops
    warning = suspend(api(olga), erin, kind="warn", evidence=[]).json()
    post(api(erin), f"/api/v1/me/decisions/{warning['id']}/appeal", {"text": "Unfair."})
    later = suspend(api(olga), erin).json()
    assert later["status"] == "awaiting_signoff"
    erin.refresh_from_db()
    assert erin.suspended_at is None
    assert api(erin).get(f"/api/v1/me/decisions/{later['id']}").status_code == 404
    assert post(api(olga), f"/api/v1/operator/decisions/{later['id']}/sign-off").status_code == 409
    signed = post(api(omar), f"/api/v1/operator/decisions/{later['id']}/sign-off")
    assert signed.json()["status"] == "in_effect"
    erin.refresh_from_db()
    assert erin.suspended_at is not None


def test_overdue_appeals_are_listed(
    erin: User, ops: tuple[User, User], api: Callable[[User], Client]
) -> None:
    olga, omar = ops
    warning = suspend(api(olga), erin, kind="warn", evidence=[]).json()
    post(api(erin), f"/api/v1/me/decisions/{warning['id']}/appeal", {"text": "Why?"})
    assert governance.overdue_appeals() == []
    with clock.frozen(clock.now() + dt.timedelta(days=3)):
        [late] = governance.overdue_appeals()
        listed = api(omar).get("/api/v1/operator/appeals").json()
        assert listed[0]["overdue"] is True
    assert late.expert == erin


def test_the_register_shows_a_change_before_it_applies(
    erin: User, ops: tuple[User, User], api: Callable[[User], Client]
) -> None:
    olga, _ = ops
    too_soon = post(
        api(olga),
        "/api/v1/operator/register/changes",
        {
            "system": "allocation",
            "summary": "Fair share weighs daily caps",
            "diff": "before: x / after: y",
            "effective_at": clock.now().isoformat(),
        },
    )
    assert too_soon.status_code == 400
    made = post(
        api(olga),
        "/api/v1/operator/register/changes",
        {"system": "allocation", "summary": "Fair share weighs daily caps", "diff": "x -> y"},
    )
    assert made.status_code == 201
    [allocation] = [s for s in Client().get("/api/v1/register").json() if s["slug"] == "allocation"]
    assert allocation["version"] == 1
    assert allocation["pending"][0]["version"] == 2
    assert Notification.objects.filter(user=erin, kind="register").exists()
    with clock.frozen(clock.now() + dt.timedelta(days=8)):
        [later] = [s for s in Client().get("/api/v1/register").json() if s["slug"] == "allocation"]
        assert later["version"] == 2
        assert later["pending"] == []


def test_every_kind_of_change_is_audited_and_failures_leave_no_row(
    make_project: Callable[..., Project],
    charlie: User,
    erin: User,
    ops: tuple[User, User],
    api: Callable[[User], Client],
) -> None:
    olga, _ = ops
    project = make_project(items=1)
    judgment = work(project, erin)
    approvals.approve(judgment_id=judgment.id, actor=None)
    suspend(api(olga), erin, kind="warn", evidence=[])
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "account.create",
        "project.create",
        "project.publish",
        "money.deposit",
        "submission.approve",
        "decision.create",
    } <= actions
    unfunded = globex_project(charlie)
    with pytest.raises(Conflict):
        projects.publish_project(actor=charlie, project=unfunded)
    assert not AuditEvent.objects.filter(
        action="project.publish", object_id=str(unfunded.id)
    ).exists()
    found = (
        api(olga)
        .get("/api/v1/operator/audit", {"action": "project.", "object_id": project.id})
        .json()
    )
    assert {e["action"] for e in found} == {"project.create", "project.publish"}
    event = AuditEvent.objects.first()
    assert event is not None
    with pytest.raises(PermissionError):
        event.delete()


def test_my_data_and_erasure(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    api: Callable[[User], Client],
    settings: Any,
) -> None:
    project = make_project(items=2)
    mine = work(project, erin)
    work(project, frank)
    data = api(erin).get("/api/v1/me/data").json()
    assert [j["id"] for j in data["judgments"]] == [mine.id]
    assert data["account"]["email"] == "erin@experts.test"
    assert data["earnings"]["pending_cents"] == 100
    assert post(api(erin), "/api/v1/me/delete", {"password": "wrong"}).status_code == 400
    owed = post(api(erin), "/api/v1/me/delete", {"password": PASSWORD})
    assert owed.status_code == 409  # money still on its way: nothing is erased yet
    assert owed.json()["error"]["code"] == "balance_outstanding"
    settings.PAYOUT_MINIMUM_CENTS = 100
    approvals.approve(judgment_id=mine.id, actor=None)
    treasurer = User.objects.get(email="treasurer@assay.test")
    for batch in payouts.run_payouts(actor=treasurer):
        payouts.confirm_batch(actor=treasurer, batch_id=batch.id)
    assert post(api(erin), "/api/v1/me/delete", {"password": PASSWORD}).status_code == 204
    erin.refresh_from_db()
    assert erin.email == f"erased-{erin.id}@invalid"
    assert not erin.is_active
    assert Judgment.objects.filter(id=mine.id).exists()  # pseudonymous work stays
    assert all(not b for _, b in run_checks())


def test_ratings_need_work_and_stay_hidden_under_three(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    erin: User,
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=3, overlap=3)
    scores = {"clarity": 4, "fairness": 5, "pay_accuracy": 3}
    assert post(api(erin), f"/api/v1/projects/{project.id}/rating", scores).status_code == 404
    raters = [make_expert(f"r{n}") for n in range(3)]
    for n, expert in enumerate(raters):
        work(project, expert)
        out = post(api(expert), f"/api/v1/projects/{project.id}/rating", scores)
        assert out.status_code == 201
        if n < 2:
            assert out.json()["clarity"] is None
    summary = api(alice).get(f"/api/v1/projects/{project.id}/ratings").json()
    assert summary == {"count": 3, "clarity": 4.0, "fairness": 5.0, "pay_accuracy": 3.0}


def test_workforce_statistics_for_operators(
    make_project: Callable[..., Project],
    erin: User,
    ops: tuple[User, User],
    api: Callable[[User], Client],
) -> None:
    olga, _ = ops
    approvals.approve(judgment_id=work(make_project(items=1), erin, minutes=5).id, actor=None)
    stats = api(olga).get("/api/v1/operator/workforce").json()
    [week] = stats["weeks"]
    assert week["active_experts"] == 1
    assert week["earned_cents"] == 100
    assert api(erin).get("/api/v1/operator/workforce").status_code == 403
    assert Organization.objects.exists()


def test_a_reversed_review_rejection_no_longer_counts_against_the_author(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    ops: tuple[User, User],
    api: Callable[[User], Client],
) -> None:
    from assay.actions.reviews import claim_review, decide_review, reviews_of_author

    _, omar = ops
    project = make_project(items=2)
    Project.objects.filter(id=project.id).update(review_rate=1.0, review_pay_cents=60)
    project.refresh_from_db()
    judgment = work(project, erin)
    review = claim_review(reviewer=frank, project=project)
    decide_review(
        reviewer=frank,
        review_id=review.id,
        outcome="rejected",
        reason_code="wrong_choice",
        note="B answers the question.",
    )
    assert [r.outcome for r in reviews_of_author(erin)] == ["rejected"]
    decision = Decision.objects.get(judgment=judgment)
    filed = post(api(erin), f"/api/v1/me/decisions/{decision.id}/appeal", {"text": "A is right."})
    post(
        api(omar),
        f"/api/v1/operator/appeals/{filed.json()['id']}/decide",
        {"outcome": "reversed", "reasons": "A follows guideline 2."},
    )
    assert [r.outcome for r in reviews_of_author(erin)] == ["approved"]


def test_new_guidelines_on_a_live_project_are_announced_to_its_experts(
    make_project: Callable[..., Project], erin: User, frank: User, alice: User
) -> None:
    project = make_project(items=2)
    judgment = work(project, erin)
    projects.revise_guidelines(actor=alice, project=project, body="# New rules\n\nCite sources.")
    assert Notification.objects.filter(user=erin, kind="guidelines").exists()
    assert not Notification.objects.filter(user=frank, kind="guidelines").exists()
    judgment.refresh_from_db()
    assert judgment.guidelines.number == 1  # never applied retroactively
