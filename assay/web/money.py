"""Money pages: an expert's earnings and payouts, a project's spend with approvals and
bonuses, and the operators' pay overview with deposits and payout batches.

Every form that moves money carries a key generated when the form is drawn, so a double
click or a resent form replays the first request instead of paying twice. A refused
request shows the error as a message, with the error's HTTP status, and moves nothing.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay import ledger_reports
from assay.access import (
    access_expert_by_pseudonym,
    access_judgment_for_requester,
    access_organization_for_operator,
    access_payout_batch_for_operator,
    access_project_for_requester,
    experts_known_to,
)
from assay.actions import approvals, ledger, payouts
from assay.domain.ledger import UNPAID_REASONS
from assay.domain.pay import format_money, parse_money
from assay.errors import AssayError, InvalidInput, NotFound
from assay.models import Judgment, Organization, PayoutBatch, Project, User
from assay.web.util import current_user, expert_view, member_view

LIST_LIMIT = 200
FAILED_NOTE = "The payment provider reported the transfer failed."


def _money(cents: int, currency: str) -> str:
    # format_money is written for amounts that are never negative; balances can be.
    text = format_money(abs(cents), currency)
    return f"-{text}" if cents < 0 else text


def _signed(cents: int, currency: str) -> str:
    return "" if cents == 0 else ("+" if cents > 0 else "") + _money(cents, currency)


def _plain(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _percent(share: float | None) -> str:
    return "no logged time yet" if share is None else f"{share:.0%}"


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60:02d} min"


def _new_key() -> str:
    return uuid.uuid4().hex


def _amount(request: HttpRequest) -> int:
    try:
        return parse_money(request.POST.get("amount", ""))
    except ValueError:
        raise InvalidInput(
            "Enter the amount as a positive number with at most two decimals, such as 12.50.",
            code="invalid_amount",
            details=[{"field": "amount", "message": "enter an amount such as 12.50"}],
        ) from None


def _refuse(request: HttpRequest, error: AssayError) -> int:
    """Show the error as a message on the page drawn next; returns its HTTP status."""
    fields = [f"{d['field']}: {d['message']}" for d in error.details if "field" in d]
    messages.error(request, " ".join([error.message, *(f"({f})" for f in fields)]))
    return error.status


# Experts ------------------------------------------------------------------------------


def _rejections(expert: User) -> list[dict[str, object]]:
    """The expert's rejected submissions, reversed ones included (they keep their code)."""
    judgments = (
        Judgment.objects.filter(expert=expert)
        .filter(Q(status=Judgment.Status.REJECTED) | ~Q(reason_code=""))
        .select_related("project", "item")
        .order_by("-decided_at", "-id")[:LIST_LIMIT]
    )
    return [
        {
            "judgment": j,
            "reason": approvals.REJECTION_REASONS.get(j.reason_code, j.reason_code),
            "reversed": j.status == Judgment.Status.APPROVED,
            "withheld": j.status == Judgment.Status.REJECTED and j.reason_code in UNPAID_REASONS,
            "pay": _money(j.pay_cents, j.project.currency),
        }
        for j in judgments
    ]


def _earnings_page(
    request: HttpRequest, *, values: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    user = current_user(request)
    currency = settings.CURRENCY
    report = ledger_reports.expert_earnings(user, currency=currency, limit=LIST_LIMIT)
    rate = report.effective_rate_cents
    context = {
        "report": report,
        "pending": _money(report.pending_cents, currency),
        "available": _money(report.available_cents, currency),
        "in_transit": _money(report.in_transit_cents, currency),
        "paid_out": _money(report.paid_out_cents, currency),
        "earned": _money(report.earned_cents, currency),
        "rate": "no logged time yet" if rate is None else f"{_money(rate, currency)} an hour",
        "logged": _duration(report.time.logged_seconds),
        "unpaid": _duration(report.time.unpaid_seconds),
        "unpaid_share": _percent(report.time.unpaid_share),
        "weeks": [(week, _money(cents, currency)) for week, cents in report.weeks],
        "lines": [
            (line, _signed(line.pending_cents, currency), _signed(line.available_cents, currency))
            for line in report.lines
        ],
        "rejections": _rejections(user),
        "minimum": _money(settings.PAYOUT_MINIMUM_CENTS, currency),
        "values": values or {"amount": _plain(max(0, report.available_cents))},
        "key": _new_key(),
    }
    return render(request, "assay/money/earnings.html", context, status=status)


@expert_view
def earnings(request: HttpRequest) -> HttpResponse:
    """GET approves whatever is past the approval window first, so balances are current."""
    user = current_user(request)
    if request.method != "POST":
        approvals.auto_approve_due(expert=user)
        return _earnings_page(request)
    try:
        payout, new = payouts.request_payout(
            expert=user,
            amount_cents=_amount(request),
            currency=settings.CURRENCY,
            key=request.POST.get("key", ""),
        )
    except AssayError as error:
        status = _refuse(request, error)
        return _earnings_page(
            request, values={"amount": request.POST.get("amount", "")}, status=status
        )
    amount = _money(payout.amount_cents, payout.currency)
    messages.success(
        request,
        f"Payout of {amount} requested; it goes out with the next payout run."
        if new
        else f"That payout of {amount} was already requested.",
    )
    return redirect("earnings")


# Requesters -----------------------------------------------------------------------------


def _submission_rows(project: Project, status: str) -> list[dict[str, object]]:
    judgments = (
        Judgment.objects.filter(project=project, status=status)
        .select_related("item", "expert__expert_profile")
        .order_by("created_at", "id")[:LIST_LIMIT]
    )
    return [
        {
            "judgment": j,
            # Requesters see experts by pseudonym only, never a name or an email.
            "pseudonym": j.expert.expert_profile.pseudonym,
            "pay": _money(j.pay_cents, project.currency) if j.funded else "not yet funded",
            "reason": approvals.REJECTION_REASONS.get(j.reason_code, ""),
            "withheld": j.reason_code in UNPAID_REASONS,
        }
        for j in judgments
    ]


def _spend_page(
    request: HttpRequest,
    project: Project,
    *,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    report = ledger_reports.project_spend(project)
    currency = report.currency
    workers = experts_known_to(user).filter(judgments__project=project).distinct()
    pseudonyms = sorted(
        u.expert_profile.pseudonym for u in workers.select_related("expert_profile")
    )
    figures = [
        ("Organization balance", report.organization_balance_cents, "spend-org"),
        ("Escrow held for this project", report.escrow_cents, "spend-escrow"),
        ("Committed (awaiting approval)", report.committed_cents, "spend-committed"),
        ("Spent (paid to experts)", report.spent_cents, "spend-spent"),
        ("Platform fees", report.fees_cents, "spend-fees"),
        ("Planned total", report.planned_cents, "spend-planned"),
        ("Forecast to finish", report.forecast_to_finish_cents, "spend-forecast"),
    ]
    context = {
        "project": project,
        "report": report,
        "figures": [(label, _money(cents, currency), key) for label, cents, key in figures],
        "awaiting": _submission_rows(project, Judgment.Status.SUBMITTED),
        "rejected": _submission_rows(project, Judgment.Status.REJECTED),
        "reasons": [
            (code, text, code in UNPAID_REASONS)
            for code, text in approvals.REJECTION_REASONS.items()
        ],
        "pseudonyms": pseudonyms,
        "values": values or {},
        "key": _new_key(),
    }
    return render(request, "assay/money/spend.html", context, status=status)


@member_view
def spend(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project_for_requester(current_user(request), project_id)
    return _spend_page(request, project)


DECISIONS = {"approve", "reject", "reverse"}


def _decide(user: User, judgment: Judgment, action: str, form: dict[str, str]) -> str:
    if action == "approve":
        _, new = approvals.approve(judgment_id=judgment.id, actor=user)
        return "Approved; the pay is now available to the expert." if new else "Already approved."
    if action == "reject":
        _, new = approvals.reject(
            judgment_id=judgment.id,
            actor=user,
            reason_code=form.get("reason_code", ""),
            note=form.get("note", ""),
        )
        kept = "withheld" if form.get("reason_code") in UNPAID_REASONS else "paid all the same"
        return f"Rejected; the expert is told why and is {kept}." if new else "Already rejected."
    _, new = approvals.reverse_rejection(
        judgment_id=judgment.id, actor=user, note=form.get("note", "")
    )
    return "Rejection reversed; the submission counts as approved." if new else "Already reversed."


@member_view
@require_POST
def decide(request: HttpRequest, project_id: int, judgment_id: int, action: str) -> HttpResponse:
    user = current_user(request)
    project = access_project_for_requester(user, project_id)
    judgment = access_judgment_for_requester(user, judgment_id)
    if action not in DECISIONS or judgment.project_id != project.id:
        raise NotFound("No such submission in this project.", code="judgment_not_found")
    form = {name: request.POST.get(name, "") for name in ("reason_code", "note")}
    try:
        done = _decide(user, judgment, action, form)
    except AssayError as error:
        status = _refuse(request, error)
        values = form | {"judgment": str(judgment.id), "action": action}
        return _spend_page(request, project, values=values, status=status)
    messages.success(request, done)
    return redirect("project-spend", project_id=project.id)


@member_view
@require_POST
def give_bonus(request: HttpRequest, project_id: int) -> HttpResponse:
    user = current_user(request)
    project = access_project_for_requester(user, project_id)
    form = {name: request.POST.get(name, "") for name in ("expert", "amount", "reason")}
    try:
        amount = _amount(request)
        if not form["expert"]:
            raise InvalidInput("Choose the expert to receive the bonus.", code="invalid_bonus")
        _, new = approvals.bonus(
            actor=user,
            project=project,
            expert=access_expert_by_pseudonym(user, form["expert"]),
            amount_cents=amount,
            reason=form["reason"],
            key=request.POST.get("key", ""),
        )
    except AssayError as error:
        status = _refuse(request, error)
        return _spend_page(request, project, values=form | {"action": "bonus"}, status=status)
    money = _money(amount, project.currency)
    messages.success(
        request,
        f"Bonus of {money} paid to {form['expert']}." if new else "That bonus was already paid.",
    )
    return redirect("project-spend", project_id=project.id)


# Operators ------------------------------------------------------------------------------


def _operator(request: HttpRequest) -> User:
    """Operators only; anyone else is told the page does not exist."""
    user = current_user(request)
    if not user.is_staff:
        raise NotFound("No such page.")
    return user


def _batches() -> list[dict[str, object]]:
    batches = PayoutBatch.objects.prefetch_related("payouts").order_by("-created_at", "-id")
    rows = []
    for batch in batches[:50]:
        items = list(batch.payouts.all())
        rows.append(
            {
                "batch": batch,
                "payouts": items,
                "total": _money(sum(p.amount_cents for p in items), batch.currency),
            }
        )
    return rows


def _ops_page(
    request: HttpRequest, *, values: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    currency = settings.CURRENCY
    report = ledger_reports.platform_pay(currency)
    totals = [
        ("Pending approval", report.pending_cents),
        ("Available to experts", report.available_cents),
        ("In transit", report.in_transit_cents),
        ("Platform funds", report.platform_funds_cents),
        ("Fees collected", report.fees_cents),
    ]
    domains = [
        (
            row,
            "—" if row.median_rate_cents is None else _money(row.median_rate_cents, currency),
            _percent(row.unpaid_share),
        )
        for row in report.by_domain
    ]
    context = {
        "currency": currency,
        "totals": [(label, _money(cents, currency)) for label, cents in totals],
        "domains": domains,
        "unpaid_share": _percent(report.unpaid_share),
        "organizations": Organization.objects.order_by("name"),
        "batches": _batches(),
        "minimum": _money(settings.PAYOUT_MINIMUM_CENTS, currency),
        "values": values or {},
        "key": _new_key(),
    }
    return render(request, "assay/money/ops_pay.html", context, status=status)


@member_view
def ops_pay(request: HttpRequest) -> HttpResponse:
    _operator(request)
    return _ops_page(request)


def _deposit(user: User, form: dict[str, str], amount: int) -> str:
    target = form["to"]
    if target != "platform" and not target.isdigit():
        raise InvalidInput(
            "Choose an organization or platform funds.",
            code="invalid_deposit",
            details=[{"field": "to", "message": "choose where the money goes"}],
        )
    organization = None
    if target != "platform":
        organization = access_organization_for_operator(user, int(target))
    _, new = ledger.deposit(
        actor=user,
        organization=organization,
        amount_cents=amount,
        currency=settings.CURRENCY,
        key=form["key"],
        reference=form["reference"].strip(),
    )
    where = organization.name if organization else "platform funds"
    if not new:
        return f"That deposit into {where} was already recorded."
    funded = approvals.after_deposit(organization.id) if organization else 0
    money = _money(amount, settings.CURRENCY)
    extra = f" {funded} submission(s) waiting for money were funded." if funded else ""
    return f"Deposit of {money} into {where} recorded.{extra}"


@member_view
@require_POST
def ops_deposit(request: HttpRequest) -> HttpResponse:
    user = _operator(request)
    form = {name: request.POST.get(name, "") for name in ("to", "amount", "reference", "key")}
    try:
        done = _deposit(user, form, _amount(request))
    except AssayError as error:
        status = _refuse(request, error)
        return _ops_page(request, values=form, status=status)
    messages.success(request, done)
    return redirect("ops-pay")


@member_view
@require_POST
def ops_run_payouts(request: HttpRequest) -> HttpResponse:
    batches = payouts.run_payouts(actor=_operator(request))
    if batches:
        names = ", ".join(b.file_name for b in batches)
        messages.success(request, f"Wrote {len(batches)} payout batch file(s): {names}.")
    else:
        messages.success(request, "Nothing to pay out: no balance is due and no payout waits.")
    return redirect("ops-pay")


def _failed_ids(text: str) -> dict[int, str]:
    parts = [p.strip().lstrip("#") for p in text.split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise InvalidInput(
            "List failed payouts by their numbers, separated by commas, such as 12, 15.",
            code="invalid_payout",
        )
    return dict.fromkeys((int(p) for p in parts), FAILED_NOTE)


@member_view
@require_POST
def ops_confirm_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = _operator(request)
    batch = access_payout_batch_for_operator(user, batch_id)
    try:
        failed = _failed_ids(request.POST.get("failed", ""))
        paid, returned = payouts.confirm_batch(actor=user, batch_id=batch.id, failed=failed)
    except AssayError as error:
        status = _refuse(request, error)
        return _ops_page(request, status=status)
    messages.success(
        request, f"Batch {batch.id} confirmed: {paid} paid, {returned} returned to balances."
    )
    return redirect("ops-pay")


@member_view
def ops_batch_file(request: HttpRequest, batch_id: int) -> FileResponse:
    batch = access_payout_batch_for_operator(_operator(request), batch_id)
    path = payouts.batch_path(batch)
    if not batch.file_name or not path.is_file():
        raise NotFound("This batch's file is not on this server.", code="batch_file_missing")
    return FileResponse(path.open("rb"), as_attachment=True, filename=batch.file_name)
