from __future__ import annotations

from django.db import models

from assay.models.accounts import Organization, User


class Project(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    class Admission(models.TextChoices):
        OPEN = "open", "Every expert"
        INVITED = "invited", "Invited experts only"

    class PayMode(models.TextChoices):
        TASK = "task", "Per task"
        HOUR = "hour", "Per hour of active time"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    task_type = models.CharField(max_length=32, default="pairwise")
    # The task type's project settings, validated by its config schema (assay/tasktypes):
    # rubric criteria, policy taxonomy, whether a ranking allows ties...
    task_config = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    admission = models.CharField(max_length=16, choices=Admission.choices, default="open")
    overlap = models.PositiveIntegerField(default=3)
    # Per task; for hourly projects, per hour of active time (lease to submit).
    pay_mode = models.CharField(max_length=8, choices=PayMode.choices, default=PayMode.TASK)
    pay_cents = models.PositiveIntegerField()
    hourly_cap_minutes = models.PositiveIntegerField(null=True, blank=True)
    pause_reason = models.TextField(blank=True)
    currency = models.CharField(max_length=3)
    estimated_minutes = models.PositiveIntegerField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    guidelines = models.ForeignKey(
        "GuidelineVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    domain = models.ForeignKey(
        "Domain", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    min_skill_score = models.PositiveSmallIntegerField(default=0)
    required_language = models.CharField(max_length=8, blank=True)
    qualification = models.ForeignKey(
        "QualificationTest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    content_risks = models.JSONField(default=list, blank=True)
    priority = models.SmallIntegerField(default=0)
    deadline = models.DateTimeField(null=True, blank=True)
    gold_rate = models.FloatField(default=0.0)
    daily_cap_per_expert = models.PositiveIntegerField(null=True, blank=True)
    cap_per_expert = models.PositiveIntegerField(null=True, blank=True)
    # Quality: show gold answers after submission; adaptive redundancy settings.
    gold_feedback = models.BooleanField(default=True)
    adaptive = models.BooleanField(default=False)
    adaptive_max = models.PositiveSmallIntegerField(default=7)
    confidence_target = models.FloatField(default=0.95)
    # Share of submissions sampled for review by another expert (1.0 in sensitive domains).
    review_rate = models.FloatField(default=0.0)
    review_pay_cents = models.PositiveIntegerField(default=0)
    alerted_at = models.DateTimeField(null=True, blank=True)
    work_added_at = models.DateTimeField(null=True, blank=True)
    # What experts' work may be used for (docs/exports.md): a code from LICENCES, with the
    # requester's own words; shown to experts before they take a task.
    licence = models.CharField(max_length=32, default="requester-training")
    licence_terms = models.TextField(blank=True)
    # Paid per exported record to each contributor when records leave under another licence.
    royalty_cents = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["status", "admission"])]

    def __str__(self) -> str:
        return self.name

    @property
    def licence_name(self) -> str:
        from assay.exports.licences import licence_name

        return licence_name(self.licence)

    @property
    def hourly_rate_cents(self) -> int:
        """The hourly rate offered: the rate itself, or what task pay implies (rounded down)."""
        if self.pay_mode == self.PayMode.HOUR:
            return self.pay_cents
        return self.pay_cents * 60 // self.estimated_minutes


class GuidelineVersion(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="guideline_versions"
    )
    number = models.PositiveIntegerField()
    body = models.TextField()
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="one_guideline_number"),
        ]

    def __str__(self) -> str:
        return f"{self.project} guidelines v{self.number}"


class ProjectExpert(models.Model):
    """An expert admitted to an invite-only project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    expert = models.ForeignKey(User, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "expert"], name="one_admission"),
        ]
