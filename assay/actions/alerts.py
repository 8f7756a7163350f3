"""Notifications that a background process sends: expiry warnings, work alerts, email.

Each step is idempotent, so ``assay notify`` can run as often as you like, and
several copies can run at once: a notification's key is unique per user, and
each batch is claimed with a compare-and-set update before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q, QuerySet

from assay import clock
from assay.domain import credentials as rules
from assay.domain.pay import format_money
from assay.domain.taxonomy import CREDENTIAL_KINDS
from assay.eligibility import eligible_experts
from assay.errors import NotFound
from assay.models import Credential, ExpertProfile, Notification, Project, User

SEND_FROM_HOUR = 8
SEND_UNTIL_HOUR = 20
UNSUBSCRIBE_SALT = "assay.alerts.unsubscribe"
LIST_LIMIT = 100
EMAIL_LIST_LIMIT = 20  # a longer email goes unread; the rest are one click away


@dataclass(frozen=True)
class RunCounts:
    expiry_warnings: int
    work_alerts: int
    emails: int


def run_once() -> RunCounts:
    return RunCounts(
        expiry_warnings=warn_expiring_credentials(),
        work_alerts=send_work_alerts(),
        emails=send_email_batches(),
    )


# In-app notifications -------------------------------------------------------


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def mark_read(*, user: User, notification_id: int) -> Notification:
    with transaction.atomic():
        notification = Notification.objects.filter(id=notification_id, user=user).first()
        if notification is None:
            raise NotFound("No such notification.", code="notification_not_found")
        if notification.read_at is None:
            notification.read_at = clock.now()
            notification.save(update_fields=["read_at"])
    return notification


def notify(user_id: int, *, kind: str, key: str, title: str, body: str, url: str) -> bool:
    """Create the notification unless this event already notified this user."""
    _, created = Notification.objects.get_or_create(
        user_id=user_id,
        key=key,
        defaults={
            "kind": kind,
            "title": title[:200],
            "body": body,
            "url": url,
            "created_at": clock.now(),
        },
    )
    return created


# (1) Credential expiry warnings -----------------------------------------------


def _expiry_notice(credential: Credential, end: dt.date, today: dt.date) -> tuple[str, str]:
    label = f"{CREDENTIAL_KINDS.get(credential.kind, credential.kind)} from {credential.issuer}"
    verb = "expired" if end < today else "expires"
    body = (
        f"Your verified credential {label} {verb} on {end.isoformat()}. "
        "Add a current one with new evidence to stay eligible for work that needs it."
    )
    return f"Credential {verb} {end.isoformat()}: {label}", body


def _warn(credential: Credential, today: dt.date) -> bool:
    end = rules.effective_end(
        verified_until=credential.verified_until, expires_on=credential.expires_on
    )
    if end is None:
        return False
    with transaction.atomic():
        claimed = Credential.objects.filter(
            id=credential.id, status=Credential.Status.VERIFIED, expiry_warned_at__isnull=True
        ).update(expiry_warned_at=clock.now())
        if claimed != 1:
            return False
        title, body = _expiry_notice(credential, end, today)
        return notify(
            credential.expert_id,
            kind="credential",
            key=f"credential-expiry:{credential.id}:{end.isoformat()}",
            title=title,
            body=body,
            url="/credentials/",
        )


def warn_expiring_credentials() -> int:
    """Warn once about each verified credential that ends within the warning window."""
    today = clock.now().date()
    horizon = today + dt.timedelta(days=rules.EXPIRY_WARNING_DAYS)
    candidates = Credential.objects.filter(
        Q(verified_until__lte=horizon) | Q(expires_on__lte=horizon),
        status=Credential.Status.VERIFIED,
        expiry_warned_at__isnull=True,
    )
    return sum(_warn(c, today) for c in candidates.order_by("id"))


# (2) Work alerts ----------------------------------------------------------------


def _work_notice(project: Project) -> tuple[str, str]:
    rate = project.hourly_rate_cents
    body = (
        f"{project.name} has new tasks you are eligible for: "
        f"{format_money(project.pay_cents, project.currency)} per task, "
        f"about {project.estimated_minutes} min, {format_money(rate, project.currency)} an hour."
    )
    return f"New work: {project.name}", body


def projects_due_for_alerts() -> QuerySet[Project]:
    newer = Q(alerted_at__isnull=True) | Q(work_added_at__gt=F("alerted_at"))
    return Project.objects.filter(
        newer, status=Project.Status.PUBLISHED, work_added_at__isnull=False
    ).order_by("id")


def _alert_project(project_id: int) -> int:
    with transaction.atomic():
        project = projects_due_for_alerts().select_for_update().filter(id=project_id).first()
        if project is None or project.work_added_at is None:
            return 0  # another run alerted this batch meanwhile
        batch = project.work_added_at
        title, body = _work_notice(project)
        title = title[:200]
        key = f"work:{project.id}:{batch.isoformat()}"
        url = f"/work/{project.id}/"
        told = set(Notification.objects.filter(key=key).values_list("user_id", flat=True))
        now = clock.now()
        fresh = [
            Notification(
                user=expert, kind="work", key=key, title=title, body=body, url=url, created_at=now
            )
            for expert in eligible_experts(project)
            if expert.id not in told
        ]
        Notification.objects.bulk_create(fresh, batch_size=500, ignore_conflicts=True)
        # alerted_at records the batch alerted, not the wall clock: work added while
        # this ran carries a later work_added_at and is alerted by the next run.
        Project.objects.filter(id=project.id).update(alerted_at=batch)
    return len(fresh)


def send_work_alerts() -> int:
    """Tell every eligible expert, once per batch, that a project has new work."""
    ids = list(projects_due_for_alerts().values_list("id", flat=True))
    return sum(_alert_project(project_id) for project_id in ids)


# (3) Batched email ----------------------------------------------------------------


def in_sending_hours(now: dt.datetime, timezone: str) -> bool:
    """Whether it is daytime (08:00 to 20:00) where the expert lives."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return SEND_FROM_HOUR <= now.astimezone(zone).hour < SEND_UNTIL_HOUR


def unsubscribe_token(user: User) -> str:
    return signing.dumps({"user": user.id}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user: User) -> str:
    return f"{settings.BASE_URL}/alerts/unsubscribe/{unsubscribe_token(user)}/"


def unsubscribe(*, token: str) -> User:
    """Turn email alerts off for the user the signed token names."""
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)["user"]
    except (signing.BadSignature, KeyError, TypeError):
        raise NotFound("This unsubscribe link is not valid.", code="bad_unsubscribe_link") from None
    with transaction.atomic():
        profile = ExpertProfile.objects.select_related("user").filter(user_id=user_id).first()
        if profile is None:
            raise NotFound("This unsubscribe link is not valid.", code="bad_unsubscribe_link")
        if profile.email_alerts:
            profile.email_alerts = False
            profile.save(update_fields=["email_alerts"])
    return profile.user


def _pending(user_id: int) -> QuerySet[Notification]:
    # Notifications read in the app already are not worth an email.
    return Notification.objects.filter(
        user_id=user_id, emailed_at__isnull=True, read_at__isnull=True
    )


def _may_email(profile: ExpertProfile | None, now: dt.datetime) -> bool:
    if profile is None or not profile.email_alerts or profile.weekly_hours <= 0:
        return False
    return in_sending_hours(now, profile.timezone)


def _email(user: User, notifications: list[Notification]) -> EmailMessage:
    count = len(notifications)
    subject = notifications[0].title if count == 1 else f"Assay: {count} new notifications"
    lines = [f"Hello {user.first_name or 'there'},", ""]
    for n in notifications[:EMAIL_LIST_LIMIT]:
        lines += [f"* {n.title}", f"  {n.body}"]
        lines += [f"  {settings.BASE_URL}{n.url}", ""] if n.url else [""]
    if count > EMAIL_LIST_LIMIT:
        lines += [f"…and {count - EMAIL_LIST_LIMIT} more.", ""]
    unsubscribe_link = unsubscribe_url(user)
    lines += [
        f"All notifications: {settings.BASE_URL}/notifications/",
        "",
        f"Stop these emails with one click: {unsubscribe_link}",
    ]
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers=headers,
    )


def _email_user(user_id: int, now: dt.datetime) -> bool:
    profile = ExpertProfile.objects.select_related("user").filter(user_id=user_id).first()
    if profile is None or not _may_email(profile, now) or not profile.user.email:
        return False  # stays pending: opted out, no hours, or night where they live
    with transaction.atomic():
        batch = list(_pending(user_id).order_by("created_at", "id"))
        ids = [n.id for n in batch]
        claimed = Notification.objects.filter(id__in=ids, emailed_at__isnull=True).update(
            emailed_at=now
        )
        if not batch or claimed != len(ids):
            transaction.set_rollback(True)  # another run is emailing this user
            return False
        # Sent inside the transaction: if sending fails, the batch stays pending.
        _email(profile.user, batch).send()
    return True


def send_email_batches() -> int:
    """One email per user summarizing every pending notification, in their daytime."""
    now = clock.now()
    user_ids = sorted(_pending_user_ids())
    return sum(_email_user(user_id, now) for user_id in user_ids)


def _pending_user_ids() -> QuerySet[Notification, int]:
    pending = Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True)
    return pending.values_list("user_id", flat=True).distinct()
