from __future__ import annotations

from django.db import models

from assay.models.accounts import User
from assay.models.projects import Project


class PoolMember(models.Model):
    """An eligible expert's place in a project's pool: admitted, or waiting in line."""

    class Status(models.TextChoices):
        ADMITTED = "admitted", "Admitted"
        WAITLISTED = "waitlisted", "Waitlisted"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="pool")
    expert = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pools")
    status = models.CharField(max_length=16, choices=Status.choices)
    joined_at = models.DateTimeField()
    admitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "expert"], name="one_pool_place"),
        ]
        indexes = [models.Index(fields=["project", "status", "joined_at"])]


class Notification(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # The same event never notifies the same person twice.
            models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_event"),
        ]
        indexes = [models.Index(fields=["emailed_at", "created_at"])]
