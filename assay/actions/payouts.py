"""Payouts: available earnings move into transit, go to the payment provider as a batch
file, and are marked paid (or returned) when the provider confirms.

The provider is an interface with one implementation, ``ManualProvider``, which writes a
CSV for an operator to upload to a bank or payment service. docs/ledger.md explains how
a provider with an API (Stripe Connect, Wise, PayPal Payouts) plugs in.
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import transaction

from assay import audit, clock
from assay.actions import ledger
from assay.actions.alerts import notify
from assay.actions.ledger import Kind, Owner, TxKind
from assay.domain.pay import format_money
from assay.errors import Conflict, InvalidInput, NotFound
from assay.models import Account, Payout, PayoutBatch, Transaction, User


class PaymentProvider(Protocol):
    name: str

    def send(self, batch: PayoutBatch, payouts: list[Payout]) -> str:
        """Hand the batch to the provider; returns the file name or provider reference."""
        ...


@dataclass
class ManualProvider:
    """Writes ``payouts/batch-<id>-<currency>.csv`` in the data folder."""

    name: str = "manual"

    def send(self, batch: PayoutBatch, payouts: list[Payout]) -> str:
        folder = Path(settings.DATA_DIR) / "payouts"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"batch-{batch.id}-{batch.currency}.csv"
        with (folder / name).open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["payout_id", "email", "name", "amount", "currency"])
            for payout in payouts:
                expert = payout.expert
                writer.writerow(
                    [
                        payout.id,
                        expert.email,
                        expert.get_full_name(),
                        f"{payout.amount_cents // 100}.{payout.amount_cents % 100:02d}",
                        payout.currency,
                    ]
                )
        return name


def batch_path(batch: PayoutBatch) -> Path:
    return Path(settings.DATA_DIR) / "payouts" / batch.file_name


def request_payout(
    *, expert: User, amount_cents: int, currency: str, key: str
) -> tuple[Payout, bool]:
    """Move part of an expert's available balance into transit for the next batch."""
    amount = ledger.check_amount(amount_cents)
    code = ledger.check_currency(currency)
    ledger.check_key(key)
    if amount < settings.PAYOUT_MINIMUM_CENTS:
        raise InvalidInput(
            f"The smallest payout is {format_money(settings.PAYOUT_MINIMUM_CENTS, code)}.",
            code="payout_too_small",
        )
    full_key = f"payout:{expert.id}:{key}"
    with transaction.atomic():
        earlier = Transaction.objects.filter(idempotency_key=full_key).first()
        if earlier is not None:
            if earlier.payout is None or earlier.payout.amount_cents != amount:
                raise Conflict(
                    "This idempotency key was used for a different request.",
                    code="idempotency_key_reused",
                )
            return earlier.payout, False
        available = ledger.balance(Kind.AVAILABLE, code, Owner(expert_id=expert.id))
        if amount > available:
            raise ledger.InsufficientFunds(
                f"You have {format_money(available, code)} available; "
                f"a payout of {format_money(amount, code)} is more than that."
            )
        payout = Payout.objects.create(
            expert=expert, amount_cents=amount, currency=code, created_at=clock.now()
        )
        ledger.post(
            kind=TxKind.PAYOUT,
            currency=code,
            key=full_key,
            payload={"expert": expert.id, "amount": amount},
            legs=[
                ((Kind.AVAILABLE, code, Owner(expert_id=expert.id)), -amount),
                ((Kind.IN_TRANSIT, code, Owner(expert_id=expert.id)), amount),
            ],
            actor=expert,
            expert_id=expert.id,
            payout=payout,
        )
        audit.record("payout.request", payout, actor=expert, amount_cents=amount)
    return payout, True


def run_payouts(
    *, actor: User | None, provider: PaymentProvider | None = None
) -> list[PayoutBatch]:
    """Pay out every available balance at or over the minimum, plus payouts experts asked
    for; one batch (one file) per currency. Safe to run again: balances already in
    transit are not paid twice."""
    sender: PaymentProvider = provider or ManualProvider()
    minimum = settings.PAYOUT_MINIMUM_CENTS
    run = uuid.uuid4().hex[:16]  # one key per run and account: a rerun starts afresh
    for account in Account.objects.filter(
        kind=Kind.AVAILABLE, balance_cents__gte=minimum, expert__isnull=False
    ).select_related("expert"):
        if account.expert is None:
            continue
        request_payout(
            expert=account.expert,
            amount_cents=account.balance_cents,
            currency=account.currency,
            key=f"run-{run}-{account.id}",
        )
    batches = []
    currencies = (
        Payout.objects.filter(batch__isnull=True, status=Payout.Status.IN_TRANSIT)
        .values_list("currency", flat=True)
        .distinct()
    )
    for currency in sorted(set(currencies)):
        with transaction.atomic():
            payouts = list(
                Payout.objects.select_for_update()
                .filter(batch__isnull=True, status=Payout.Status.IN_TRANSIT, currency=currency)
                .select_related("expert")
                .order_by("id")
            )
            if not payouts:
                continue
            batch = PayoutBatch.objects.create(
                currency=currency,
                provider=sender.name,
                created_by=actor,
                created_at=clock.now(),
                file_name="",
            )
            Payout.objects.filter(id__in=[p.id for p in payouts]).update(batch=batch)
            batch.file_name = sender.send(batch, payouts)
            batch.save(update_fields=["file_name"])
            audit.record(
                "payout.batch",
                batch,
                actor=actor,
                payouts=len(payouts),
                total_cents=sum(p.amount_cents for p in payouts),
            )
        batches.append(batch)
    return batches


def confirm_batch(
    *, actor: User | None, batch_id: int, failed: dict[int, str] | None = None
) -> tuple[int, int]:
    """The provider confirmed the batch: mark each payout paid, or returned if it failed
    (the money goes back to the expert's available balance). Returns (paid, failed)."""
    failed = failed or {}
    paid_count = failed_count = 0
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update().filter(id=batch_id).first()
        if batch is None:
            raise NotFound("No such payout batch.", code="batch_not_found")
        if batch.confirmed_at is not None:
            return 0, 0
        payouts = list(batch.payouts.select_for_update().order_by("id"))
        unknown = set(failed) - {p.id for p in payouts}
        if unknown:
            raise InvalidInput(
                f"Payouts {sorted(unknown)} are not in batch {batch.id}.", code="invalid_payout"
            )
        now = clock.now()
        for payout in payouts:
            if payout.status != Payout.Status.IN_TRANSIT:
                continue
            owner = Owner(expert_id=payout.expert_id)
            transit = (Kind.IN_TRANSIT, payout.currency, owner)
            if payout.id in failed:
                ledger.post(
                    kind=TxKind.PAYOUT_FAILED,
                    currency=payout.currency,
                    key=f"payout-failed:{payout.id}",
                    payload={"payout": payout.id},
                    legs=[
                        (transit, -payout.amount_cents),
                        ((Kind.AVAILABLE, payout.currency, owner), payout.amount_cents),
                    ],
                    actor=actor,
                    memo=failed[payout.id][: ledger.MAX_MEMO_CHARS],
                    expert_id=payout.expert_id,
                    payout=payout,
                )
                payout.status = Payout.Status.FAILED
                failed_count += 1
                title = "A payout failed and is back in your balance"
            else:
                ledger.post(
                    kind=TxKind.PAYOUT_PAID,
                    currency=payout.currency,
                    key=f"payout-paid:{payout.id}",
                    payload={"payout": payout.id},
                    legs=[
                        (transit, -payout.amount_cents),
                        ((Kind.EXTERNAL, payout.currency, Owner()), payout.amount_cents),
                    ],
                    actor=actor,
                    expert_id=payout.expert_id,
                    payout=payout,
                )
                payout.status = Payout.Status.PAID
                paid_count += 1
                title = f"{format_money(payout.amount_cents, payout.currency)} paid out"
            payout.settled_at = now
            payout.save(update_fields=["status", "settled_at"])
            notify(
                payout.expert_id,
                kind="payout",
                key=f"payout:{payout.id}:{payout.status}",
                title=title,
                body=failed.get(payout.id, "The payment provider confirmed the transfer."),
                url="/earnings/",
            )
        batch.confirmed_at = now
        batch.save(update_fields=["confirmed_at"])
        audit.record("payout.confirm", batch, actor=actor, paid=paid_count, failed=failed_count)
    return paid_count, failed_count
