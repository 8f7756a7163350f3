"""The ledger's invariants, checked against the database (``assay ledger check``).

Each check is one query that returns the rows breaking it, so a clean ledger costs a few
aggregate scans and a broken one names exactly what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from assay.domain.ledger import UNPAID_REASONS
from assay.models import Account, Entry, Judgment, Transaction

TxKind = Transaction.Kind


@dataclass(frozen=True)
class Breach:
    rule: str
    detail: str


def unbalanced_transactions() -> list[Breach]:
    rows = (
        Entry.objects.values("transaction_id")
        .annotate(total=Sum("amount_cents"))
        .exclude(total=0)
        .order_by("transaction_id")[:100]
    )
    return [
        Breach("balanced", f"transaction {r['transaction_id']} sums to {r['total']}") for r in rows
    ]


def mixed_currencies() -> list[Breach]:
    rows = (
        Entry.objects.exclude(account__currency=F("transaction__currency"))
        .values_list("transaction_id", flat=True)
        .distinct()[:100]
    )
    return [Breach("one currency", f"transaction {t} mixes currencies") for t in rows]


def stale_caches() -> list[Breach]:
    rows = (
        Account.objects.annotate(actual=Coalesce(Sum("entries__amount_cents"), 0))
        .exclude(balance_cents=F("actual"))
        .values("id", "kind", "balance_cents", "actual")[:100]
    )
    return [
        Breach(
            "cached balance",
            f"account {r['id']} ({r['kind']}) caches {r['balance_cents']} but its entries sum "
            f"to {r['actual']}",
        )
        for r in rows
    ]


def below_floor() -> list[Breach]:
    rows = (
        Account.objects.filter(floor_cents__isnull=False)
        .annotate(actual=Coalesce(Sum("entries__amount_cents"), 0))
        .filter(actual__lt=F("floor_cents"))
        .values("id", "kind", "actual", "floor_cents")[:100]
    )
    return [
        Breach(
            "floor",
            f"account {r['id']} ({r['kind']}) holds {r['actual']}, under {r['floor_cents']}",
        )
        for r in rows
    ]


def judgment_pay() -> list[Breach]:
    """Every funded submission set aside exactly once; every approved one (and every one
    rejected for a paid reason) released to the expert exactly once; withheld ones never."""
    breaches: list[Breach] = []
    counted = Judgment.objects.annotate(
        commits=Count("id", filter=Q(ledger_transactions__kind=TxKind.COMMIT)),
        releases=Count(
            "id",
            filter=Q(ledger_transactions__kind__in=[TxKind.APPROVAL, TxKind.REVERSAL]),
        ),
        withheld=Count("id", filter=Q(ledger_transactions__kind=TxKind.WITHHELD)),
    )
    for judgment_id, commits in (
        counted.filter(funded=True).exclude(commits=1).values_list("id", "commits")[:100]
    ):
        breaches.append(Breach("set aside once", f"judgment {judgment_id}: {commits} commits"))
    for judgment_id in counted.filter(funded=False, commits__gt=0).values_list("id", flat=True)[
        :100
    ]:
        breaches.append(
            Breach("set aside once", f"judgment {judgment_id} is unfunded but committed")
        )
    paid = Q(status=Judgment.Status.APPROVED) | (
        Q(status=Judgment.Status.REJECTED) & ~Q(reason_code__in=list(UNPAID_REASONS))
    )
    for judgment_id, releases in (
        counted.filter(paid).exclude(releases=1).values_list("id", "releases")[:100]
    ):
        breaches.append(
            Breach("paid exactly once", f"judgment {judgment_id}: paid {releases} times")
        )
    withheld = Q(status=Judgment.Status.REJECTED, reason_code__in=list(UNPAID_REASONS))
    for judgment_id in (
        counted.filter(withheld).exclude(releases=0, withheld=1).values_list("id", flat=True)[:100]
    ):
        breaches.append(
            Breach("withheld once", f"judgment {judgment_id}: withheld pay moved twice")
        )
    for judgment_id in counted.filter(status=Judgment.Status.SUBMITTED, releases__gt=0).values_list(
        "id", flat=True
    )[:100]:
        breaches.append(Breach("paid exactly once", f"judgment {judgment_id} paid before approval"))
    return breaches


CHECKS = (
    ("every transaction sums to zero", unbalanced_transactions),
    ("every transaction uses one currency", mixed_currencies),
    ("cached balances equal their entries", stale_caches),
    ("no account below its floor", below_floor),
    ("every approved judgment paid exactly once", judgment_pay),
)


def run_checks() -> list[tuple[str, list[Breach]]]:
    return [(name, check()) for name, check in CHECKS]
