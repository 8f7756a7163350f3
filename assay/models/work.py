from __future__ import annotations

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from assay.models.accounts import User
from assay.models.projects import GuidelineVersion, Project


def effective_overlap(project_overlap: int, path: str = "") -> Coalesce:
    """The judgments an item wants: its own target overlap if set, else the project's.

    ``path`` reaches the item from another model, for example ``"item__"``.
    """
    return Coalesce(F(f"{path}target_overlap"), Value(project_overlap))


class Item(models.Model):
    """One unit of work: a prompt with two candidate responses (pairwise), or the
    type-specific fields of another task type in ``data`` (docs/tasktypes/index.md).

    Pairwise keeps its texts in their own columns (the claim returns them with no
    JSON decoding); every other type stores its validated item schema in ``data``
    and a plain-text ``prompt`` (for lists, search and signals).

    ``reserved`` counts active leases plus submitted judgments; a claim is a
    compare-and-set on it, so it never passes the project's overlap.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="items")
    external_id = models.CharField(max_length=200)
    prompt = models.TextField()
    response_a = models.TextField()
    response_b = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    reserved = models.PositiveIntegerField(default=0)
    judgment_count = models.PositiveIntegerField(default=0)
    # Set by the quality engine to ask for more (or fewer) judgments than the
    # project's overlap; None means the project's overlap.
    target_overlap = models.PositiveIntegerField(null=True, blank=True)
    is_gold = models.BooleanField(default=False)
    # Orders untouched items only (higher first): 1 when the project's judge model
    # found the item hard. Never changes overlap, pay or who may take the item.
    priority = models.PositiveSmallIntegerField(default=0)
    gold_answer = models.CharField(max_length=8, blank=True)
    gold_rationale = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "external_id"], name="one_external_id"),
        ]
        indexes = [
            models.Index(fields=["project", "reserved", "id"]),
            models.Index(fields=["project", "is_gold", "reserved", "-priority", "id"]),
            # Items the quality engine wants more judgments for than they have taken: few
            # rows, so the allocator finds them without walking the complete ones.
            models.Index(
                fields=["project", "reserved", "id"],
                condition=Q(reserved__lt=F("target_overlap")),
                name="item_wants_more",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class Lease(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        SUBMITTED = "submitted", "Submitted"
        RELEASED = "released", "Returned"
        EXPIRED = "expired", "Expired"

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="leases")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    expert = models.ForeignKey(User, on_delete=models.CASCADE, related_name="leases")
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "expert"], name="one_lease_per_item_expert"),
            models.UniqueConstraint(
                fields=["expert", "project"],
                condition=Q(state="active"),
                name="one_active_lease_per_project",
            ),
        ]
        indexes = [models.Index(fields=["project", "state", "expires_at"])]


class Judgment(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Choice(models.TextChoices):
        A = "a", "A is better"
        B = "b", "B is better"
        TIE = "tie", "Tie"

    lease = models.OneToOneField(Lease, on_delete=models.PROTECT, related_name="judgment")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="judgments")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="judgments")
    expert = models.ForeignKey(User, on_delete=models.PROTECT, related_name="judgments")
    guidelines = models.ForeignKey(GuidelineVersion, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    strength = models.PositiveSmallIntegerField(null=True, blank=True)
    rationale = models.TextField()
    # Every task type but pairwise stores its validated judgment schema here (pairwise
    # uses choice/strength/rationale); rationale then holds the type's one-line summary.
    answer = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=64)
    duration_seconds = models.PositiveIntegerField()
    # Seconds the form was in front of the expert with input in the last minute (the
    # task page measures it); None from clients that do not say.
    active_seconds = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    # Approval and pay (docs/ledger.md). pay_cents is what the submission earns, fixed when
    # it is set aside from escrow and raised only by top-ups; 0 while unfunded.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    funded = models.BooleanField(default=False)
    pay_cents = models.PositiveIntegerField(default=0)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason_code = models.CharField(max_length=32, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "idempotency_key"], name="one_judgment_per_key"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "created_at"]),
            models.Index(fields=["project", "expert", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]


class Flag(models.Model):
    """A signal that a submission may be low-effort; it asks for a look, never removes anyone."""

    class Kind(models.TextChoices):
        TOO_FAST = "too_fast", "Much faster than this project's usual time"
        COPIED = "copied_rationale", "Rationale copied from the shown responses"
        DUPLICATE = "duplicate_rationale", "Same rationale as another expert's"

    judgment = models.ForeignKey(Judgment, on_delete=models.CASCADE, related_name="flags")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    detail = models.TextField()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["judgment", "kind"], name="one_flag_per_kind"),
        ]
        indexes = [models.Index(fields=["project", "resolved_at", "created_at"])]


class QualitySnapshot(models.Model):
    """A project's quality figures at one moment; the requester page shows the latest."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="snapshots")
    computed_at = models.DateTimeField()
    judgment_count = models.PositiveIntegerField()
    data = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["project", "computed_at"])]


class Review(models.Model):
    """A second expert's check of one submission: approve, reject with a reason, or correct."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a reviewer"
        LEASED = "leased", "Being reviewed"
        DONE = "done", "Reviewed"

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CORRECTED = "corrected", "Corrected"

    judgment = models.OneToOneField(Judgment, on_delete=models.CASCADE, related_name="review")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reviewer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews_done"
    )
    leased_until = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    reason_code = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)
    corrected_choice = models.CharField(max_length=8, blank=True)
    # A correction of a task type other than pairwise: the reviewer's full answer.
    corrected_answer = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "status", "created_at"])]
