"""The money pages: /earnings/, /projects/<id>/spend/ and /ops/pay/, through HTTP."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay import clock
from assay.actions import accounts, approvals
from assay.actions.allocation import claim_next_task
from assay.actions.judgments import submit_judgment
from assay.actions.ledger import Kind, Owner, balance
from assay.ledger_check import run_checks
from assay.models import Judgment, Organization, Payout, PayoutBatch, Project, Transaction, User
from assay.web.money import money_text
from tests.conftest import PASSWORD

Web = Callable[[User], Client]
RATIONALE = "Response A adds correctly; B is off by one."


def submit(expert: User, project: Project, count: int = 1) -> list[Judgment]:
    made = []
    for _ in range(count):
        lease = claim_next_task(expert=expert, project=project)
        judgment, _ = submit_judgment(
            expert=expert,
            lease_id=lease.id,
            choice="a",
            strength=2,
            rationale=RATIONALE,
            idempotency_key=f"key-{lease.id:08d}",
        )
        made.append(judgment)
    return made


def assert_ledger_clean() -> None:
    assert [(name, breaches) for name, breaches in run_checks() if breaches] == []


def available(expert: User) -> int:
    return balance(Kind.AVAILABLE, "USD", Owner(expert_id=expert.id))


def org_balance(organization: Organization) -> int:
    return balance(Kind.ORGANIZATION, "USD", Owner(organization_id=organization.id))


def form_key(response: Any) -> str:
    match = re.search(r'name="key" value="([0-9a-f]{32})"', response.content.decode())
    assert match, "the form carries an idempotency key"
    return match.group(1)


def spend_url(project: Project, *rest: object) -> str:
    return "/".join([f"/projects/{project.id}/spend", *map(str, rest)]) + "/"


@pytest.fixture
def oscar(db: None) -> User:
    return accounts.create_operator(email="oscar@assay.test", password=PASSWORD)


# The expert's earnings page


def test_earnings_shows_balances_rate_weeks_and_every_transaction(
    web: Web, project: Project, erin: User, alice: User
) -> None:
    first, second = submit(erin, project, 2)
    approvals.approve(judgment_id=first.id, actor=alice)
    page = web(erin).get("/earnings/")
    assert page.status_code == 200
    text = page.content.decode()
    assert '<b data-money="pending">$1.00</b>' in text
    assert '<b data-money="available">$1.00</b>' in text
    assert '<td data-money="earned">$2.00</td>' in text
    assert "Effective hourly rate" in text
    assert "every qualification test attempt" in text
    assert text.count('data-kind="commit"') == 2
    assert 'data-kind="approval"' in text
    assert f"Submission #{second.id} in Helpfulness" in text
    assert clock.now().strftime("%G-W%V") in text
    assert 'href="/earnings/">Earnings</a>' in text


def test_earnings_approves_what_is_past_the_window_first(
    web: Web, project: Project, erin: User
) -> None:
    (judgment,) = submit(erin, project)
    with clock.frozen(clock.now() + dt.timedelta(days=30)):
        page = web(erin).get("/earnings/")
    assert '<b data-money="available">$1.00</b>' in page.content.decode()
    judgment.refresh_from_db()
    assert judgment.status == Judgment.Status.APPROVED
    assert judgment.decided_by is None
    assert_ledger_clean()


def test_earnings_is_for_experts_only(web: Web, alice: User) -> None:
    assert web(alice).get("/earnings/").status_code == 403
    assert Client().get("/earnings/").status_code == 302


def test_an_expert_asks_for_a_payout_once_even_when_the_form_is_sent_twice(
    web: Web, project: Project, erin: User, alice: User, settings: Any
) -> None:
    settings.PAYOUT_MINIMUM_CENTS = 100
    for judgment in submit(erin, project, 3):
        approvals.approve(judgment_id=judgment.id, actor=alice)
    client = web(erin)
    key = form_key(client.get("/earnings/"))
    for _ in range(2):
        response = client.post("/earnings/", {"amount": "2.50", "key": key}, follow=True)
        assert response.status_code == 200
    assert "already requested" in response.content.decode()
    assert list(Payout.objects.values_list("amount_cents", flat=True)) == [250]
    assert available(erin) == 50
    assert '<b data-money="in_transit">$2.50</b>' in response.content.decode()
    assert_ledger_clean()


@pytest.mark.parametrize(
    ("amount", "status", "says"),
    [
        ("-1.00", 400, "at most two decimals"),
        ("1.234", 400, "at most two decimals"),
        ("0", 400, "positive number of whole cents"),
        ("0.50", 400, "The smallest payout is $1.00"),
        ("9.00", 409, "You have $3.00 available"),
    ],
)
def test_a_bad_payout_request_is_refused_clearly_and_moves_nothing(
    web: Web,
    project: Project,
    erin: User,
    alice: User,
    settings: Any,
    amount: str,
    status: int,
    says: str,
) -> None:
    settings.PAYOUT_MINIMUM_CENTS = 100
    for judgment in submit(erin, project, 3):
        approvals.approve(judgment_id=judgment.id, actor=alice)
    count = Transaction.objects.count()
    response = web(erin).post("/earnings/", {"amount": amount, "key": "k" * 32})
    assert response.status_code == status
    assert says in response.content.decode()
    assert 'class="flash error"' in response.content.decode()
    assert Transaction.objects.count() == count
    assert available(erin) == 300


# The requester's spend page


def test_spend_page_shows_the_figures_and_submissions_by_pseudonym(
    web: Web, project: Project, erin: User, alice: User, bob: User
) -> None:
    (judgment,) = submit(erin, project)
    page = web(bob).get(spend_url(project))
    assert page.status_code == 200
    text = page.content.decode()
    pseudonym = erin.expert_profile.pseudonym
    assert pseudonym in text
    assert erin.email not in text
    assert "Erin" not in text
    assert judgment.item.external_id in text
    assert RATIONALE in text
    assert '<b id="spend-committed">$1.00</b>' in text
    assert '<b id="spend-planned">$8.80</b>' in text  # 4 items x 2 x $1.00 + 10% fee
    assert "empty_submission (withholds pay)" in text
    assert "wrong_choice (still paid)" in text
    detail = web(alice).get(f"/projects/{project.id}/").content.decode()
    assert f'href="/projects/{project.id}/spend/"' in detail


def test_other_organizations_and_experts_get_404(
    web: Web, project: Project, erin: User, charlie: User
) -> None:
    (judgment,) = submit(erin, project)
    for user in (charlie, erin):
        client = web(user)
        assert client.get(spend_url(project)).status_code == 404
        assert client.post(spend_url(project, judgment.id, "approve")).status_code == 404
        assert client.post(spend_url(project, "bonus"), {"amount": "1"}).status_code == 404
    judgment.refresh_from_db()
    assert judgment.status == Judgment.Status.SUBMITTED


def test_a_submission_of_another_project_is_not_found_here(
    web: Web, make_project: Callable[..., Project], project: Project, erin: User, alice: User
) -> None:
    other = make_project()
    (judgment,) = submit(erin, other)
    response = web(alice).post(spend_url(project, judgment.id, "approve"))
    assert response.status_code == 404
    assert web(alice).post(spend_url(other, judgment.id, "nonsense")).status_code == 404


def test_approve_reject_and_reverse_through_the_page(
    web: Web, project: Project, erin: User, alice: User
) -> None:
    kept, withheld, approved = submit(erin, project, 3)
    client = web(alice)
    response = client.post(spend_url(project, approved.id, "approve"), follow=True)
    assert "Approved; the pay is now available" in response.content.decode()
    client.post(
        spend_url(project, kept.id, "reject"),
        {"reason_code": "wrong_choice", "note": "B is the correct sum."},
    )
    response = client.post(
        spend_url(project, withheld.id, "reject"),
        {"reason_code": "empty_submission", "note": "Nothing was read."},
        follow=True,
    )
    assert "is withheld" in response.content.decode()
    assert available(erin) == 200
    assert_ledger_clean()
    response = client.post(
        spend_url(project, withheld.id, "reverse"), {"note": "It was read after all."}, follow=True
    )
    assert "Rejection reversed" in response.content.decode()
    assert available(erin) == 300
    assert {j.status for j in Judgment.objects.all()} == {"approved", "rejected"}
    assert_ledger_clean()
    earnings = web(erin).get("/earnings/").content.decode()
    assert approvals.REJECTION_REASONS["wrong_choice"] in earnings
    assert "B is the correct sum." in earnings
    assert "you were paid all the same" in earnings
    assert "Reversed: paid $1.00" in earnings


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"reason_code": "wrong_choice", "note": "  "}, "note: explain the rejection"),
        ({"reason_code": "made_up", "note": "Why not."}, "reason_code: choose a reason"),
    ],
)
def test_a_rejection_without_a_note_or_known_reason_is_refused(
    web: Web, project: Project, erin: User, alice: User, form: dict[str, str], says: str
) -> None:
    (judgment,) = submit(erin, project)
    count = Transaction.objects.count()
    response = web(alice).post(spend_url(project, judgment.id, "reject"), form)
    assert response.status_code == 400
    assert says in response.content.decode()
    judgment.refresh_from_db()
    assert judgment.status == Judgment.Status.SUBMITTED
    assert Transaction.objects.count() == count


def test_reversing_needs_a_note_and_a_rejection(
    web: Web, project: Project, erin: User, alice: User
) -> None:
    (judgment,) = submit(erin, project)
    client = web(alice)
    assert client.post(spend_url(project, judgment.id, "reverse"), {"note": ""}).status_code == 400
    response = client.post(spend_url(project, judgment.id, "reverse"), {"note": "Oops."})
    assert response.status_code == 409
    assert "Only a rejected submission can be reversed." in response.content.decode()


def test_a_bonus_is_paid_once_to_an_expert_who_worked_on_the_project(
    web: Web, project: Project, erin: User, alice: User, acme: Organization
) -> None:
    submit(erin, project)
    client = web(alice)
    page = client.get(spend_url(project))
    pseudonym = erin.expert_profile.pseudonym
    assert f'<option value="{pseudonym}"' in page.content.decode()
    before = org_balance(acme)
    form = {"expert": pseudonym, "amount": "5.00", "reason": "Careful work", "key": form_key(page)}
    for _ in range(2):
        response = client.post(spend_url(project, "bonus"), form, follow=True)
    assert "That bonus was already paid." in response.content.decode()
    assert available(erin) == 500
    assert before - org_balance(acme) == 550
    assert "Careful work" in web(erin).get("/earnings/").content.decode()
    assert_ledger_clean()


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"amount": "-5"}, 400, "at most two decimals"),
        ({"amount": "2.505"}, 400, "at most two decimals"),
        ({"reason": ""}, 400, "Give the expert a reason"),
        ({"expert": ""}, 400, "Choose the expert"),
        ({"expert": "expert-nobody"}, 404, "No such expert."),
        ({"amount": "20000.00"}, 409, "Organization balance holds"),
    ],
)
def test_a_bad_bonus_is_refused_and_moves_nothing(
    web: Web,
    project: Project,
    erin: User,
    alice: User,
    frank: User,
    change: dict[str, str],
    status: int,
    says: str,
) -> None:
    submit(erin, project)
    form = {"expert": erin.expert_profile.pseudonym, "amount": "5", "reason": "Thanks"}
    count = Transaction.objects.count()
    response = web(alice).post(spend_url(project, "bonus"), form | change | {"key": "k" * 32})
    assert response.status_code == status
    assert says in response.content.decode()
    assert Transaction.objects.count() == count


def test_a_paused_project_shows_why(web: Web, project: Project, alice: User) -> None:
    Project.objects.filter(id=project.id).update(
        status=Project.Status.PAUSED, pause_reason="Paused: add funds to resume."
    )
    text = web(alice).get(spend_url(project)).content.decode()
    assert '<div class="errors" role="status" id="pause-reason">Paused: add funds' in text


# The operators' pay page


def test_ops_pay_is_for_operators_only(
    web: Web, oscar: User, erin: User, alice: User, acme: Organization
) -> None:
    page = web(oscar).get("/ops/pay/")
    assert page.status_code == 200
    assert "Median effective rate" in page.content.decode()
    assert 'href="/ops/pay/">Pay</a>' in page.content.decode()
    for user in (erin, alice):
        client = web(user)
        assert client.get("/ops/pay/").status_code == 404
        deposit = {"to": str(acme.id), "amount": "5", "key": "k" * 32}
        assert client.post("/ops/pay/deposit/", deposit).status_code == 404
        assert client.post("/ops/pay/run/").status_code == 404
    assert Payout.objects.count() == 0


def test_a_deposit_is_recorded_once_and_resumes_a_project_paused_for_funds(
    web: Web, oscar: User, project: Project, erin: User, acme: Organization
) -> None:
    submit(erin, project)
    Project.objects.filter(id=project.id).update(status=Project.Status.PAUSED, pause_reason="x")
    client = web(oscar)
    page = client.get("/ops/pay/")
    before = org_balance(acme)
    form = {"to": str(acme.id), "amount": "250.00", "reference": "wire 991", "key": form_key(page)}
    for _ in range(2):
        response = client.post("/ops/pay/deposit/", form, follow=True)
    assert "already recorded" in response.content.decode()
    assert org_balance(acme) == before + 25_000
    assert Transaction.objects.filter(kind="deposit", memo="manual: wire 991").count() == 1
    project.refresh_from_db()
    assert project.status == Project.Status.PUBLISHED
    assert_ledger_clean()


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"to": "platform", "amount": "-3"}, 400, "at most two decimals"),
        ({"to": "platform", "amount": "3.5.0"}, 400, "at most two decimals"),
        ({"to": "", "amount": "3"}, 400, "Choose an organization or platform funds."),
        ({"to": "999999", "amount": "3"}, 404, "No such organization."),
        ({"to": "platform", "amount": "3", "key": "no"}, 400, "idempotency_key"),
    ],
)
def test_a_bad_deposit_is_refused_and_moves_nothing(
    web: Web, oscar: User, form: dict[str, str], status: int, says: str
) -> None:
    count = Transaction.objects.count()
    response = web(oscar).post("/ops/pay/deposit/", {"key": "k" * 32} | form)
    assert response.status_code == status
    assert says in response.content.decode()
    assert Transaction.objects.count() == count


def test_platform_funds_take_deposits(web: Web, oscar: User) -> None:
    form = {"to": "platform", "amount": "40", "reference": "", "key": "p" * 32}
    web(oscar).post("/ops/pay/deposit/", form)
    assert balance(Kind.PLATFORM, "USD", Owner()) == 4000


def test_run_payouts_writes_a_batch_and_confirming_marks_it_paid_or_returned(
    web: Web, oscar: User, project: Project, erin: User, alice: User, settings: Any
) -> None:
    settings.PAYOUT_MINIMUM_CENTS = 100
    for judgment in submit(erin, project, 2):
        approvals.approve(judgment_id=judgment.id, actor=alice)
    client = web(oscar)
    response = client.post("/ops/pay/run/", follow=True)
    batch = PayoutBatch.objects.get()
    assert f"Wrote 1 payout batch file(s): {batch.file_name}" in response.content.decode()
    download = client.get(f"/ops/pay/batches/{batch.id}/file/")
    assert b"erin@experts.test" in b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert web(erin).get(f"/ops/pay/batches/{batch.id}/file/").status_code == 404
    payout = Payout.objects.get()
    bad = client.post(f"/ops/pay/batches/{batch.id}/confirm/", {"failed": "one"})
    assert bad.status_code == 400
    assert "separated by commas" in bad.content.decode()
    unknown = client.post(f"/ops/pay/batches/{batch.id}/confirm/", {"failed": "424242"})
    assert unknown.status_code == 400
    assert "are not in batch" in unknown.content.decode()
    response = client.post(
        f"/ops/pay/batches/{batch.id}/confirm/", {"failed": str(payout.id)}, follow=True
    )
    assert "0 paid, 1 returned" in response.content.decode()
    assert available(erin) == 200
    with clock.frozen(clock.now() + dt.timedelta(minutes=5)):
        client.post("/ops/pay/run/")
    second = PayoutBatch.objects.exclude(id=batch.id).get()
    client.post(f"/ops/pay/batches/{second.id}/confirm/", {"failed": ""})
    assert Payout.objects.filter(status="paid").count() == 1
    assert '<b data-money="paid_out">$2.00</b>' in web(erin).get("/earnings/").content.decode()
    assert_ledger_clean()


def test_run_payouts_with_nothing_due_says_so(web: Web, oscar: User) -> None:
    response = web(oscar).post("/ops/pay/run/", follow=True)
    assert "Nothing to pay out" in response.content.decode()
    assert PayoutBatch.objects.count() == 0


def test_negative_balances_show_with_a_minus_sign() -> None:
    # Platform funds have no floor: test pay the platform guarantees can take them below 0.
    assert money_text(-150, "USD") == "-$1.50"
    assert money_text(150, "USD") == "$1.50"
