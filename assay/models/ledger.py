"""The money ledger: double-entry, append-only, integer minor units.

An ``Account`` holds one currency. A ``Transaction`` is one movement with a cause and an
idempotency key; its ``Entry`` rows sum to zero. Balances are the sum of entries; the
``balance_cents`` column is a cache kept in the same database transaction and verified by
``assay ledger check``. Rows of ``Transaction`` and ``Entry`` are never updated or deleted
by the application.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from assay.models.accounts import Organization, User
from assay.models.projects import Project


class AppendOnly(models.Model):
    """Saving an existing row or deleting one raises: history is never edited."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{type(self).__name__} rows are append-only")


class Account(models.Model):
    class Kind(models.TextChoices):
        ORGANIZATION = "organization", "Organization balance"
        ESCROW = "escrow", "Project escrow"
        PENDING = "pending", "Expert earnings awaiting approval"
        AVAILABLE = "available", "Expert earnings available"
        IN_TRANSIT = "in_transit", "Payouts in transit"
        FEES = "fees", "Platform fees"
        PLATFORM = "platform", "Platform funds"
        EXTERNAL = "external", "Outside world (payment provider)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expert = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # "org:<id>", "project:<id>", "expert:<id>" or "platform": one account per owner,
    # kind and currency (a unique key without NULLs, which every database treats alike).
    owner_key = models.CharField(max_length=40)
    balance_cents = models.BigIntegerField(default=0)
    # The lowest balance allowed; None for accounts that mirror money outside Assay.
    floor_cents = models.BigIntegerField(null=True, blank=True, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "currency", "owner_key"], name="one_account_per_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.currency} #{self.pk}"


class Transaction(AppendOnly):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit", "Deposit"
        ESCROW = "escrow", "Escrow for a project"
        ESCROW_RELEASE = "escrow_release", "Escrow returned to the organization"
        COMMIT = "commit", "Submission pay set aside"
        APPROVAL = "approval", "Submission approved"
        WITHHELD = "withheld", "Pay withheld on rejection"
        REVERSAL = "reversal", "Rejection reversed"
        TOPUP = "topup", "Top-up to the pay floor"
        BONUS = "bonus", "Bonus"
        QUALIFICATION = "qualification", "Qualification test pay"
        REVIEW = "review", "Review pay"
        PAYOUT = "payout", "Payout started"
        PAYOUT_PAID = "payout_paid", "Payout confirmed"
        PAYOUT_FAILED = "payout_failed", "Payout failed and returned"
        ROYALTY = "royalty", "Reuse royalty"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    idempotency_key = models.CharField(max_length=120, unique=True)
    # SHA-256 of what the request asked for: the same key with a different payload is refused.
    payload_digest = models.CharField(max_length=64)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    memo = models.CharField(max_length=1024, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expert = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    judgment = models.ForeignKey(
        "Judgment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_transactions",
    )
    attempt = models.ForeignKey(
        "Attempt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review = models.ForeignKey(
        "Review", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payout = models.ForeignKey(
        "Payout", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["expert", "created_at"]),
            models.Index(fields=["project", "kind"]),
            models.Index(fields=["judgment", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Entry(AppendOnly):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_cents = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["account", "transaction"])]


class PayoutBatch(models.Model):
    """One file handed to the payment provider."""

    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=32)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField()
    file_name = models.CharField(max_length=200)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Payout batch {self.pk}"


class Payout(models.Model):
    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", "In transit"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed, returned to your balance"

    expert = models.ForeignKey(User, on_delete=models.PROTECT, related_name="payouts")
    batch = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_TRANSIT)
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "batch"])]


class IdempotentRequest(models.Model):
    """An API request sent with an ``Idempotency-Key`` header, and the answer it got.

    A retry with the same key, method, path and body gets the stored answer; the same key
    with a different request is refused. ``status`` 0 marks a request still running.
    """

    owner = models.CharField(max_length=80)
    key = models.CharField(max_length=128)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    body_digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="one_request_per_key"),
        ]
        indexes = [models.Index(fields=["created_at"])]
