from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class Role(models.TextChoices):
        EXPERT = "expert", "Expert"
        REQUESTER = "requester", "Requester"
        OPERATOR = "operator", "Operator"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EXPERT)
    # Set while a suspension or removal decided by an operator is in effect: no work is
    # offered, but the expert can still sign in to read the statement and appeal.
    suspended_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_expert(self) -> bool:
        return self.role == self.Role.EXPERT

    @property
    def is_requester(self) -> bool:
        return self.role == self.Role.REQUESTER


class Organization(models.Model):
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    is_owner = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"


class ExpertProfile(models.Model):
    """What requesters may see of an expert: a pseudonym, never name or email."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="expert_profile")
    pseudonym = models.CharField(max_length=32, unique=True)
    country = models.CharField(max_length=2, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    weekly_hours = models.PositiveSmallIntegerField(default=10)
    content_opt_outs = models.JSONField(default=list, blank=True)
    show_identity = models.BooleanField(default=False)
    email_alerts = models.BooleanField(default=True)
    # Data cards name the expert (as credit_name) only when they opted in.
    named_credit = models.BooleanField(default=False)
    credit_name = models.CharField(max_length=120, blank=True)
    # Consent to reuse of their records beyond the project's licence (for a royalty).
    reuse_consent = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.pseudonym


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
