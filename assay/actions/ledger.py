"""Posting money: every movement is one balanced, idempotent ledger transaction.

``post`` writes ``Transaction``, ``Entry`` and account balances; only the submission's
fast path (``_fast_commit``, four hand-written statements) writes the same rows by
itself, under the same rules. Both lock the accounts they touch in id order, so two
postings never deadlock, and refuse to take any account below its floor. ``post`` treats
a repeated idempotency key as a replay: the same payload returns the first transaction,
a different payload is refused. The flows below (deposit, escrow, submission pay,
approval, rejection, reversal, bonus, test and review pay) are all built on it.
docs/ledger.md describes them for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Sum, When

from assay import audit, clock
from assay.domain.ledger import (
    EscrowPlan,
    escrow_plan,
    fee_cents,
    hourly_pay_cents,
    payload_digest,
)
from assay.domain.pay import format_money
from assay.errors import Conflict, InvalidInput
from assay.models import (
    Account,
    Entry,
    Item,
    Judgment,
    Lease,
    Organization,
    Project,
    Transaction,
    User,
)
from assay.sql import insert, run_sql

Kind = Account.Kind
TxKind = Transaction.Kind
MAX_MEMO_CHARS = 1024


class InsufficientFunds(Conflict):
    code = "insufficient_funds"


@dataclass(frozen=True)
class Owner:
    """Who an account belongs to: at most one of these is set (none for platform accounts)."""

    organization_id: int | None = None
    project_id: int | None = None
    expert_id: int | None = None

    @property
    def key(self) -> str:
        if self.organization_id is not None:
            return f"org:{self.organization_id}"
        if self.project_id is not None:
            return f"project:{self.project_id}"
        if self.expert_id is not None:
            return f"expert:{self.expert_id}"
        return "platform"


def _floor(kind: str) -> int | None:
    # Money outside Assay, and the platform's own funds (the platform guarantees test pay
    # even before an operator has funded it), have no floor; everything else stays >= 0.
    return None if kind in (Kind.EXTERNAL, Kind.PLATFORM) else 0


def _accounts(wanted: list[tuple[str, str, Owner]]) -> list[Account]:
    """The accounts for (kind, currency, owner), created when missing, locked, in order."""
    found: list[Account] = []
    for kind, currency, owner in wanted:
        account, _ = Account.objects.get_or_create(
            kind=kind,
            currency=currency,
            owner_key=owner.key,
            defaults={
                "floor_cents": _floor(kind),
                "organization_id": owner.organization_id,
                "project_id": owner.project_id,
                "expert_id": owner.expert_id,
            },
        )
        found.append(account)
    ids = sorted({a.id for a in found})
    locked = {
        a.id: a for a in Account.objects.select_for_update().filter(id__in=ids).order_by("id")
    }
    return [locked[a.id] for a in found]


def balance(kind: str, currency: str, owner: Owner) -> int:
    account = Account.objects.filter(kind=kind, currency=currency, owner_key=owner.key).first()
    return account.balance_cents if account else 0


Leg = tuple[tuple[str, str, Owner], int]


def _digest(kind: str, currency: str, payload: dict[str, Any]) -> str:
    """What a replay must match: the transaction's kind, currency and payload."""
    return payload_digest({"kind": kind, "currency": currency, **payload})


def post(
    *,
    kind: str,
    currency: str,
    key: str,
    payload: dict[str, Any],
    legs: list[Leg],
    actor: User | None = None,
    memo: str = "",
    **cause: Any,
) -> tuple[Transaction, bool]:
    """Write one balanced transaction; returns it and whether it is new (False on replay)."""
    amounts = [amount for _, amount in legs]
    if any(type(a) is not int for a in amounts):
        raise InvalidInput("Amounts are whole cents.", code="invalid_amount")
    if sum(amounts) != 0:
        raise ValueError(f"unbalanced {kind} transaction: {amounts}")
    if any(target[1] != currency for target, _ in legs):
        raise InvalidInput(
            "Every account in a transaction uses its currency.", code="currency_mismatch"
        )
    if len(memo) > MAX_MEMO_CHARS:
        raise InvalidInput(
            f"Keep the note under {MAX_MEMO_CHARS:,} characters.", code="memo_too_long"
        )
    digest = _digest(kind, currency, payload)
    with transaction.atomic():
        accounts = _accounts([target for target, _ in legs])
        earlier = Transaction.objects.filter(idempotency_key=key).first()
        if earlier is not None:
            if earlier.payload_digest != digest:
                raise Conflict(
                    "This idempotency key was used for a different request.",
                    code="idempotency_key_reused",
                )
            return earlier, False
        deltas: dict[int, int] = {}
        for account, amount in zip(accounts, amounts, strict=True):
            deltas[account.id] = deltas.get(account.id, 0) + amount
        by_id = {a.id: a for a in accounts}
        for account_id, delta in deltas.items():
            account = by_id[account_id]
            after = account.balance_cents + delta
            if delta < 0 and account.floor_cents is not None and after < account.floor_cents:
                raise InsufficientFunds(
                    f"{account.get_kind_display()} holds "
                    f"{format_money(account.balance_cents, currency)}; this needs "
                    f"{format_money(-delta, currency)}.",
                    details=[
                        {"account": account.kind, "shortfall_cents": account.floor_cents - after}
                    ],
                )
        tx = Transaction.objects.create(
            kind=kind,
            currency=currency,
            idempotency_key=key,
            payload_digest=digest,
            actor=actor,
            memo=memo,
            created_at=clock.now(),
            **cause,
        )
        Entry.objects.bulk_create(
            Entry(transaction=tx, account_id=account.id, amount_cents=amount)
            for account, amount in zip(accounts, amounts, strict=True)
            if amount
        )
        Account.objects.filter(id__in=list(deltas)).update(
            balance_cents=F("balance_cents")
            + Case(*(When(id=i, then=d) for i, d in deltas.items()), default=0)
        )
    return tx, True


def _platform() -> Owner:
    return Owner()


def _org(organization_id: int) -> Owner:
    return Owner(organization_id=organization_id)


def _proj(project_id: int) -> Owner:
    return Owner(project_id=project_id)


def _expert(expert_id: int) -> Owner:
    return Owner(expert_id=expert_id)


def fee_basis_points() -> int:
    return int(settings.PLATFORM_FEE_BASIS_POINTS)


def check_amount(amount_cents: object) -> int:
    if type(amount_cents) is not int or amount_cents <= 0:
        raise InvalidInput("An amount is a positive number of whole cents.", code="invalid_amount")
    if amount_cents > 10**11:
        raise InvalidInput("That amount is too large.", code="invalid_amount")
    return amount_cents


def check_currency(currency: str) -> str:
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise InvalidInput("A currency is a three-letter ISO 4217 code.", code="invalid_currency")
    return code


def check_key(key: str) -> str:
    if not 8 <= len(key) <= 64 or not all(c.isalnum() or c in "_.:-" for c in key):
        raise InvalidInput(
            "idempotency_key must be 8 to 64 letters, digits or _.:-", code="invalid_key"
        )
    return key


# Funding ---------------------------------------------------------------------------


def deposit(
    *,
    actor: User,
    organization: Organization | None,
    amount_cents: int,
    currency: str,
    key: str,
    reference: str = "",
    provider: str = "manual",
) -> tuple[Transaction, bool]:
    """Money received from outside: into an organization, or into platform funds (None)."""
    amount = check_amount(amount_cents)
    code = check_currency(currency)
    owner = _org(organization.id) if organization else _platform()
    target = Kind.ORGANIZATION if organization else Kind.PLATFORM
    with transaction.atomic():
        tx, new = post(
            kind=TxKind.DEPOSIT,
            currency=code,
            key=f"deposit:{check_key(key)}",
            payload={"owner": owner.organization_id, "amount": amount, "provider": provider},
            legs=[
                ((Kind.EXTERNAL, code, _platform()), -amount),
                ((target, code, owner), amount),
            ],
            actor=actor,
            memo=f"{provider}: {reference}".strip(": ")[:MAX_MEMO_CHARS],
            organization=organization,
        )
        if new:
            audit.record(
                "money.deposit",
                tx,
                actor=actor,
                organization=owner.organization_id,
                amount_cents=amount,
                currency=code,
            )
    return tx, new


# Escrow ----------------------------------------------------------------------------


def price_per_judgment(project: Project) -> int:
    """The most one judgment can cost in pay: the task price, or the hourly cap."""
    if project.pay_mode == Project.PayMode.HOUR:
        return hourly_pay_cents(project.pay_cents, 10**9, project.hourly_cap_minutes or 0)
    return project.pay_cents


def plan_for(project: Project) -> EscrowPlan:
    counts = Item.objects.filter(project=project).aggregate(
        gold=Sum(Case(When(is_gold=True, then=1), default=0)),
        regular=Sum(Case(When(is_gold=False, then=1), default=0)),
    )
    max_overlap = max(project.overlap, project.adaptive_max if project.adaptive else 0)
    reviewed = project.review_rate > 0 or bool(project.domain and project.domain.sensitive)
    review_rate = 1.0 if project.domain and project.domain.sensitive else project.review_rate
    return escrow_plan(
        regular_items=counts["regular"] or 0,
        gold_items=counts["gold"] or 0,
        max_overlap=max_overlap,
        gold_rate=project.gold_rate,
        review_rate=review_rate if reviewed else 0.0,
        pay_per_judgment_cents=price_per_judgment(project),
        review_pay_cents=project.review_pay_cents,
        fee_basis_points=fee_basis_points(),
    )


def escrow_consumed(project: Project) -> int:
    """What has left escrow for work (net of withheld pay that came back)."""
    total = (
        Entry.objects.filter(account__kind=Kind.ESCROW, account__project_id=project.id)
        .exclude(transaction__kind__in=[TxKind.ESCROW, TxKind.ESCROW_RELEASE])
        .aggregate(s=Sum("amount_cents"))["s"]
    )
    return -(total or 0)


def escrow_shortfall(project: Project) -> int:
    """How much more escrow the project needs to pay for all the work it may still get."""
    need = plan_for(project).total_cents - escrow_consumed(project)
    held = balance(Kind.ESCROW, project.currency, _proj(project.id))
    return max(0, need - held)


def fund_escrow(project: Project, *, actor: User | None, amount_cents: int) -> Transaction:
    """Move money from the organization's balance into the project's escrow."""
    sequence = Transaction.objects.filter(project=project, kind=TxKind.ESCROW).count()
    tx, _ = post(
        kind=TxKind.ESCROW,
        currency=project.currency,
        key=f"escrow:{project.id}:{sequence + 1}",
        payload={"project": project.id, "amount": amount_cents, "n": sequence + 1},
        legs=[
            ((Kind.ORGANIZATION, project.currency, _org(project.organization_id)), -amount_cents),
            ((Kind.ESCROW, project.currency, _proj(project.id)), amount_cents),
        ],
        actor=actor,
        project=project,
        organization_id=project.organization_id,
    )
    return tx


def ensure_escrow(project: Project, *, actor: User | None) -> int:
    """Top escrow up from the organization to cover the plan; returns the amount moved.

    Raises InsufficientFunds, naming the amount to deposit, when the organization's
    balance cannot cover it. Call inside the transaction that changes the plan.
    """
    shortfall = escrow_shortfall(project)
    if shortfall == 0:
        return 0
    available = balance(Kind.ORGANIZATION, project.currency, _org(project.organization_id))
    if available < shortfall:
        raise InsufficientFunds(
            f"Escrow must cover all planned work: this needs "
            f"{format_money(shortfall, project.currency)} more and the organization holds "
            f"{format_money(available, project.currency)}. Add "
            f"{format_money(shortfall - available, project.currency)} to the balance first.",
            details=[{"shortfall_cents": shortfall - available}],
        )
    fund_escrow(project, actor=actor, amount_cents=shortfall)
    return shortfall


def release_escrow(project: Project, *, actor: User | None) -> int:
    """Return to the organization what a closed project can no longer spend.

    Submissions still awaiting approval were paid for at submission, so nothing owed to
    an expert is in escrow any more; leases still open may yet be submitted, so their
    share stays until they end.
    """
    held = balance(Kind.ESCROW, project.currency, _proj(project.id))
    open_leases = Lease.objects.filter(project=project, state=Lease.State.ACTIVE).count()
    keep = open_leases * _with_fee(price_per_judgment(project))
    amount = held - keep
    if amount <= 0:
        return 0
    sequence = Transaction.objects.filter(project=project, kind=TxKind.ESCROW_RELEASE).count()
    post(
        kind=TxKind.ESCROW_RELEASE,
        currency=project.currency,
        key=f"escrow-release:{project.id}:{sequence + 1}",
        payload={"project": project.id, "amount": amount, "n": sequence + 1},
        legs=[
            ((Kind.ESCROW, project.currency, _proj(project.id)), -amount),
            ((Kind.ORGANIZATION, project.currency, _org(project.organization_id)), amount),
        ],
        actor=actor,
        project=project,
        organization_id=project.organization_id,
    )
    return amount


def _with_fee(amount: int) -> int:
    return amount + fee_cents(amount, fee_basis_points())


# Submissions -----------------------------------------------------------------------


def pay_for(project: Project, duration_seconds: int) -> int:
    if project.pay_mode == Project.PayMode.HOUR:
        return hourly_pay_cents(
            project.pay_cents, duration_seconds, project.hourly_cap_minutes or 0
        )
    return project.pay_cents


def _commit_legs(project: Project, expert_id: int, pay: int) -> list[Leg]:
    fee = fee_cents(pay, fee_basis_points())
    return [
        ((Kind.ESCROW, project.currency, _proj(project.id)), -(pay + fee)),
        ((Kind.PENDING, project.currency, _expert(expert_id)), pay),
        ((Kind.FEES, project.currency, _proj(project.id)), fee),
    ]


def commit_submission(judgment: Judgment) -> bool:
    """Set the submission's pay aside for its expert; True if funded.

    Runs last in the submission's transaction. Escrow covers all planned work, so the
    fast path (four statements, no savepoint) succeeds in normal operation; if escrow ran
    short (pay rose, or the plan grew), it tops up from the organization, and failing
    that the submission is kept unfunded, the project pauses, and the pay is set aside
    as soon as money arrives.
    """
    project = judgment.project
    pay = pay_for(project, judgment.duration_seconds)
    if not _fast_commit(judgment, project, pay):
        try:
            _post_after_top_up(
                _with_fee(pay),
                kind=TxKind.COMMIT,
                currency=project.currency,
                key=f"commit:{judgment.id}",
                payload={"judgment": judgment.id, "pay": pay},
                legs=_commit_legs(project, judgment.expert_id, pay),
                project=project,
                expert_id=judgment.expert_id,
                judgment=judgment,
            )
        except InsufficientFunds:
            Judgment.objects.filter(id=judgment.id).update(funded=False, pay_cents=0)
            judgment.funded, judgment.pay_cents = False, 0
            pause_for_funds(project)
            return False
    if not (judgment.funded and judgment.pay_cents == pay):
        Judgment.objects.filter(id=judgment.id).update(funded=True, pay_cents=pay)
        judgment.funded, judgment.pay_cents = True, pay
    return True


_ACCOUNT, _ENTRY = Account._meta.db_table, Entry._meta.db_table
# The submission fast path, hand-written (see assay.sql): it runs on every submission.
_LOCK_ACCOUNTS = (
    f"SELECT id, kind, owner_key, balance_cents, floor_cents FROM {_ACCOUNT} "  # noqa: S608
    "WHERE currency = %s AND ((kind = %s AND owner_key = %s) OR (kind = %s AND owner_key = %s) "
    "OR (kind = %s AND owner_key = %s)) ORDER BY id"
)
_MOVE = (
    f"UPDATE {_ACCOUNT} SET balance_cents = balance_cents + "  # noqa: S608
    "CASE id WHEN %s THEN %s WHEN %s THEN %s WHEN %s THEN %s END WHERE id IN (%s, %s, %s)"
)
_INSERT_ENTRIES = f"INSERT INTO {_ENTRY} (transaction_id, account_id, amount_cents) VALUES "  # noqa: S608


def _fast_commit(judgment: Judgment, project: Project, pay: int) -> bool:
    """The common case in four statements: the three accounts exist and escrow holds
    enough. Like ``post``, it locks the accounts in id order (on PostgreSQL; SQLite's
    IMMEDIATE transaction holds the write lock already) and checks floors on the locked
    rows; anything else (an expert's first submission, escrow short) is left to the
    careful path, with nothing written.
    """
    legs = _commit_legs(project, judgment.expert_id, pay)
    targets = [(kind, owner.key) for (kind, _, owner), _ in legs]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    rows = run_sql(_LOCK_ACCOUNTS + lock, [project.currency, *(v for t in targets for v in t)])
    found = {(kind, key): (account_id, held, floor) for account_id, kind, key, held, floor in rows}
    if len(found) != len(legs):
        return False
    moves = [(found[target], amount) for target, (_, amount) in zip(targets, legs, strict=True)]
    if any(floor is not None and held + amount < floor for (_, held, floor), amount in moves):
        return False
    moved = [(account_id, amount) for (account_id, _, _), amount in moves]
    run_sql(_MOVE, [v for pair in moved for v in pair] + [account_id for account_id, _ in moved])
    tx = insert(
        Transaction(
            kind=TxKind.COMMIT,
            currency=project.currency,
            idempotency_key=f"commit:{judgment.id}",
            payload_digest=_digest(
                TxKind.COMMIT, project.currency, {"judgment": judgment.id, "pay": pay}
            ),
            project=project,
            expert_id=judgment.expert_id,
            judgment=judgment,
            created_at=clock.now(),
        )
    )
    entries = [(account_id, amount) for account_id, amount in moved if amount]
    if entries:
        values = ", ".join(["(%s, %s, %s)"] * len(entries))
        run_sql(_INSERT_ENTRIES + values, [v for entry in entries for v in (tx.id, *entry)])
    return True


def _post_after_top_up(amount: int, **posting: Any) -> tuple[Transaction, bool]:
    """Top the project's escrow up by at least ``amount``, then post, in one savepoint:
    both or neither."""
    with transaction.atomic():
        top_up_for(posting["project"], amount)
        return post(**posting)


def top_up_for(project: Project, amount: int) -> None:
    """Move at least ``amount`` (the whole shortfall if the organization can) into escrow."""
    held = balance(Kind.ESCROW, project.currency, _proj(project.id))
    needed = max(0, amount - held)
    wanted = max(needed, escrow_shortfall(project))
    available = balance(Kind.ORGANIZATION, project.currency, _org(project.organization_id))
    move = min(wanted, available)
    if move < needed:
        raise InsufficientFunds("The organization cannot cover this submission.")
    if move:
        fund_escrow(project, actor=None, amount_cents=move)


def pause_for_funds(project: Project) -> None:
    from assay.actions.alerts import notify

    reason = (
        "Paused: escrow and the organization's balance no longer cover the next submission. "
        "Add funds to the organization to resume; every submission made so far will be paid."
    )
    updated = Project.objects.filter(id=project.id, status=Project.Status.PUBLISHED).update(
        status=Project.Status.PAUSED, pause_reason=reason
    )
    if updated:
        for user_id in User.objects.filter(
            membership__organization_id=project.organization_id
        ).values_list("id", flat=True):
            notify(
                user_id,
                kind="project_paused",
                key=f"paused:{project.id}:{clock.now().isoformat()}",
                title=f"{project.name} is paused for lack of funds",
                body=reason,
                url=f"/projects/{project.id}/spend/",
            )


def settle_unfunded(organization_id: int) -> int:
    """After a deposit: fund submissions kept unfunded and resume paused projects."""
    settled = 0
    for project in Project.objects.filter(
        organization_id=organization_id, status=Project.Status.PAUSED
    ):
        try:
            with transaction.atomic():
                for judgment in Judgment.objects.filter(
                    project=project, funded=False
                ).select_related("project"):
                    if not commit_submission(judgment):
                        raise InsufficientFunds("still short")
                    settled += 1
                ensure_escrow(project, actor=None)
                Project.objects.filter(id=project.id, status=Project.Status.PAUSED).update(
                    status=Project.Status.PUBLISHED, pause_reason=""
                )
        except InsufficientFunds:
            continue
    return settled


# Tests and reviews ------------------------------------------------------------------


def pay_test(attempt_id: int) -> None:
    """Pay a qualification attempt: platform tests from platform funds, a project's test
    from its organization's balance (never from escrow, which belongs to task work)."""
    from assay.models import Attempt

    attempt = Attempt.objects.select_related("test__project").get(id=attempt_id)
    test = attempt.test
    if test.pay_cents <= 0:
        return
    if test.project is not None:
        source: tuple[str, str, Owner] = (
            Kind.ORGANIZATION,
            test.currency,
            _org(test.project.organization_id),
        )
        fee = fee_cents(test.pay_cents, fee_basis_points())
    else:
        source, fee = (Kind.PLATFORM, test.currency, _platform()), 0
    legs: list[Leg] = [
        (source, -(test.pay_cents + fee)),
        ((Kind.AVAILABLE, test.currency, _expert(attempt.expert_id)), test.pay_cents),
    ]
    if fee:
        legs.append(((Kind.FEES, test.currency, _platform()), fee))
    try:
        with transaction.atomic():
            post(
                kind=TxKind.QUALIFICATION,
                currency=test.currency,
                key=f"qualification:{attempt.id}",
                payload={"attempt": attempt.id, "pay": test.pay_cents},
                legs=legs,
                expert_id=attempt.expert_id,
                attempt=attempt,
                project=test.project,
            )
    except InsufficientFunds:
        # The requester's balance ran dry: the platform pays the expert all the same.
        post(
            kind=TxKind.QUALIFICATION,
            currency=test.currency,
            key=f"qualification:{attempt.id}",
            payload={"attempt": attempt.id, "pay": test.pay_cents},
            legs=[
                ((Kind.PLATFORM, test.currency, _platform()), -test.pay_cents),
                ((Kind.AVAILABLE, test.currency, _expert(attempt.expert_id)), test.pay_cents),
            ],
            expert_id=attempt.expert_id,
            attempt=attempt,
            project=test.project,
            memo="paid by the platform: the organization's balance was short",
        )


def pay_review(review_id: int) -> None:
    """Pay a finished review from the project's escrow (planned for when it was published)."""
    from assay.models import Review

    review = Review.objects.select_related("project").get(id=review_id)
    project = review.project
    pay = project.review_pay_cents
    if pay <= 0 or review.reviewer_id is None:
        return
    fee = fee_cents(pay, fee_basis_points())
    legs: list[Leg] = [
        ((Kind.ESCROW, project.currency, _proj(project.id)), -(pay + fee)),
        ((Kind.AVAILABLE, project.currency, _expert(review.reviewer_id)), pay),
        ((Kind.FEES, project.currency, _proj(project.id)), fee),
    ]
    key = f"review:{review.id}"
    payload = {"review": review.id, "pay": pay}
    posting: dict[str, Any] = {
        "kind": TxKind.REVIEW,
        "currency": project.currency,
        "key": key,
        "project": project,
        "expert_id": review.reviewer_id,
        "review": review,
    }
    try:
        with transaction.atomic():
            post(payload=payload, legs=legs, **posting)
    except InsufficientFunds:
        try:
            _post_after_top_up(pay + fee, payload=payload, legs=legs, **posting)
        except InsufficientFunds:
            # Finished work is always paid: the platform covers it and the project pauses.
            post(
                payload=payload,
                legs=[
                    ((Kind.PLATFORM, project.currency, _platform()), -pay),
                    ((Kind.AVAILABLE, project.currency, _expert(review.reviewer_id)), pay),
                ],
                memo="paid by the platform: the project's escrow was short",
                **posting,
            )
            pause_for_funds(project)
