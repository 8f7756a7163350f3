"""Approving, rejecting and reversing submissions, bonuses, and the pay-floor top-up.

Pay for a submission is set aside when it is submitted (``ledger.commit_submission``);
approval only moves it from the expert's pending balance to their available balance, so
approval can never fail for lack of funds. A rejection keeps the pay unless its reason
code is one of the few that withhold it (``domain.ledger.UNPAID_REASONS``); a reversal
pays back through a normal transaction.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from assay import audit, clock
from assay.actions import ledger
from assay.actions.alerts import notify
from assay.actions.governance import record_rejection
from assay.actions.ledger import Kind, Owner, TxKind
from assay.domain.ledger import UNPAID_REASONS, fee_cents, topped_up_price
from assay.domain.pay import format_money
from assay.domain.reviews import MAX_NOTE_CHARS, REASONS
from assay.errors import Conflict, InvalidInput
from assay.models import Decision, Entry, Judgment, Project, Transaction, User

# Every code a rejection may use, and what it means; reviewers (other experts) may only
# use the paid ones, requesters and operators any of them.
REJECTION_REASONS: dict[str, str] = {**REASONS, **UNPAID_REASONS}
REVERSAL_DAYS = 30


def _locked(judgment_id: int) -> Judgment:
    return Judgment.objects.select_for_update().select_related("project").get(id=judgment_id)


def _release_legs(judgment: Judgment) -> list[ledger.Leg]:
    currency = judgment.project.currency
    owner = Owner(expert_id=judgment.expert_id)
    return [
        ((Kind.PENDING, currency, owner), -judgment.pay_cents),
        ((Kind.AVAILABLE, currency, owner), judgment.pay_cents),
    ]


def approve(*, judgment_id: int, actor: User | None) -> tuple[Judgment, bool]:
    """Approve a submission (actor None: automatic approval after the window)."""
    with transaction.atomic():
        judgment = _locked(judgment_id)
        if judgment.status == Judgment.Status.APPROVED:
            return judgment, False
        if judgment.status == Judgment.Status.REJECTED:
            raise Conflict(
                "This submission was rejected; reverse the rejection instead.",
                code="already_rejected",
            )
        if not judgment.funded:
            raise Conflict(
                "This submission's pay has not been set aside yet; fund the organization.",
                code="not_funded",
            )
        ledger.post(
            kind=TxKind.APPROVAL,
            currency=judgment.project.currency,
            key=f"approval:{judgment.id}",
            payload={"judgment": judgment.id},
            legs=_release_legs(judgment),
            actor=actor,
            memo="approved automatically" if actor is None else "approved",
            project=judgment.project,
            expert_id=judgment.expert_id,
            judgment=judgment,
        )
        judgment.status = Judgment.Status.APPROVED
        judgment.decided_at = clock.now()
        judgment.decided_by = actor
        judgment.save(update_fields=["status", "decided_at", "decided_by"])
        audit.record("submission.approve", judgment, actor=actor, automatic=actor is None)
    return judgment, True


def _fees_of(judgment: Judgment) -> int:
    total = Entry.objects.filter(
        transaction__judgment=judgment,
        account__kind=Kind.FEES,
    ).aggregate(s=Sum("amount_cents"))["s"]
    return int(total or 0)


def reject(
    *, judgment_id: int, actor: User, reason_code: str, note: str, by_reviewer: bool = False
) -> tuple[Judgment, bool]:
    """Reject with a code from the closed list and a note the expert sees."""
    allowed = REASONS if by_reviewer else REJECTION_REASONS
    problems: dict[str, str] = {}
    if reason_code not in allowed:
        problems["reason_code"] = "choose a reason from the list"
    if not note.strip() or len(note) > MAX_NOTE_CHARS:
        problems["note"] = f"explain the rejection in 1 to {MAX_NOTE_CHARS:,} characters"
    if problems:
        raise InvalidInput(
            "A rejection needs a reason code and a note.",
            code="invalid_rejection",
            details=[{"field": k, "message": v} for k, v in problems.items()],
        )
    with transaction.atomic():
        judgment = _locked(judgment_id)
        if judgment.status == Judgment.Status.REJECTED and judgment.reason_code == reason_code:
            return judgment, False
        if judgment.status != Judgment.Status.SUBMITTED:
            raise Conflict("This submission was already decided.", code="already_decided")
        if not judgment.funded:
            raise Conflict(
                "This submission's pay has not been set aside yet; fund the organization.",
                code="not_funded",
            )
        project = judgment.project
        if reason_code in UNPAID_REASONS:
            fee = _fees_of(judgment)
            escrow = (Kind.ESCROW, project.currency, Owner(project_id=project.id))
            ledger.post(
                kind=TxKind.WITHHELD,
                currency=project.currency,
                key=f"withheld:{judgment.id}",
                payload={"judgment": judgment.id, "reason": reason_code},
                legs=[
                    (
                        (Kind.PENDING, project.currency, Owner(expert_id=judgment.expert_id)),
                        -judgment.pay_cents,
                    ),
                    ((Kind.FEES, project.currency, Owner(project_id=project.id)), -fee),
                    (escrow, judgment.pay_cents + fee),
                ],
                actor=actor,
                memo=f"{reason_code}: {note.strip()}"[: ledger.MAX_MEMO_CHARS],
                project=project,
                expert_id=judgment.expert_id,
                judgment=judgment,
            )
        else:
            ledger.post(
                kind=TxKind.APPROVAL,
                currency=project.currency,
                key=f"approval:{judgment.id}",
                payload={"judgment": judgment.id},
                legs=_release_legs(judgment),
                actor=actor,
                memo=f"rejected as {reason_code}, paid all the same",
                project=project,
                expert_id=judgment.expert_id,
                judgment=judgment,
            )
        judgment.status = Judgment.Status.REJECTED
        judgment.reason_code = reason_code
        judgment.decision_note = note.strip()
        judgment.decided_at = clock.now()
        judgment.decided_by = actor
        judgment.save(
            update_fields=["status", "reason_code", "decision_note", "decided_at", "decided_by"]
        )
        record_rejection(judgment, actor=actor, reason_code=reason_code, note=note)
        withheld = reason_code in UNPAID_REASONS
        notify(
            judgment.expert_id,
            kind="rejection",
            key=f"rejection:{judgment.id}",
            title=f"A submission in {project.name} was rejected",
            body=(
                f"Reason: {REJECTION_REASONS[reason_code]} Note: {note.strip()} "
                + (
                    "This reason withholds pay. "
                    if withheld
                    else "You are paid for this submission all the same. "
                )
                + "You can ask for the decision to be reviewed."
            ),
            url="/earnings/",
        )
    return judgment, True


def reverse_rejection(*, judgment_id: int, actor: User, note: str) -> tuple[Judgment, bool]:
    """Turn a rejection into an approval; withheld pay is paid through a new transaction."""
    if not note.strip() or len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(
            f"Say why the rejection is reversed (1 to {MAX_NOTE_CHARS:,} characters).",
            code="invalid_reversal",
        )
    with transaction.atomic():
        judgment = _locked(judgment_id)
        if judgment.status == Judgment.Status.APPROVED:
            return judgment, False
        if judgment.status != Judgment.Status.REJECTED:
            raise Conflict("Only a rejected submission can be reversed.", code="not_rejected")
        project = judgment.project
        if judgment.reason_code in UNPAID_REASONS:
            pay = judgment.pay_cents
            fee = fee_cents(pay, ledger.fee_basis_points())
            escrow = (Kind.ESCROW, project.currency, Owner(project_id=project.id))
            if ledger.balance(*escrow) < pay + fee:
                ledger.top_up_for(project, pay + fee)
            ledger.post(
                kind=TxKind.REVERSAL,
                currency=project.currency,
                key=f"reversal:{judgment.id}",
                payload={"judgment": judgment.id},
                legs=[
                    (escrow, -(pay + fee)),
                    ((Kind.AVAILABLE, project.currency, Owner(expert_id=judgment.expert_id)), pay),
                    ((Kind.FEES, project.currency, Owner(project_id=project.id)), fee),
                ],
                actor=actor,
                memo=note.strip()[: ledger.MAX_MEMO_CHARS],
                project=project,
                expert_id=judgment.expert_id,
                judgment=judgment,
            )
        judgment.status = Judgment.Status.APPROVED
        judgment.decision_note = f"Rejection reversed: {note.strip()}"[:MAX_NOTE_CHARS]
        judgment.decided_at = clock.now()
        judgment.decided_by = actor
        judgment.save(update_fields=["status", "decision_note", "decided_at", "decided_by"])
        Decision.objects.filter(
            judgment=judgment, kind="reject", status=Decision.Status.IN_EFFECT
        ).update(status=Decision.Status.REVERSED, closed_at=clock.now())
        audit.record("submission.reverse", judgment, actor=actor, note=note.strip())
        notify(
            judgment.expert_id,
            kind="reversal",
            key=f"reversal:{judgment.id}",
            title=f"A rejection in {project.name} was reversed",
            body=f"The submission now counts as approved. {note.strip()}",
            url="/earnings/",
        )
    return judgment, True


def auto_approve_due(*, now: dt.datetime | None = None, expert: User | None = None) -> int:
    """Approve every funded submission older than the approval window."""
    cutoff = (now or clock.now()) - dt.timedelta(days=settings.AUTO_APPROVE_DAYS)
    due = Judgment.objects.filter(
        status=Judgment.Status.SUBMITTED, funded=True, created_at__lte=cutoff
    )
    if expert is not None:
        due = due.filter(expert=expert)
    approved = 0
    for judgment_id in due.order_by("id").values_list("id", flat=True)[:10_000]:
        _, new = approve(judgment_id=judgment_id, actor=None)
        approved += int(new)
    return approved


# Bonuses -----------------------------------------------------------------------------


def bonus(
    *,
    actor: User,
    project: Project,
    expert: User,
    amount_cents: int,
    reason: str,
    key: str,
) -> tuple[Transaction, bool]:
    """A bonus from the organization's balance, with a reason the expert sees."""
    amount = ledger.check_amount(amount_cents)
    ledger.check_key(key)
    if not reason.strip() or len(reason) > MAX_NOTE_CHARS:
        raise InvalidInput(
            f"Give the expert a reason for the bonus (1 to {MAX_NOTE_CHARS:,} characters).",
            code="invalid_bonus",
        )
    if not Judgment.objects.filter(project=project, expert=expert).exists():
        raise InvalidInput(
            "Bonuses go to experts who worked on this project.", code="invalid_bonus"
        )
    fee = fee_cents(amount, ledger.fee_basis_points())
    currency = project.currency
    with transaction.atomic():
        tx, new = _post_bonus(actor, project, expert, amount, fee, reason, key)
        if new:
            audit.record("money.bonus", tx, actor=actor, expert=expert.id, amount_cents=amount)
    if new:
        notify(
            expert.id,
            kind="bonus",
            key=f"bonus:{tx.id}",
            title=f"A bonus of {format_money(amount, currency)} from {project.name}",
            body=reason.strip(),
            url="/earnings/",
        )
    return tx, new


def _post_bonus(
    actor: User, project: Project, expert: User, amount: int, fee: int, reason: str, key: str
) -> tuple[Transaction, bool]:
    currency = project.currency
    return ledger.post(
        kind=TxKind.BONUS,
        currency=currency,
        key=f"bonus:{project.id}:{key}",
        payload={"expert": expert.id, "amount": amount, "reason": reason.strip()},
        legs=[
            (
                (Kind.ORGANIZATION, currency, Owner(organization_id=project.organization_id)),
                -(amount + fee),
            ),
            ((Kind.AVAILABLE, currency, Owner(expert_id=expert.id)), amount),
            ((Kind.FEES, currency, Owner(project_id=project.id)), fee),
        ],
        actor=actor,
        memo=reason.strip(),
        project=project,
        organization_id=project.organization_id,
        expert_id=expert.id,
    )


# The pay floor, checked against real times ----------------------------------------------


def check_pay_floor(project: Project) -> int | None:
    """Raise a per-task price that real times show to be under the floor.

    Once the project has enough submissions, the median real time sets the price the
    floor calls for. If that is above the current price, the price rises for the rest of
    the project and every submission already made (awaiting approval, approved, or
    rejected but paid) is topped up to it; the requester and the experts are told. If
    the organization cannot fund that, the project pauses until it can. Returns the new
    price, or None when nothing changed.
    """
    if project.pay_mode != Project.PayMode.TASK:
        return None
    durations = list(
        Judgment.objects.filter(project=project).values_list("duration_seconds", flat=True)
    )
    if len(durations) < settings.TOPUP_AFTER_SUBMISSIONS:
        return None
    price = topped_up_price(
        pay_cents=project.pay_cents,
        durations_seconds=durations,
        floor_cents_per_hour=settings.PAY_FLOOR_CENTS_PER_HOUR,
    )
    if price is None:
        return None
    try:
        with transaction.atomic():
            locked = Project.objects.select_for_update().get(id=project.id)
            if locked.pay_cents >= price:
                return None
            old = locked.pay_cents
            locked.pay_cents = price
            locked.save(update_fields=["pay_cents"])
            ledger.ensure_escrow(locked, actor=None)
            topped = _top_up_all(locked, price)
    except ledger.InsufficientFunds as short:
        _pause_for_topup(project, price, short.message)
        return None
    _announce_topup(project, old, price, topped)
    return price


def _top_up_all(project: Project, price: int) -> list[int]:
    currency = project.currency
    expert_ids: set[int] = set()
    for judgment in Judgment.objects.select_for_update().filter(
        project=project, funded=True, pay_cents__lt=price
    ):
        if judgment.status == Judgment.Status.REJECTED and judgment.reason_code in UNPAID_REASONS:
            continue
        delta = price - judgment.pay_cents
        fee = fee_cents(delta, ledger.fee_basis_points())
        target = Kind.PENDING if judgment.status == Judgment.Status.SUBMITTED else Kind.AVAILABLE
        ledger.post(
            kind=TxKind.TOPUP,
            currency=currency,
            key=f"topup:{judgment.id}:{price}",
            payload={"judgment": judgment.id, "price": price},
            legs=[
                ((Kind.ESCROW, currency, Owner(project_id=project.id)), -(delta + fee)),
                ((target, currency, Owner(expert_id=judgment.expert_id)), delta),
                ((Kind.FEES, currency, Owner(project_id=project.id)), fee),
            ],
            memo=f"top-up to {format_money(price, currency)}: tasks took longer than estimated",
            project=project,
            expert_id=judgment.expert_id,
            judgment=judgment,
        )
        Judgment.objects.filter(id=judgment.id).update(pay_cents=price)
        expert_ids.add(judgment.expert_id)
    return sorted(expert_ids)


def _pause_for_topup(project: Project, price: int, why: str) -> None:
    reason = (
        f"Paused: real times show the pay must rise to {format_money(price, project.currency)} "
        f"a task to meet the pay floor, and the organization cannot fund it yet. {why}"
    )
    Project.objects.filter(id=project.id, status=Project.Status.PUBLISHED).update(
        status=Project.Status.PAUSED, pause_reason=reason
    )
    for user_id in User.objects.filter(
        membership__organization_id=project.organization_id
    ).values_list("id", flat=True):
        notify(
            user_id,
            kind="project_paused",
            key=f"topup-paused:{project.id}:{price}",
            title=f"{project.name} is paused: pay must rise to meet the floor",
            body=reason,
            url=f"/projects/{project.id}/spend/",
        )


def _announce_topup(project: Project, old: int, price: int, expert_ids: list[int]) -> None:
    money = f"{format_money(old, project.currency)} to {format_money(price, project.currency)}"
    for user_id in User.objects.filter(
        membership__organization_id=project.organization_id
    ).values_list("id", flat=True):
        notify(
            user_id,
            kind="topup",
            key=f"topup:{project.id}:{price}",
            title=f"Pay in {project.name} rose from {money}",
            body=(
                "Real times were longer than the estimate, so the task price rose to meet "
                "the pay floor; submissions already made were topped up from escrow."
            ),
            url=f"/projects/{project.id}/spend/",
        )
    for expert_id in expert_ids:
        notify(
            expert_id,
            kind="topup",
            key=f"topup:{project.id}:{price}",
            title=f"Pay in {project.name} rose from {money}",
            body=(
                "Tasks took longer than estimated. Each of your submissions there was topped "
                "up to the new price, and new tasks pay it too."
            ),
            url="/earnings/",
        )


def sweep(now: dt.datetime | None = None) -> tuple[int, int]:
    """The periodic money work: auto-approval, then pay-floor checks. Returns the counts."""
    approved = auto_approve_due(now=now)
    raised = 0
    for project in Project.objects.filter(
        status__in=[Project.Status.PUBLISHED, Project.Status.PAUSED],
        pay_mode=Project.PayMode.TASK,
    ):
        raised += int(check_pay_floor(project) is not None)
    return approved, raised


def after_deposit(organization_id: int) -> int:
    """Fund what waited for money: raise pay that real times call for, set aside the pay
    of submissions kept unfunded, and resume projects paused for lack of funds."""
    for project in Project.objects.filter(
        organization_id=organization_id, status=Project.Status.PAUSED
    ):
        check_pay_floor(project)
    return ledger.settle_unfunded(organization_id)
