from __future__ import annotations

from django.db import models

from assay.models.accounts import User
from assay.models.experts import Domain
from assay.models.projects import Project


class QualificationTest(models.Model):
    """A paid test, platform-wide (per domain, by an operator) or for one project."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="tests"
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    estimated_minutes = models.PositiveIntegerField()
    time_limit_minutes = models.PositiveIntegerField()
    pay_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    pass_mark = models.PositiveSmallIntegerField()
    cooldown_days = models.PositiveSmallIntegerField(default=7)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    skill_valid_days = models.PositiveIntegerField(default=365)
    published = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        CHOICE = "choice", "Multiple choice"
        PAIRWISE = "pairwise", "Pairwise"
        FREE_TEXT = "free_text", "Free text"

    test = models.ForeignKey(QualificationTest, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    category = models.CharField(max_length=100)
    prompt = models.TextField()
    options = models.JSONField(default=list, blank=True)
    response_a = models.TextField(blank=True)
    response_b = models.TextField(blank=True)
    answer = models.CharField(max_length=16, blank=True)
    rubric = models.TextField(blank=True)
    points = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["test", "position"], name="one_question_position"),
        ]


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        AWAITING_REVIEW = "awaiting_review", "Waiting for a reviewer"
        GRADED = "graded", "Graded"
        EXPIRED = "expired", "Time ran out"

    test = models.ForeignKey(QualificationTest, on_delete=models.PROTECT, related_name="attempts")
    expert = models.ForeignKey(User, on_delete=models.CASCADE, related_name="attempts")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expert", "test", "started_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "test"],
                condition=models.Q(status="in_progress"),
                name="one_open_attempt",
            ),
        ]


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.TextField(blank=True)
    points_awarded = models.PositiveSmallIntegerField(null=True, blank=True)
    reviewer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer"),
        ]


class Earning(models.Model):
    """Pay owed to an expert for unpaid-elsewhere work, recorded for the ledger to settle."""

    class Kind(models.TextChoices):
        QUALIFICATION = "qualification", "Qualification test"
        REVIEW = "review", "Review of another expert's submission"

    expert = models.ForeignKey(User, on_delete=models.PROTECT, related_name="earnings")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    attempt = models.OneToOneField(
        Attempt, null=True, blank=True, on_delete=models.PROTECT, related_name="earning"
    )
    review = models.OneToOneField(
        "Review", null=True, blank=True, on_delete=models.PROTECT, related_name="earning"
    )
    created_at = models.DateTimeField()
