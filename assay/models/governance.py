"""Due process: decisions about experts, appeals, automated recommendations, the audit
log, the algorithm register's change history, and experts' ratings of requesters."""

from __future__ import annotations

from django.db import models

from assay.models.accounts import User
from assay.models.experts import Credential
from assay.models.ledger import AppendOnly
from assay.models.projects import Project
from assay.models.work import Judgment


class Decision(models.Model):
    """An adverse action against an expert, always by a named person with a listed reason."""

    class Kind(models.TextChoices):
        REJECT = "reject", "Submission rejected"
        WARN = "warn", "Warning"
        RESTRICT = "restrict", "Restricted from a project"
        SUSPEND = "suspend", "Suspended"
        REMOVE = "remove", "Removed from the platform"
        DECLINE_CREDENTIAL = "decline_credential", "Credential declined"

    class Status(models.TextChoices):
        AWAITING_SIGNOFF = "awaiting_signoff", "Waiting for a second operator"
        IN_EFFECT = "in_effect", "In effect"
        REVERSED = "reversed", "Reversed on appeal"
        LIFTED = "lifted", "Lifted"

    expert = models.ForeignKey(User, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    reason_code = models.CharField(max_length=40)
    rule_version = models.PositiveIntegerField()
    statement = models.TextField()
    # What the decision rests on, as the expert may see it: [{"label", "detail", "url"}].
    evidence = models.JSONField(default=list)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    judgment = models.ForeignKey(
        Judgment, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    credential = models.ForeignKey(
        Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signed_off_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    created_at = models.DateTimeField()
    effective_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["expert", "created_at"]),
            models.Index(fields=["status", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.reason_code})"


class Restriction(models.Model):
    """An expert kept out of one project by a decision in effect."""

    expert = models.ForeignKey(User, on_delete=models.CASCADE, related_name="restrictions")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="restriction")

    class Meta:
        indexes = [models.Index(fields=["expert", "project"])]


class Recommendation(models.Model):
    """What an automated system suggests; it changes nothing until an operator decides."""

    expert = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recommendations")
    source = models.CharField(max_length=32)
    kind = models.CharField(max_length=24, choices=Decision.Kind.choices)
    reason_code = models.CharField(max_length=40)
    evidence = models.JSONField(default=list)
    created_at = models.DateTimeField()
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)


class Appeal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Waiting for acknowledgement"
        ACKNOWLEDGED = "acknowledged", "Acknowledged, being reviewed"
        DECIDED = "decided", "Decided"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Decision upheld"
        REVERSED = "reversed", "Decision reversed"

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="appeal")
    expert = models.ForeignKey(User, on_delete=models.PROTECT, related_name="appeals")
    text = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # An operator other than the one who decided; None while no such operator exists
    # (every operator but the decider sees unassigned appeals).
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="appeal_assignments"
    )
    created_at = models.DateTimeField()
    acknowledge_by = models.DateTimeField()
    decide_by = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    reasons = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "decide_by"])]


class AuditEvent(AppendOnly):
    """One state change of consequence, written in the same transaction as the change."""

    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64)
    summary = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["at"]),
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action", "at"]),
        ]


class AlgorithmChange(models.Model):
    """A change to an automated system, announced with notice before it takes effect."""

    system = models.CharField(max_length=32)
    version = models.PositiveIntegerField()
    summary = models.CharField(max_length=300)
    diff = models.TextField()
    announced_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    announced_at = models.DateTimeField()
    effective_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "version"], name="one_algorithm_version"),
        ]


class RequesterRating(models.Model):
    """An expert's rating of a project's requester: guidelines, review fairness, pay."""

    expert = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ratings")
    clarity = models.PositiveSmallIntegerField()
    fairness = models.PositiveSmallIntegerField()
    pay_accuracy = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["expert", "project"], name="one_rating_per_project"),
        ]
