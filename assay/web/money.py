"""Money pages: an expert's earnings and payouts, and a project's spend with approvals and
bonuses (the operators' pay page is in money_ops.py).

Every form that moves money carries a key generated when the form is drawn, so a double
click or a resent form replays the first request instead of paying twice. A refused
request shows the error as a message, with the error's HTTP status, and moves nothing.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay import ledger_reports
from assay.access import (
    access_expert_by_pseudonym,
    access_judgment_for_requester,
    access_project_for_requester,
    experts_known_to,
)
from assay.actions import approvals, payouts
from assay.domain.ledger import UNPAID_REASONS
from assay.domain.pay import format_money, parse_money
from assay.errors import AssayError, InvalidInput, NotFound
from assay.models import Judgment, Project, User
from assay.web.util import current_user, expert_view, member_view

LIST_LIMIT = 200


def money_text(cents: int, currency: str) -> str:
    # format_money is written for amounts that are never negative; balances can be.
    text = format_money(abs(cents), currency)
    return f"-{text}" if cents < 0 else text


def _signed(cents: int, currency: str) -> str:
    return "" if cents == 0 else ("+" if cents > 0 else "") + money_text(cents, currency)


def _plain(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def percent(share: float | None) -> str:
    return "no logged time yet" if share is None else f"{share:.0%}"


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60:02d} min"


def new_key() -> str:
    return uuid.uuid4().hex


def amount_from(request: HttpRequest) -> int:
    try:
        return parse_money(request.POST.get("amount", ""))
    except ValueError:
        raise InvalidInput(
            "Enter the amount as a positive number with at most two decimals, such as 12.50.",
            code="invalid_amount",
            details=[{"field": "amount", "message": "enter an amount such as 12.50"}],
        ) from None


def refuse(request: HttpRequest, error: AssayError) -> int:
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
            "pay": money_text(j.pay_cents, j.project.currency),
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
        "pending": money_text(report.pending_cents, currency),
        "available": money_text(report.available_cents, currency),
        "in_transit": money_text(report.in_transit_cents, currency),
        "paid_out": money_text(report.paid_out_cents, currency),
        "earned": money_text(report.earned_cents, currency),
        "rate": "no logged time yet" if rate is None else f"{money_text(rate, currency)} an hour",
        "logged": _duration(report.time.logged_seconds),
        "unpaid": _duration(report.time.unpaid_seconds),
        "unpaid_share": percent(report.time.unpaid_share),
        "weeks": [(week, money_text(cents, currency)) for week, cents in report.weeks],
        "lines": [
            (line, _signed(line.pending_cents, currency), _signed(line.available_cents, currency))
            for line in report.lines
        ],
        "rejections": _rejections(user),
        "minimum": money_text(settings.PAYOUT_MINIMUM_CENTS, currency),
        "values": values or {"amount": _plain(max(0, report.available_cents))},
        "key": new_key(),
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
            amount_cents=amount_from(request),
            currency=settings.CURRENCY,
            key=request.POST.get("key", ""),
        )
    except AssayError as error:
        status = refuse(request, error)
        return _earnings_page(
            request, values={"amount": request.POST.get("amount", "")}, status=status
        )
    amount = money_text(payout.amount_cents, payout.currency)
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
            "pay": money_text(j.pay_cents, project.currency) if j.funded else "not yet funded",
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
        "figures": [(label, money_text(cents, currency), key) for label, cents, key in figures],
        "awaiting": _submission_rows(project, Judgment.Status.SUBMITTED),
        "rejected": _submission_rows(project, Judgment.Status.REJECTED),
        "reasons": [
            (code, text, code in UNPAID_REASONS)
            for code, text in approvals.REJECTION_REASONS.items()
        ],
        "pseudonyms": pseudonyms,
        "values": values or {},
        "key": new_key(),
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
        status = refuse(request, error)
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
        amount = amount_from(request)
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
        status = refuse(request, error)
        return _spend_page(request, project, values=form | {"action": "bonus"}, status=status)
    money = money_text(amount, project.currency)
    messages.success(
        request,
        f"Bonus of {money} paid to {form['expert']}." if new else "That bonus was already paid.",
    )
    return redirect("project-spend", project_id=project.id)
