"""The operators' pay page: platform pay figures, deposits, payout runs and batches."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay import ledger_reports
from assay.access import access_organization_for_operator, access_payout_batch_for_operator
from assay.actions import approvals, ledger, payouts
from assay.errors import AssayError, InvalidInput, NotFound
from assay.models import Organization, PayoutBatch, User
from assay.web.money import amount_from, money_text, new_key, percent, refuse
from assay.web.util import member_view, operator_of

FAILED_NOTE = "The payment provider reported the transfer failed."


def _batches() -> list[dict[str, object]]:
    batches = PayoutBatch.objects.prefetch_related("payouts").order_by("-created_at", "-id")
    rows = []
    for batch in batches[:50]:
        items = list(batch.payouts.all())
        rows.append(
            {
                "batch": batch,
                "payouts": items,
                "total": money_text(sum(p.amount_cents for p in items), batch.currency),
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
            "—" if row.median_rate_cents is None else money_text(row.median_rate_cents, currency),
            percent(row.unpaid_share),
        )
        for row in report.by_domain
    ]
    context = {
        "currency": currency,
        "totals": [(label, money_text(cents, currency)) for label, cents in totals],
        "domains": domains,
        "unpaid_share": percent(report.unpaid_share),
        "organizations": Organization.objects.order_by("name"),
        "batches": _batches(),
        "minimum": money_text(settings.PAYOUT_MINIMUM_CENTS, currency),
        "values": values or {},
        "key": new_key(),
    }
    return render(request, "assay/money/ops_pay.html", context, status=status)


@member_view
def ops_pay(request: HttpRequest) -> HttpResponse:
    operator_of(request)
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
    money = money_text(amount, settings.CURRENCY)
    extra = f" {funded} submission(s) waiting for money were funded." if funded else ""
    return f"Deposit of {money} into {where} recorded.{extra}"


@member_view
@require_POST
def ops_deposit(request: HttpRequest) -> HttpResponse:
    user = operator_of(request)
    form = {name: request.POST.get(name, "") for name in ("to", "amount", "reference", "key")}
    try:
        done = _deposit(user, form, amount_from(request))
    except AssayError as error:
        status = refuse(request, error)
        return _ops_page(request, values=form, status=status)
    messages.success(request, done)
    return redirect("ops-pay")


@member_view
@require_POST
def ops_run_payouts(request: HttpRequest) -> HttpResponse:
    batches = payouts.run_payouts(actor=operator_of(request))
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
    user = operator_of(request)
    batch = access_payout_batch_for_operator(user, batch_id)
    try:
        failed = _failed_ids(request.POST.get("failed", ""))
        paid, returned = payouts.confirm_batch(actor=user, batch_id=batch.id, failed=failed)
    except AssayError as error:
        status = refuse(request, error)
        return _ops_page(request, status=status)
    messages.success(
        request, f"Batch {batch.id} confirmed: {paid} paid, {returned} returned to balances."
    )
    return redirect("ops-pay")


@member_view
def ops_batch_file(request: HttpRequest, batch_id: int) -> FileResponse:
    batch = access_payout_batch_for_operator(operator_of(request), batch_id)
    path = payouts.batch_path(batch)
    if not batch.file_name or not path.is_file():
        raise NotFound("This batch's file is not on this server.", code="batch_file_missing")
    return FileResponse(path.open("rb"), as_attachment=True, filename=batch.file_name)
