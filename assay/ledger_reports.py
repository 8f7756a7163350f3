"""What the ledger means to each side: an expert's earnings and effective hourly rate, a
requester's spend on a project, and the platform-wide pay picture for operators.

Effective hourly rate = everything an expert was paid / all the time they logged, where
logged time counts every submission (rejected ones too), every qualification attempt, and
every task they took and gave back. Time that earned nothing (returned or expired tasks,
submissions whose pay was withheld) is the unpaid share.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum

from assay.actions import ledger
from assay.actions.ledger import Kind, Owner, TxKind
from assay.domain.ledger import UNPAID_REASONS, effective_rate_cents
from assay.models import Account, Attempt, Entry, Judgment, Lease, Project, Transaction, User

EARNING_KINDS = (
    TxKind.COMMIT,
    TxKind.TOPUP,
    TxKind.BONUS,
    TxKind.QUALIFICATION,
    TxKind.REVIEW,
    TxKind.REVERSAL,
    TxKind.WITHHELD,
)
EXPERT_KINDS = (Kind.PENDING, Kind.AVAILABLE)


@dataclass(frozen=True)
class Line:
    """One transaction as the expert sees it: what moved in their balances, and why."""

    id: int
    at: dt.datetime
    kind: str
    label: str
    cause: str
    memo: str
    pending_cents: int
    available_cents: int
    currency: str


@dataclass(frozen=True)
class TimeLog:
    logged_seconds: int
    unpaid_seconds: int

    @property
    def unpaid_share(self) -> float | None:
        return self.unpaid_seconds / self.logged_seconds if self.logged_seconds else None


@dataclass(frozen=True)
class Earnings:
    currency: str
    pending_cents: int
    available_cents: int
    in_transit_cents: int
    paid_out_cents: int
    earned_cents: int
    time: TimeLog
    effective_rate_cents: int | None
    weeks: list[tuple[str, int]]
    lines: list[Line] = field(default_factory=list)


def _cause(tx: Transaction) -> str:
    if tx.judgment_id:
        name = tx.project.name if tx.project else "a project"
        return f"Submission #{tx.judgment_id} in {name}"
    if tx.attempt_id:
        return "Qualification test attempt" + (f" for {tx.project.name}" if tx.project else "")
    if tx.review_id:
        return f"Review in {tx.project.name}" if tx.project else "Review"
    if tx.payout_id:
        return f"Payout #{tx.payout_id}"
    if tx.kind == TxKind.BONUS and tx.project:
        return f"Bonus from {tx.project.name}"
    return tx.get_kind_display()


def expert_time(expert: User) -> TimeLog:
    """Logged and unpaid seconds: submissions, test attempts, tasks given back."""
    judgments = Judgment.objects.filter(expert=expert)
    submitted = judgments.aggregate(s=Sum("duration_seconds"))["s"] or 0
    withheld = (
        judgments.filter(
            status=Judgment.Status.REJECTED, reason_code__in=list(UNPAID_REASONS)
        ).aggregate(s=Sum("duration_seconds"))["s"]
        or 0
    )
    tests = 0
    for started, ended in Attempt.objects.filter(
        expert=expert, submitted_at__isnull=False
    ).values_list("started_at", "submitted_at"):
        if ended is not None:
            tests += max(0, int((ended - started).total_seconds()))
    returned = 0
    for state, created, closed, minutes in Lease.objects.filter(
        expert=expert, state__in=[Lease.State.RELEASED, Lease.State.EXPIRED]
    ).values_list("state", "created_at", "closed_at", "project__estimated_minutes"):
        if state == Lease.State.RELEASED and closed is not None:
            returned += max(0, int((closed - created).total_seconds()))
        else:
            # Nobody knows how long an abandoned task was worked on: count its estimate.
            returned += minutes * 60
    return TimeLog(submitted + tests + returned, withheld + returned)


def earned_cents(entries: QuerySet[Entry]) -> int:
    total = entries.filter(
        account__kind__in=EXPERT_KINDS, transaction__kind__in=EARNING_KINDS
    ).aggregate(s=Sum("amount_cents"))["s"]
    return int(total or 0)


def expert_earnings(expert: User, *, currency: str, limit: int = 200) -> Earnings:
    owner = Owner(expert_id=expert.id)
    entries = Entry.objects.filter(account__owner_key=owner.key, account__currency=currency)
    earned = earned_cents(entries)
    paid_out = (
        entries.filter(
            account__kind=Kind.IN_TRANSIT, transaction__kind=TxKind.PAYOUT_PAID
        ).aggregate(s=Sum("amount_cents"))["s"]
        or 0
    )
    weeks: dict[str, int] = defaultdict(int)
    for at, amount in entries.filter(
        account__kind__in=EXPERT_KINDS, transaction__kind__in=EARNING_KINDS
    ).values_list("transaction__created_at", "amount_cents"):
        year, week, _ = at.isocalendar()
        weeks[f"{year}-W{week:02d}"] += amount
    lines: list[Line] = []
    transactions = (
        Transaction.objects.filter(entries__account__owner_key=owner.key, currency=currency)
        .distinct()
        .select_related("project")
        .order_by("-created_at", "-id")[:limit]
    )
    moved: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for tx_id, kind, amount in entries.filter(
        transaction_id__in=[t.id for t in transactions]
    ).values_list("transaction_id", "account__kind", "amount_cents"):
        moved[tx_id][kind] += amount
    for tx in transactions:
        lines.append(
            Line(
                id=tx.id,
                at=tx.created_at,
                kind=tx.kind,
                label=tx.get_kind_display(),
                cause=_cause(tx),
                memo=tx.memo,
                pending_cents=moved[tx.id][Kind.PENDING],
                available_cents=moved[tx.id][Kind.AVAILABLE],
                currency=tx.currency,
            )
        )
    time = expert_time(expert)
    return Earnings(
        currency=currency,
        pending_cents=ledger.balance(Kind.PENDING, currency, owner),
        available_cents=ledger.balance(Kind.AVAILABLE, currency, owner),
        in_transit_cents=ledger.balance(Kind.IN_TRANSIT, currency, owner),
        paid_out_cents=int(paid_out) * -1,
        earned_cents=earned,
        time=time,
        effective_rate_cents=effective_rate_cents(earned, time.logged_seconds),
        weeks=sorted(weeks.items(), reverse=True),
        lines=lines,
    )


# Requesters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Spend:
    currency: str
    organization_balance_cents: int
    escrow_cents: int
    committed_cents: int
    spent_cents: int
    fees_cents: int
    planned_cents: int
    forecast_to_finish_cents: int
    awaiting_approval: int
    unfunded: int
    status: str
    pause_reason: str


def project_spend(project: Project) -> Spend:
    """Escrow held; pay set aside for submissions awaiting approval (committed); pay
    released to experts (spent); fees; and what finishing the plan would still cost."""
    currency = project.currency
    judgments = Judgment.objects.filter(project=project)
    committed = (
        judgments.filter(status=Judgment.Status.SUBMITTED, funded=True).aggregate(
            s=Sum("pay_cents")
        )["s"]
        or 0
    )
    released = Entry.objects.filter(
        transaction__project=project,
        account__kind__in=EXPERT_KINDS,
        transaction__kind__in=[
            TxKind.APPROVAL,
            TxKind.REVERSAL,
            TxKind.REVIEW,
            TxKind.BONUS,
            TxKind.TOPUP,
        ],
        amount_cents__gt=0,
    ).filter(~Q(transaction__kind=TxKind.TOPUP) | Q(account__kind=Kind.AVAILABLE))
    spent = released.aggregate(s=Sum("amount_cents"))["s"] or 0
    fees = ledger.balance(Kind.FEES, currency, Owner(project_id=project.id))
    plan = ledger.plan_for(project)
    escrow = ledger.balance(Kind.ESCROW, currency, Owner(project_id=project.id))
    consumed = ledger.escrow_consumed(project)
    return Spend(
        currency=currency,
        organization_balance_cents=ledger.balance(
            Kind.ORGANIZATION, currency, Owner(organization_id=project.organization_id)
        ),
        escrow_cents=escrow,
        committed_cents=int(committed),
        spent_cents=int(spent),
        fees_cents=fees,
        planned_cents=plan.total_cents,
        forecast_to_finish_cents=max(0, plan.total_cents - consumed),
        awaiting_approval=judgments.filter(status=Judgment.Status.SUBMITTED).count(),
        unfunded=judgments.filter(funded=False).count(),
        status=project.status,
        pause_reason=project.pause_reason,
    )


# Operators ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainRate:
    domain: str
    experts: int
    median_rate_cents: int | None
    unpaid_share: float | None


@dataclass(frozen=True)
class PlatformPay:
    currency: str
    by_domain: list[DomainRate]
    unpaid_share: float | None
    pending_cents: int
    available_cents: int
    in_transit_cents: int
    platform_funds_cents: int
    fees_cents: int


def platform_pay(currency: str) -> PlatformPay:
    """Median effective hourly rate per domain (over experts who worked in it) and the
    unpaid share of logged task time, from submissions and returned tasks."""
    earned: dict[tuple[str, int], int] = defaultdict(int)
    for domain, expert_id, amount in Entry.objects.filter(
        account__kind__in=EXPERT_KINDS,
        account__currency=currency,
        transaction__kind__in=EARNING_KINDS,
        transaction__project__isnull=False,
        transaction__expert__isnull=False,
    ).values_list("transaction__project__domain__slug", "transaction__expert_id", "amount_cents"):
        earned[(domain or "general", expert_id)] += amount
    logged: dict[tuple[str, int], int] = defaultdict(int)
    unpaid: dict[tuple[str, int], int] = defaultdict(int)
    for domain, expert_id, seconds, status, reason in Judgment.objects.filter(
        project__currency=currency
    ).values_list(
        "project__domain__slug", "expert_id", "duration_seconds", "status", "reason_code"
    ):
        key = (domain or "general", expert_id)
        logged[key] += seconds
        if status == Judgment.Status.REJECTED and reason in UNPAID_REASONS:
            unpaid[key] += seconds
    for domain, expert_id, state, created, closed, minutes in Lease.objects.filter(
        project__currency=currency, state__in=[Lease.State.RELEASED, Lease.State.EXPIRED]
    ).values_list(
        "project__domain__slug",
        "expert_id",
        "state",
        "created_at",
        "closed_at",
        "project__estimated_minutes",
    ):
        key = (domain or "general", expert_id)
        spent = (
            max(0, int((closed - created).total_seconds()))
            if state == Lease.State.RELEASED and closed is not None
            else minutes * 60
        )
        logged[key] += spent
        unpaid[key] += spent
    domains = sorted({d for d, _ in logged} | {d for d, _ in earned})
    rows = []
    for domain in domains:
        keys = [k for k in logged if k[0] == domain and logged[k] > 0]
        rates = [earned[k] * 3600 // logged[k] for k in keys]
        total = sum(logged[k] for k in keys)
        rows.append(
            DomainRate(
                domain=domain,
                experts=len(keys),
                median_rate_cents=int(statistics.median(rates)) if rates else None,
                unpaid_share=sum(unpaid[k] for k in keys) / total if total else None,
            )
        )
    all_logged = sum(logged.values())

    def total_of(kind: str) -> int:
        value = Account.objects.filter(kind=kind, currency=currency).aggregate(
            s=Sum("balance_cents")
        )["s"]
        return int(value or 0)

    return PlatformPay(
        currency=currency,
        by_domain=rows,
        unpaid_share=sum(unpaid.values()) / all_logged if all_logged else None,
        pending_cents=total_of(Kind.PENDING),
        available_cents=total_of(Kind.AVAILABLE),
        in_transit_cents=total_of(Kind.IN_TRANSIT),
        platform_funds_cents=total_of(Kind.PLATFORM),
        fees_cents=total_of(Kind.FEES),
    )
