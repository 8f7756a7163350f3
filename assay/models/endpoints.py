"""Models in the loop: an organization's model endpoints, and every call made to one."""

from __future__ import annotations

from django.db import models

from assay.models.accounts import Organization, User
from assay.models.projects import Project
from assay.models.work import Item


class ModelEndpoint(models.Model):
    """An OpenAI-compatible chat-completions API (vLLM, llama.cpp, Ollama, hosted).

    The secret key is stored encrypted and never shown again after it is saved.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="endpoints"
    )
    name = models.CharField(max_length=100)
    base_url = models.CharField(max_length=500)
    model = models.CharField(max_length=200)
    secret_encrypted = models.TextField(blank=True)
    secret_hint = models.CharField(max_length=8, blank=True)
    timeout_seconds = models.PositiveIntegerField(default=60)
    requests_per_minute = models.PositiveIntegerField(default=60)
    parameters = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The rate limit's current one-minute window, shared by every process through the
    # database: a call takes a slot by a compare-and-set on these two fields.
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="one_endpoint_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.model})"


class ModelCall(models.Model):
    """One model turn: what was asked of which endpoint, how long it took, what it cost."""

    class Status(models.TextChoices):
        OK = "ok", "Answered"
        ERROR = "error", "Failed"

    endpoint = models.ForeignKey(ModelEndpoint, on_delete=models.PROTECT, related_name="calls")
    purpose = models.CharField(max_length=32)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expert = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    model = models.CharField(max_length=200)
    parameters = models.JSONField(default=dict)
    messages = models.JSONField(default=list)
    reply = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices)
    error = models.TextField(blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["endpoint", "created_at"])]


class GenerationRun(models.Model):
    """Candidate responses asked of two or more endpoints for a list of prompts.

    Each prompt is claimed by a compare-and-set on ``next_index`` and becomes its items
    in one transaction, so several workers (or page polls) share a run and a prompt is
    never half-created.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Finished"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    endpoints = models.JSONField(default=list)
    prompts = models.JSONField(default=list)
    next_index = models.PositiveIntegerField(default=0)
    finished_count = models.PositiveIntegerField(default=0)
    items_created = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)


class ProjectJudge(models.Model):
    """A judge model that pre-grades a project's items; experts still decide."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="judge")
    endpoint = models.ForeignKey(ModelEndpoint, on_delete=models.PROTECT, related_name="+")
    instructions = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
