"""Money over the API: earnings and payouts for experts, spend, approvals, rejections and
bonuses for requesters, deposits and the platform pay picture for operators.

Amounts are integer cents everywhere; anything else is refused before a row is touched.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status

from assay.access import (
    access_expert_by_pseudonym,
    access_judgment_for_requester,
    access_organization_by_id,
    access_organization_for_operator,
    access_project_for_requester,
    require_expert,
    require_operator,
    require_requester,
)
from assay.actions import approvals, ledger, payouts
from assay.api.auth import actor
from assay.domain.ledger import UNPAID_REASONS
from assay.errors import InvalidInput
from assay.ledger_reports import expert_earnings, platform_pay, project_spend
from assay.models import Judgment, Payout

router = Router(tags=["money"])
MAX_LIST = 200


class LineOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    label: str
    cause: str
    memo: str
    pending_cents: int
    available_cents: int


class WeekOut(Schema):
    week: str
    earned_cents: int


class EarningsOut(Schema):
    currency: str
    pending_cents: int
    available_cents: int
    in_transit_cents: int
    paid_out_cents: int
    earned_cents: int
    logged_seconds: int
    unpaid_seconds: int
    unpaid_share: float | None
    effective_hourly_rate_cents: int | None
    payout_minimum_cents: int
    weeks: list[WeekOut]
    transactions: list[LineOut]


@router.get("/me/earnings", response=EarningsOut)
def my_earnings(request: HttpRequest) -> EarningsOut:
    """Balances, effective hourly rate, unpaid share of logged time, weeks, transactions."""
    user = actor(request)
    require_expert(user)
    approvals.auto_approve_due(expert=user)
    e = expert_earnings(user, currency=settings.CURRENCY)
    return EarningsOut(
        currency=e.currency,
        pending_cents=e.pending_cents,
        available_cents=e.available_cents,
        in_transit_cents=e.in_transit_cents,
        paid_out_cents=e.paid_out_cents,
        earned_cents=e.earned_cents,
        logged_seconds=e.time.logged_seconds,
        unpaid_seconds=e.time.unpaid_seconds,
        unpaid_share=e.time.unpaid_share,
        effective_hourly_rate_cents=e.effective_rate_cents,
        payout_minimum_cents=settings.PAYOUT_MINIMUM_CENTS,
        weeks=[WeekOut(week=w, earned_cents=c) for w, c in e.weeks],
        transactions=[LineOut(**line.__dict__) for line in e.lines],
    )


class PayoutIn(Schema):
    amount_cents: int
    idempotency_key: str


class PayoutOut(Schema):
    id: int
    amount_cents: int
    currency: str
    status: str
    created_at: dt.datetime
    replayed: bool


def _payout_out(payout: Payout, replayed: bool) -> PayoutOut:
    return PayoutOut(
        id=payout.id,
        amount_cents=payout.amount_cents,
        currency=payout.currency,
        status=payout.status,
        created_at=payout.created_at,
        replayed=replayed,
    )


@router.post("/me/payouts", response={201: PayoutOut, 200: PayoutOut})
def request_payout(request: HttpRequest, payload: PayoutIn) -> Status[PayoutOut]:
    """Ask for part of the available balance; it goes out with the next payout batch."""
    user = actor(request)
    require_expert(user)
    payout, new = payouts.request_payout(
        expert=user,
        amount_cents=payload.amount_cents,
        currency=settings.CURRENCY,
        key=payload.idempotency_key,
    )
    return Status(201 if new else 200, _payout_out(payout, not new))


class SpendOut(Schema):
    currency: str
    status: str
    pause_reason: str
    organization_balance_cents: int
    escrow_cents: int
    committed_cents: int
    spent_cents: int
    fees_cents: int
    planned_cents: int
    forecast_to_finish_cents: int
    awaiting_approval: int
    unfunded: int


@router.get("/projects/{project_id}/spend", response=SpendOut)
def spend(request: HttpRequest, project_id: int) -> SpendOut:
    """Escrow, committed, spent, fees and the forecast to finish the project."""
    user = actor(request)
    require_requester(user)
    s = project_spend(access_project_for_requester(user, project_id))
    return SpendOut(**s.__dict__)


class SubmissionOut(Schema):
    id: int
    item_external_id: str
    expert: str
    choice: str
    rationale: str
    status: str
    funded: bool
    pay_cents: int
    reason_code: str
    decision_note: str
    created_at: dt.datetime
    decided_at: dt.datetime | None


def _submission(j: Judgment) -> SubmissionOut:
    profile = getattr(j.expert, "expert_profile", None)
    return SubmissionOut(
        id=j.id,
        item_external_id=j.item.external_id,
        expert=profile.pseudonym if profile else "",
        choice=j.choice,
        rationale=j.rationale,
        status=j.status,
        funded=j.funded,
        pay_cents=j.pay_cents,
        reason_code=j.reason_code,
        decision_note=j.decision_note,
        created_at=j.created_at,
        decided_at=j.decided_at,
    )


@router.get("/projects/{project_id}/submissions", response=list[SubmissionOut])
def submissions(
    request: HttpRequest, project_id: int, status: str = "submitted", after_id: int = 0
) -> list[SubmissionOut]:
    """Submissions by status, oldest first, 200 at a time (page with after_id)."""
    user = actor(request)
    require_requester(user)
    project = access_project_for_requester(user, project_id)
    if status not in Judgment.Status.values:
        raise InvalidInput("status is submitted, approved or rejected.", code="invalid_status")
    rows = (
        Judgment.objects.filter(project=project, status=status, id__gt=after_id)
        .select_related("item", "expert__expert_profile")
        .order_by("id")[:MAX_LIST]
    )
    return [_submission(j) for j in rows]


class RejectIn(Schema):
    reason_code: str
    note: str


class NoteIn(Schema):
    note: str


class DecisionOut(Schema):
    submission: SubmissionOut
    replayed: bool


def _decided(judgment_id: int, new: bool) -> DecisionOut:
    j = Judgment.objects.select_related("item", "expert__expert_profile").get(id=judgment_id)
    return DecisionOut(submission=_submission(j), replayed=not new)


@router.post("/submissions/{judgment_id}/approve", response=DecisionOut)
def approve(request: HttpRequest, judgment_id: int) -> DecisionOut:
    user = actor(request)
    require_requester(user)
    judgment = access_judgment_for_requester(user, judgment_id)
    _, new = approvals.approve(judgment_id=judgment.id, actor=user)
    return _decided(judgment.id, new)


@router.post("/submissions/{judgment_id}/reject", response=DecisionOut)
def reject(request: HttpRequest, judgment_id: int, payload: RejectIn) -> DecisionOut:
    """Reject with a code from GET /rejection-reasons and a note the expert sees."""
    user = actor(request)
    require_requester(user)
    judgment = access_judgment_for_requester(user, judgment_id)
    _, new = approvals.reject(
        judgment_id=judgment.id, actor=user, reason_code=payload.reason_code, note=payload.note
    )
    return _decided(judgment.id, new)


@router.post("/submissions/{judgment_id}/reverse", response=DecisionOut)
def reverse(request: HttpRequest, judgment_id: int, payload: NoteIn) -> DecisionOut:
    """Turn a rejection into an approval; withheld pay is paid."""
    user = actor(request)
    require_requester(user)
    judgment = access_judgment_for_requester(user, judgment_id)
    _, new = approvals.reverse_rejection(judgment_id=judgment.id, actor=user, note=payload.note)
    return _decided(judgment.id, new)


class ReasonOut(Schema):
    code: str
    description: str
    withholds_pay: bool


@router.get("/rejection-reasons", response=list[ReasonOut], auth=None)
def rejection_reasons(request: HttpRequest) -> list[ReasonOut]:
    """The closed list every rejection picks from, and which codes withhold pay."""
    return [
        ReasonOut(code=code, description=text, withholds_pay=code in UNPAID_REASONS)
        for code, text in approvals.REJECTION_REASONS.items()
    ]


class BonusIn(Schema):
    expert: str
    amount_cents: int
    reason: str
    idempotency_key: str


class BonusOut(Schema):
    transaction_id: int
    amount_cents: int
    currency: str
    replayed: bool


@router.post("/projects/{project_id}/bonuses", response={201: BonusOut, 200: BonusOut})
def bonus(request: HttpRequest, project_id: int, payload: BonusIn) -> Status[BonusOut]:
    """A bonus to an expert (by pseudonym) who worked on the project, with a reason."""
    user = actor(request)
    require_requester(user)
    project = access_project_for_requester(user, project_id)
    expert = access_expert_by_pseudonym(user, payload.expert)
    tx, new = approvals.bonus(
        actor=user,
        project=project,
        expert=expert,
        amount_cents=payload.amount_cents,
        reason=payload.reason,
        key=payload.idempotency_key,
    )
    out = BonusOut(
        transaction_id=tx.id,
        amount_cents=payload.amount_cents,
        currency=tx.currency,
        replayed=not new,
    )
    return Status(201 if new else 200, out)


class BalanceOut(Schema):
    organization_id: int
    currency: str
    balance_cents: int


@router.get("/organizations/{organization_id}/balance", response=BalanceOut)
def organization_balance(request: HttpRequest, organization_id: int) -> BalanceOut:
    user = actor(request)
    require_requester(user)
    organization = access_organization_by_id(user, organization_id)
    cents = ledger.balance(
        ledger.Kind.ORGANIZATION, settings.CURRENCY, ledger.Owner(organization_id=organization.id)
    )
    return BalanceOut(
        organization_id=organization.id, currency=settings.CURRENCY, balance_cents=cents
    )


class DepositIn(Schema):
    organization_id: int | None = None
    amount_cents: int
    currency: str
    idempotency_key: str
    reference: str = ""


class DepositOut(Schema):
    transaction_id: int
    amount_cents: int
    currency: str
    replayed: bool
    settled_submissions: int


@router.post("/operator/deposits", response={201: DepositOut, 200: DepositOut})
def deposit(request: HttpRequest, payload: DepositIn) -> Status[DepositOut]:
    """Record money received (manual provider): into an organization, or platform funds."""
    user = actor(request)
    require_operator(user)
    organization = None
    if payload.organization_id is not None:
        organization = access_organization_for_operator(user, payload.organization_id)
    tx, new = ledger.deposit(
        actor=user,
        organization=organization,
        amount_cents=payload.amount_cents,
        currency=payload.currency,
        key=payload.idempotency_key,
        reference=payload.reference,
    )
    settled = approvals.after_deposit(organization.id) if organization and new else 0
    out = DepositOut(
        transaction_id=tx.id,
        amount_cents=payload.amount_cents,
        currency=tx.currency,
        replayed=not new,
        settled_submissions=settled,
    )
    return Status(201 if new else 200, out)


class DomainRateOut(Schema):
    domain: str
    experts: int
    median_hourly_rate_cents: int | None
    unpaid_share: float | None


class PlatformPayOut(Schema):
    currency: str
    unpaid_share: float | None
    pending_cents: int
    available_cents: int
    in_transit_cents: int
    platform_funds_cents: int
    fees_cents: int
    by_domain: list[DomainRateOut]


@router.get("/operator/pay", response=PlatformPayOut)
def operator_pay(request: HttpRequest) -> PlatformPayOut:
    """Median effective hourly rate per domain, unpaid share, payments outstanding."""
    user = actor(request)
    require_operator(user)
    p = platform_pay(settings.CURRENCY)
    return PlatformPayOut(
        currency=p.currency,
        unpaid_share=p.unpaid_share,
        pending_cents=p.pending_cents,
        available_cents=p.available_cents,
        in_transit_cents=p.in_transit_cents,
        platform_funds_cents=p.platform_funds_cents,
        fees_cents=p.fees_cents,
        by_domain=[
            DomainRateOut(
                domain=d.domain,
                experts=d.experts,
                median_hourly_rate_cents=d.median_rate_cents,
                unpaid_share=d.unpaid_share,
            )
            for d in p.by_domain
        ],
    )
