"""The ledger and the money flows, through the actions and the API, on a real database."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from django.test import Client

from assay import clock
from assay.actions import approvals, ledger, payouts, projects
from assay.actions.allocation import claim_next_task
from assay.actions.judgments import submit_judgment
from assay.actions.ledger import Kind, Owner, TxKind
from assay.cli import main
from assay.domain.ledger import escrow_plan, fee_cents, topped_up_price
from assay.errors import Conflict, InvalidInput
from assay.ledger_check import run_checks
from assay.models import (
    Account,
    Judgment,
    Notification,
    Organization,
    Payout,
    Project,
    Transaction,
    User,
)
from tests.conftest import GUIDELINES, add_items, fund

pytestmark = pytest.mark.django_db


def consistent() -> bool:
    return all(not breaches for _, breaches in run_checks())


def bal(kind: str, **owner: int) -> int:
    return ledger.balance(kind, "USD", Owner(**owner))


def work(project: Project, expert: User, *, minutes: float = 3.0, key: str = "") -> Judgment:
    """Claim and submit one task, taking ``minutes`` of (frozen-clock) time."""
    start = clock.now()
    with clock.frozen(start):
        lease = claim_next_task(expert=expert, project=project)
    with clock.frozen(start + dt.timedelta(minutes=minutes)):
        judgment, _ = submit_judgment(
            expert=expert,
            lease_id=lease.id,
            choice="a",
            strength=2,
            rationale="Response A cites the statute correctly.",
            idempotency_key=key or f"k-{uuid.uuid4().hex[:16]}",
        )
    return judgment


def globex_project(charlie: User, *, items: int = 2, pay: int = 100) -> Project:
    org = Organization.objects.get(name="Globex")
    terms = projects.ProjectTerms("Money", "", 2, pay, 3)
    project = projects.create_project(
        actor=charlie, organization=org, terms=terms, guidelines=GUIDELINES
    )
    add_items(project, charlie, items)
    return project


# Pure rules


def test_fees_round_up_and_plans_count_gold_and_reviews() -> None:
    assert fee_cents(101, 1000) == 11
    assert fee_cents(0, 1000) == 0
    plan = escrow_plan(
        regular_items=10,
        gold_items=2,
        max_overlap=3,
        gold_rate=0.1,
        review_rate=0.5,
        pay_per_judgment_cents=100,
        review_pay_cents=50,
        fee_basis_points=1000,
    )
    assert plan.judgments == 30
    assert plan.gold_judgments == 4  # 30 * 0.1 / 0.9, rounded up
    assert plan.reviews == 17
    assert plan.total_cents == 3400 + 850 + 340 + 85
    assert (
        topped_up_price(pay_cents=50, durations_seconds=[300] * 5, floor_cents_per_hour=1200) == 100
    )
    assert (
        topped_up_price(pay_cents=100, durations_seconds=[300], floor_cents_per_hour=1200) is None
    )


# Escrow and publishing


def test_publishing_needs_escrow_for_all_planned_work(charlie: User) -> None:
    project = globex_project(charlie, items=3, pay=100)
    with pytest.raises(Conflict) as refused:
        projects.publish_project(actor=charlie, project=project)
    # 3 items x 2 judgments x $1.00 + 10% fees = $6.60, and the message says so.
    assert "$6.60" in refused.value.message
    assert Project.objects.get(id=project.id).status == "draft"
    fund(Organization.objects.get(name="Globex"), 1000)
    projects.publish_project(actor=charlie, project=project)
    assert bal(Kind.ESCROW, project_id=project.id) == 660
    assert bal(Kind.ORGANIZATION, organization_id=project.organization_id) == 340
    assert consistent()


def test_a_new_batch_in_a_live_project_is_paid_for_or_refused_whole(charlie: User) -> None:
    project = globex_project(charlie, items=2)
    fund(Organization.objects.get(name="Globex"), 700)
    projects.publish_project(actor=charlie, project=project)
    with pytest.raises(Conflict) as refused:
        add_items(project, charlie, 10, start=100)
    assert refused.value.code == "insufficient_funds"
    assert project.items.count() == 2  # nothing half-imported
    add_items(project, charlie, 1, start=100)
    assert bal(Kind.ESCROW, project_id=project.id) == 660
    assert consistent()


def test_closing_returns_unspent_escrow(make_project: Callable[..., Project], alice: User) -> None:
    project = make_project(items=2)
    before = bal(Kind.ORGANIZATION, organization_id=project.organization_id)
    projects.close_project(actor=alice, project=project)
    assert bal(Kind.ESCROW, project_id=project.id) == 0
    assert bal(Kind.ORGANIZATION, organization_id=project.organization_id) == before + 440
    assert consistent()


# Submissions, approval, rejection, reversal


def test_submission_sets_pay_aside_and_approval_releases_it_once(
    make_project: Callable[..., Project], erin: User, alice: User
) -> None:
    project = make_project(items=2)
    judgment = work(project, erin)
    assert judgment.funded
    assert judgment.pay_cents == 100
    assert bal(Kind.PENDING, expert_id=erin.id) == 100
    assert bal(Kind.FEES, project_id=project.id) == 10
    for _ in range(2):  # a retry never pays twice
        approvals.approve(judgment_id=judgment.id, actor=alice)
    assert bal(Kind.PENDING, expert_id=erin.id) == 0
    assert bal(Kind.AVAILABLE, expert_id=erin.id) == 100
    assert Transaction.objects.filter(judgment=judgment, kind=TxKind.APPROVAL).count() == 1
    assert consistent()


def test_only_unpaid_codes_withhold_pay_and_a_reversal_pays_back(
    make_project: Callable[..., Project], erin: User, frank: User, alice: User
) -> None:
    project = make_project(items=2)
    kept = work(project, erin)
    withheld = work(project, frank)
    escrow = bal(Kind.ESCROW, project_id=project.id)
    approvals.reject(
        judgment_id=kept.id, actor=alice, reason_code="wrong_choice", note="B is correct."
    )
    approvals.reject(
        judgment_id=withheld.id, actor=alice, reason_code="empty_submission", note="Blank."
    )
    assert bal(Kind.AVAILABLE, expert_id=erin.id) == 100  # rejected, paid all the same
    assert bal(Kind.PENDING, expert_id=frank.id) == 0
    assert bal(Kind.AVAILABLE, expert_id=frank.id) == 0
    assert bal(Kind.ESCROW, project_id=project.id) == escrow + 110  # pay and fee came back
    assert Notification.objects.filter(user=frank, kind="rejection").exists()
    assert consistent()

    approvals.reverse_rejection(judgment_id=withheld.id, actor=alice, note="It was not blank.")
    approvals.reverse_rejection(judgment_id=withheld.id, actor=alice, note="It was not blank.")
    assert bal(Kind.AVAILABLE, expert_id=frank.id) == 100
    assert Judgment.objects.get(id=withheld.id).status == "approved"
    assert consistent()


def test_rejections_need_a_listed_code_and_a_note(
    make_project: Callable[..., Project], erin: User, alice: User
) -> None:
    judgment = work(make_project(items=1), erin)
    with pytest.raises(InvalidInput):
        approvals.reject(judgment_id=judgment.id, actor=alice, reason_code="vibes", note="No.")
    with pytest.raises(InvalidInput):
        approvals.reject(judgment_id=judgment.id, actor=alice, reason_code="fraud", note=" ")
    assert Judgment.objects.get(id=judgment.id).status == "submitted"
    assert bal(Kind.PENDING, expert_id=erin.id) == 100


def test_undecided_submissions_are_approved_after_the_window(
    make_project: Callable[..., Project], erin: User, settings: Any
) -> None:
    settings.AUTO_APPROVE_DAYS = 7
    judgment = work(make_project(items=1), erin)
    assert approvals.auto_approve_due() == 0
    later = clock.now() + dt.timedelta(days=7, minutes=5)
    assert approvals.auto_approve_due(now=later) == 1
    assert approvals.auto_approve_due(now=later) == 0
    assert Judgment.objects.get(id=judgment.id).status == "approved"
    assert bal(Kind.AVAILABLE, expert_id=erin.id) == 100
    assert consistent()


# The pay floor against real times


def test_slow_real_times_raise_pay_and_top_up_earlier_work(
    make_project: Callable[..., Project], make_expert: Callable[[str], User], settings: Any
) -> None:
    settings.TOPUP_AFTER_SUBMISSIONS = 5
    settings.PAY_FLOOR_CENTS_PER_HOUR = 1200
    project = make_project(items=5, overlap=2, pay_cents=60, minutes=3)  # $12/h on paper
    experts = [make_expert(f"slow{n}") for n in range(5)]
    made = [work(project, e, minutes=6) for e in experts]  # really $6/h
    approvals.approve(judgment_id=made[0].id, actor=None)
    assert approvals.check_pay_floor(project) == 120
    project.refresh_from_db()
    assert project.pay_cents == 120
    assert bal(Kind.AVAILABLE, expert_id=experts[0].id) == 120  # approved, topped up
    assert bal(Kind.PENDING, expert_id=experts[1].id) == 120  # awaiting, topped up
    assert Notification.objects.filter(user=experts[1], kind="topup").exists()
    assert approvals.check_pay_floor(project) is None  # once
    assert work(project, make_expert("late"), minutes=6).pay_cents == 120
    assert consistent()


def test_a_project_that_cannot_fund_its_work_pauses_and_resumes_when_funded(
    charlie: User, make_expert: Callable[[str], User]
) -> None:
    project = globex_project(charlie, items=2, pay=100)
    org = Organization.objects.get(name="Globex")
    fund(org, 440)
    projects.publish_project(actor=charlie, project=project)
    # The requester raises overlap beyond what escrow holds; the allocation settings
    # refuse because the organization cannot pay for it.
    with pytest.raises(Conflict):
        projects.set_allocation(
            actor=charlie,
            project=project,
            settings_=projects.AllocationSettings(adaptive=True, adaptive_max=4),
        )
    # Escrow drained behind the scenes (as if a price rose): the next submission is kept,
    # unfunded, and the project pauses with a reason.
    # Escrow runs dry anyway (here: handed back to an organization that then spends it),
    # so the next submission is kept, unfunded, and the project pauses with a reason.
    ledger.release_escrow(project, actor=charlie)
    org_owner = Owner(organization_id=org.id)
    ledger.post(
        kind=TxKind.BONUS,
        currency="USD",
        key="drain-org-1",
        payload={},
        legs=[
            ((Kind.ORGANIZATION, "USD", org_owner), -440),
            ((Kind.PLATFORM, "USD", Owner()), 440),
        ],
    )
    judgment = work(project, make_expert("first"))
    assert not judgment.funded
    project.refresh_from_db()
    assert project.status == "paused"
    assert "Add funds" in project.pause_reason
    assert consistent()
    fund(org, 1000)
    assert approvals.after_deposit(org.id) == 1
    judgment.refresh_from_db()
    project.refresh_from_db()
    assert judgment.funded
    assert judgment.pay_cents == 100
    assert project.status == "published"
    assert consistent()


# Payouts


def test_payouts_go_out_in_a_batch_file_and_failures_come_back(
    make_project: Callable[..., Project], erin: User, frank: User, settings: Any
) -> None:
    settings.PAYOUT_MINIMUM_CENTS = 100
    project = make_project(items=2)
    for expert in (erin, frank):
        approvals.approve(judgment_id=work(project, expert).id, actor=None)
    treasurer = User.objects.get(email="treasurer@assay.test")
    [batch] = payouts.run_payouts(actor=treasurer)
    assert payouts.run_payouts(actor=treasurer) == []  # nothing paid twice
    text = payouts.batch_path(batch).read_text()
    assert "erin@experts.test" in text
    assert "1.00" in text
    failed = Payout.objects.get(expert=frank)
    assert payouts.confirm_batch(actor=treasurer, batch_id=batch.id, failed={failed.id: "x"}) == (
        1,
        1,
    )
    assert bal(Kind.IN_TRANSIT, expert_id=erin.id) == 0
    assert bal(Kind.AVAILABLE, expert_id=erin.id) == 0
    assert bal(Kind.AVAILABLE, expert_id=frank.id) == 100
    assert consistent()


# Bad input: clear error, nothing moved


def test_bad_amounts_and_reused_keys_move_nothing(
    make_project: Callable[..., Project], erin: User, alice: User, acme: Organization
) -> None:
    treasurer = User.objects.get(email="treasurer@assay.test")
    before = Transaction.objects.count()
    for amount in (-5, 0, 12.5, "10"):
        with pytest.raises(InvalidInput):
            ledger.deposit(
                actor=treasurer,
                organization=acme,
                amount_cents=amount,  # type: ignore[arg-type]
                currency="USD",
                key="bad-amount-1",
            )
    with pytest.raises(InvalidInput):
        ledger.deposit(
            actor=treasurer, organization=acme, amount_cents=100, currency="US$", key="k-cur-01"
        )
    ledger.deposit(
        actor=treasurer, organization=acme, amount_cents=100, currency="USD", key="k-1234567"
    )
    with pytest.raises(Conflict) as reused:
        ledger.deposit(
            actor=treasurer, organization=acme, amount_cents=999, currency="USD", key="k-1234567"
        )
    assert reused.value.code == "idempotency_key_reused"
    with pytest.raises(InvalidInput) as mixed:
        ledger.post(
            kind=TxKind.DEPOSIT,
            currency="USD",
            key="mixed-currency",
            payload={},
            legs=[((Kind.EXTERNAL, "EUR", Owner()), -1), ((Kind.PLATFORM, "USD", Owner()), 1)],
        )
    assert mixed.value.code == "currency_mismatch"
    with pytest.raises(Conflict) as overdrawn:
        payouts.request_payout(expert=erin, amount_cents=5000, currency="USD", key="too-much-1")
    assert overdrawn.value.code == "insufficient_funds"
    assert Transaction.objects.count() == before + 1
    assert consistent()


# The invariant check


def test_ledger_check_passes_and_catches_a_tampered_balance(
    make_project: Callable[..., Project], erin: User
) -> None:
    work(make_project(items=1), erin)
    runner = CliRunner()
    clean = runner.invoke(main, ["ledger", "check"])
    assert clean.exit_code == 0, clean.output
    assert "The ledger is consistent." in clean.output
    Account.objects.filter(kind=Kind.PENDING).update(balance_cents=1)
    broken = runner.invoke(main, ["ledger", "check"])
    assert broken.exit_code == 1
    assert "caches 1 but its entries sum to 100" in broken.output


def test_history_cannot_be_edited(make_project: Callable[..., Project], erin: User) -> None:
    work(make_project(items=1), erin)
    tx = Transaction.objects.first()
    assert tx is not None
    tx.memo = "changed"
    with pytest.raises(PermissionError):
        tx.save()
    with pytest.raises(PermissionError):
        tx.delete()


# The API


def test_expert_earnings_show_rate_and_unpaid_share(
    make_project: Callable[..., Project], erin: User, alice: User, api: Callable[[User], Client]
) -> None:
    project = make_project(items=3, overlap=1)
    paid = work(project, erin, minutes=3)
    lost = work(project, erin, minutes=3)
    approvals.approve(judgment_id=paid.id, actor=alice)
    approvals.reject(judgment_id=lost.id, actor=alice, reason_code="fraud", note="Scripted.")
    body = api(erin).get("/api/v1/me/earnings").json()
    assert body["available_cents"] == 100
    assert body["earned_cents"] == 100
    assert body["logged_seconds"] == 360
    assert body["unpaid_seconds"] == 180
    assert body["unpaid_share"] == pytest.approx(0.5)
    assert body["effective_hourly_rate_cents"] == 1000
    assert {line["kind"] for line in body["transactions"]} >= {"commit", "approval", "withheld"}


def test_requester_decides_and_bonuses_over_the_api(
    make_project: Callable[..., Project],
    erin: User,
    alice: User,
    charlie: User,
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=2)
    judgment = work(project, erin)
    client = api(alice)
    listed = client.get(f"/api/v1/projects/{project.id}/submissions").json()
    assert [s["id"] for s in listed] == [judgment.id]
    assert "erin" not in str(listed).lower()  # pseudonymous
    outsider = api(charlie).post(f"/api/v1/submissions/{judgment.id}/approve")
    assert outsider.status_code == 404
    assert api(erin).post(f"/api/v1/submissions/{judgment.id}/approve").status_code == 403
    bad = client.post(
        f"/api/v1/submissions/{judgment.id}/reject",
        {"reason_code": "nope", "note": ""},
        content_type="application/json",
    )
    assert bad.status_code == 400
    ok = client.post(f"/api/v1/submissions/{judgment.id}/approve")
    assert ok.status_code == 200
    assert ok.json()["submission"]["status"] == "approved"
    pseudonym = listed[0]["expert"]
    body = {
        "expert": pseudonym,
        "amount_cents": 250,
        "reason": "Careful work",
        "idempotency_key": "bonus-0001",
    }
    first = client.post(
        f"/api/v1/projects/{project.id}/bonuses", body, content_type="application/json"
    )
    again = client.post(
        f"/api/v1/projects/{project.id}/bonuses", body, content_type="application/json"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert bal(Kind.AVAILABLE, expert_id=erin.id) == 350
    fractional = client.post(
        f"/api/v1/projects/{project.id}/bonuses",
        {**body, "amount_cents": 2.5, "idempotency_key": "bonus-0002"},
        content_type="application/json",
    )
    assert fractional.status_code in (400, 422)
    spend = client.get(f"/api/v1/projects/{project.id}/spend").json()
    assert spend["spent_cents"] == 350
    assert api(charlie).get(f"/api/v1/projects/{project.id}/spend").status_code == 404
    reasons = api(erin).get("/api/v1/rejection-reasons").json()
    assert {r["code"] for r in reasons if r["withholds_pay"]} == {
        "empty_submission",
        "copied_content",
        "fraud",
    }
    assert consistent()


def test_operators_record_deposits_and_see_platform_pay(
    make_project: Callable[..., Project],
    erin: User,
    alice: User,
    acme: Organization,
    api: Callable[[User], Client],
) -> None:
    treasurer = User.objects.get(email="treasurer@assay.test")
    approvals.approve(judgment_id=work(make_project(items=1), erin, minutes=5).id, actor=None)
    body = {
        "organization_id": acme.id,
        "amount_cents": 5000,
        "currency": "USD",
        "idempotency_key": "wire-000001",
    }
    first = api(treasurer).post("/api/v1/operator/deposits", body, content_type="application/json")
    again = api(treasurer).post("/api/v1/operator/deposits", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert (
        api(alice)
        .post("/api/v1/operator/deposits", body, content_type="application/json")
        .status_code
        == 403
    )
    pay = api(treasurer).get("/api/v1/operator/pay").json()
    [general] = pay["by_domain"]
    assert general["median_hourly_rate_cents"] == 1200  # $1.00 for 5 minutes
    assert pay["available_cents"] == 100


@pytest.mark.django_db(transaction=True)
def test_simultaneous_approvals_on_one_escrow_pay_each_submission_once(
    make_project: Callable[..., Project], make_expert: Callable[[str], User], alice: User
) -> None:
    from tests.test_concurrency import in_parallel

    project = make_project(items=4, overlap=2)
    made = [work(project, make_expert(f"c{n}")) for n in range(8)]
    jobs = [
        lambda j=j: approvals.approve(judgment_id=j.id, actor=alice) for j in made for _ in (1, 2)
    ]
    results = in_parallel(jobs)
    assert not [r for r in results if isinstance(r, BaseException)]
    assert Transaction.objects.filter(kind=TxKind.APPROVAL).count() == 8
    assert consistent()


@pytest.mark.django_db(transaction=True)
def test_one_deposit_key_sent_at_once_from_many_places_deposits_once(acme: Organization) -> None:
    from tests.test_concurrency import in_parallel

    treasurer = User.objects.get(email="treasurer@assay.test")
    before = bal(Kind.ORGANIZATION, organization_id=acme.id)
    results = in_parallel(
        [
            lambda: ledger.deposit(
                actor=treasurer,
                organization=acme,
                amount_cents=777,
                currency="USD",
                key="wire-same-key",
            )
            for _ in range(6)
        ]
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    assert bal(Kind.ORGANIZATION, organization_id=acme.id) == before + 777
    assert consistent()


def test_negative_amounts_print_with_the_sign_first() -> None:
    from assay.domain.pay import format_money

    assert format_money(-150, "USD") == "-$1.50"
    assert format_money(-5, "CHF") == "-0.05 CHF"
