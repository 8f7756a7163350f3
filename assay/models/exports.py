"""Exports with their provenance, and webhooks with their outbox (docs/exports.md, webhooks.md).

An ``ExportRecord`` fixes what an export holds by its options and the last judgment id
it may read, so the same file can be streamed again later without being stored.
"""

from __future__ import annotations

from django.db import models

from assay.models.accounts import Organization, User
from assay.models.projects import Project


class ExportRecord(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="exports")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    kind = models.CharField(max_length=32)
    container = models.CharField(max_length=16)
    options = models.JSONField(default=dict)
    licence = models.CharField(max_length=32)
    # Judgments with an id above this were submitted after the export and never appear in it.
    max_judgment_id = models.BigIntegerField()
    record_count = models.PositiveIntegerField()
    judgment_count = models.PositiveIntegerField()
    royalty_cents = models.PositiveIntegerField(default=0)
    data_card = models.TextField()
    # From the request's Idempotency-Key header: a retried request returns this export.
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_export_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.project_id}"


class ExportContribution(models.Model):
    """How many of one expert's judgments went into one export."""

    export = models.ForeignKey(ExportRecord, on_delete=models.CASCADE, related_name="contributions")
    expert = models.ForeignKey(User, on_delete=models.PROTECT, related_name="export_contributions")
    judgments = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["export", "expert"], name="one_contribution_row"),
        ]


class WebhookEndpoint(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=64)
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    # budget.low fires when the organization's balance falls under this.
    budget_low_cents = models.PositiveIntegerField(default=10_000)
    budget_low_sent = models.BooleanField(default=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row, then its delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up after retries"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=40)
    # Unique per endpoint, so an event noticed twice is sent once; replays add a suffix.
    event_key = models.CharField(max_length=120)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_key"], name="one_delivery_per_event"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class WebhookScan(models.Model):
    """How far the worker has looked through judgments for completion events."""

    name = models.CharField(max_length=32, unique=True)
    last_judgment_id = models.BigIntegerField(default=0)
