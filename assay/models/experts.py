from __future__ import annotations

from django.db import models

from assay.models.accounts import User


class Domain(models.Model):
    """A field of expertise from the maintained taxonomy; operators can mark it sensitive."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    sensitive = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class ExpertDomain(models.Model):
    expert = models.ForeignKey(User, on_delete=models.CASCADE, related_name="expert_domains")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT)
    years = models.PositiveSmallIntegerField()
    language_pair = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "domain", "language_pair"], name="one_expert_domain"
            ),
        ]


class ExpertLanguage(models.Model):
    expert = models.ForeignKey(User, on_delete=models.CASCADE, related_name="expert_languages")
    code = models.CharField(max_length=8)
    level = models.CharField(max_length=8)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["expert", "code"], name="one_expert_language"),
        ]


class Credential(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        VERIFIED = "verified", "Verified"
        DECLINED = "declined", "Declined"

    expert = models.ForeignKey(User, on_delete=models.CASCADE, related_name="credentials")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT)
    kind = models.CharField(max_length=16)
    issuer = models.CharField(max_length=200)
    identifier = models.CharField(max_length=100, blank=True)
    jurisdiction = models.CharField(max_length=100, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    verified_until = models.DateField(null=True, blank=True)
    reason_code = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.kind} ({self.issuer})"


class Evidence(models.Model):
    """A file behind a credential, stored outside any public URL."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="evidence")
    path = models.CharField(max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField()


class Skill(models.Model):
    """A score in a domain granted by passing a qualification test; it expires."""

    expert = models.ForeignKey(User, on_delete=models.CASCADE, related_name="skills")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT)
    test = models.ForeignKey("QualificationTest", on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["expert", "test"], name="one_skill_per_test"),
        ]
