"""Notifications: credential expiry warnings, work alerts, batched email, unsubscribing.

Work alerts go to every expert ``eligible_experts`` returns; the projects here have
no requirements (open admission, no domain), so every expert with a profile is
eligible. erin and frank are experts; alice is a requester.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from django import db
from django.core import mail
from django.test import Client

from assay import clock
from assay.actions import alerts
from assay.cli import main
from assay.models import Credential, Domain, ExpertProfile, Notification, Project, User

# 15:00 UTC: daytime in London (15:00) and New York (10:00), midnight in Tokyo.
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


def verified(expert: User, *, until: dt.date, expires_on: dt.date | None = None) -> Credential:
    return Credential.objects.create(
        expert=expert,
        domain=Domain.objects.get(slug="law"),
        kind="licence",
        issuer="State Bar",
        expires_on=expires_on,
        status=Credential.Status.VERIFIED,
        verified_until=until,
        created_at=NOW,
    )


def add_work(project: Project, at: dt.datetime) -> None:
    Project.objects.filter(id=project.id).update(work_added_at=at)


def notify(user: User, key: str, title: str = "Something happened") -> Notification:
    return Notification.objects.create(
        user=user, kind="test", key=key, title=title, body=f"Body of {title}", url="/work/",
        created_at=clock.now(),
    )  # fmt: skip


def set_profile(user: User, **fields: Any) -> None:
    ExpertProfile.objects.filter(user=user).update(**fields)


# (1) Credential expiry warnings ----------------------------------------------------


def test_expiry_is_warned_once_within_thirty_days(erin: User) -> None:
    soon = verified(erin, until=NOW.date() + dt.timedelta(days=30))
    later = verified(erin, until=NOW.date() + dt.timedelta(days=31))
    assert alerts.warn_expiring_credentials() == 1
    assert alerts.warn_expiring_credentials() == 0
    notice = Notification.objects.get(user=erin)
    assert notice.kind == "credential"
    assert soon.verified_until is not None
    assert soon.verified_until.isoformat() in notice.title
    soon.refresh_from_db()
    assert soon.expiry_warned_at == NOW
    with clock.frozen(NOW + dt.timedelta(days=1)):
        assert alerts.warn_expiring_credentials() == 1
    later.refresh_from_db()
    assert later.expiry_warned_at is not None
    assert Notification.objects.filter(user=erin).count() == 2


def test_the_document_expiry_counts_when_it_comes_first(erin: User, frank: User) -> None:
    verified(erin, until=dt.date(2027, 1, 1), expires_on=NOW.date() + dt.timedelta(days=10))
    verified(frank, until=dt.date(2027, 1, 1), expires_on=dt.date(2027, 6, 1))
    Credential.objects.create(
        expert=frank,
        domain=Domain.objects.get(slug="law"),
        kind="licence",
        issuer="Pending Bar",
        expires_on=NOW.date(),
        created_at=NOW,
    )
    assert alerts.warn_expiring_credentials() == 1
    assert Notification.objects.get().user == erin


# (2) Work alerts -------------------------------------------------------------------------


def test_work_is_alerted_once_per_batch_to_every_eligible_expert(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    alice: User,
    make_expert: Callable[[str], User],
) -> None:
    gina = make_expert("gina")
    project = make_project()
    draft = make_project(publish=False)
    add_work(project, NOW - dt.timedelta(minutes=5))
    add_work(draft, NOW - dt.timedelta(minutes=5))
    assert alerts.send_work_alerts() == 3
    assert alerts.send_work_alerts() == 0
    told = Notification.objects.filter(kind="work")
    assert sorted(n.user.email for n in told) == sorted([erin.email, frank.email, gina.email])
    first = told.first()
    assert first is not None
    assert first.key == f"work:{project.id}:{(NOW - dt.timedelta(minutes=5)).isoformat()}"
    assert first.url == f"/work/{project.id}/"
    assert "$1.00 per task" in first.body
    project.refresh_from_db()
    assert project.alerted_at is not None
    # More work arrives: one new alert each, and still none about the draft.
    add_work(project, NOW + dt.timedelta(minutes=1))
    with clock.frozen(NOW + dt.timedelta(minutes=2)):
        assert alerts.send_work_alerts() == 3
        assert alerts.send_work_alerts() == 0
    assert Notification.objects.filter(user=erin, kind="work").count() == 2
    assert not Notification.objects.filter(user=alice).exists()


def test_only_published_projects_with_new_work_are_alerted(
    make_project: Callable[..., Project], erin: User
) -> None:
    make_project()  # publishing counts as new work
    draft = make_project(publish=False)
    add_work(draft, NOW)
    closed = make_project()
    Project.objects.filter(id=closed.id).update(status=Project.Status.CLOSED)
    assert alerts.send_work_alerts() == 1
    assert alerts.send_work_alerts() == 0


# (3) Batched email -------------------------------------------------------------------------


def test_one_email_summarizes_every_pending_notification(
    erin: User, frank: User, settings: Any
) -> None:
    settings.BASE_URL = "https://assay.example"
    for n in range(3):
        notify(erin, f"k{n}", f"Event {n}")
    notify(frank, "k0", "Frank's event")
    assert alerts.send_email_batches() == 2
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if m.to == [erin.email])
    assert message.subject == "Assay: 3 new notifications"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    for n in range(3):
        assert f"Event {n}" in message.body
    assert "https://assay.example/work/" in message.body
    assert "https://assay.example/alerts/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<https://assay.example/alerts/unsubscribe/"
    )
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert alerts.send_email_batches() == 0
    assert len(mail.outbox) == 2


def test_a_long_batch_lists_the_first_twenty(erin: User) -> None:
    for n in range(25):
        notify(erin, f"k{n}", f"Event {n:02d}")
    assert alerts.send_email_batches() == 1
    body = str(mail.outbox[0].body)
    assert "Event 19" in body
    assert "Event 20" not in body
    assert "and 5 more" in body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_single_notification_uses_its_title_as_subject(erin: User) -> None:
    notify(erin, "k", "Credential verified")
    alerts.send_email_batches()
    assert [m.subject for m in mail.outbox] == ["Credential verified"]


@pytest.mark.parametrize(
    ("timezone", "sent_at_first"),
    [("Europe/London", True), ("America/New_York", True), ("Asia/Tokyo", False)],
)
def test_email_waits_for_daytime_in_the_experts_timezone(
    erin: User, timezone: str, sent_at_first: bool
) -> None:
    set_profile(erin, timezone=timezone)
    notify(erin, "k")
    assert alerts.send_email_batches() == int(sent_at_first)
    # 23:30 UTC is 08:30 the next morning in Tokyo, 18:30 in New York, 23:30 in London.
    with clock.frozen(dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)):
        notify(erin, "k2")
        sent = alerts.send_email_batches()
    assert sent == int(timezone != "Europe/London")
    assert len(mail.outbox) == int(sent_at_first) + sent


def test_quiet_hours_edges() -> None:
    at = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    assert not alerts.in_sending_hours(at.replace(hour=7, minute=59), "UTC")
    assert alerts.in_sending_hours(at.replace(hour=8), "UTC")
    assert alerts.in_sending_hours(at.replace(hour=19, minute=59), "UTC")
    assert not alerts.in_sending_hours(at.replace(hour=20), "UTC")
    assert alerts.in_sending_hours(at.replace(hour=12), "Not/AZone")


def test_opted_out_and_unavailable_experts_get_no_email_but_keep_notifications(
    api: Callable[[User], Client], erin: User, frank: User, alice: User
) -> None:
    set_profile(erin, email_alerts=False)
    set_profile(frank, weekly_hours=0)
    for user in (erin, frank, alice):
        notify(user, "k")
    assert alerts.send_email_batches() == 0
    assert mail.outbox == []
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 3
    assert [n["title"] for n in api(erin).get("/api/v1/me/notifications").json()] == [
        "Something happened"
    ]


def test_notifications_read_in_the_app_are_not_emailed(erin: User) -> None:
    Notification.objects.filter(id=notify(erin, "k").id).update(read_at=NOW)
    assert alerts.send_email_batches() == 0


def unsubscribe_path(body: str) -> str:
    found = re.search(r"https?://[^/\s]+(/alerts/unsubscribe/[^\s]+/)", body)
    assert found is not None
    return found.group(1)


def test_the_unsubscribe_link_turns_email_off(erin: User) -> None:
    notify(erin, "k1")
    alerts.send_email_batches()
    path = unsubscribe_path(str(mail.outbox[0].body))
    page = Client().get(path)
    assert page.status_code == 200
    assert "Email alerts are off" in page.content.decode()
    assert not ExpertProfile.objects.get(user=erin).email_alerts
    notify(erin, "k2")
    assert alerts.send_email_batches() == 0
    assert Client().get(path).status_code == 200  # a second click is harmless


def test_one_click_unsubscribe_by_post_and_bad_tokens(erin: User) -> None:
    path = f"/alerts/unsubscribe/{alerts.unsubscribe_token(erin)}/"
    answer = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert not ExpertProfile.objects.get(user=erin).email_alerts
    forged = path.replace("/alerts/unsubscribe/", "/alerts/unsubscribe/x")
    assert Client().get(forged).status_code == 404
    assert Client().get("/alerts/unsubscribe/nonsense/").status_code == 404


# In-app notifications -----------------------------------------------------------------------


def test_api_lists_newest_first_and_marks_read(
    api: Callable[[User], Client], erin: User, frank: User
) -> None:
    notify(erin, "old", "Old")
    with clock.frozen(NOW + dt.timedelta(minutes=1)):
        newer = notify(erin, "new", "New")
    theirs = notify(frank, "x", "Frank's")
    client = api(erin)
    listed = client.get("/api/v1/me/notifications").json()
    assert [n["title"] for n in listed] == ["New", "Old"]
    assert listed[0]["read_at"] is None
    read = client.post(f"/api/v1/me/notifications/{newer.id}/read")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    again = client.post(f"/api/v1/me/notifications/{newer.id}/read")
    assert again.json()["read_at"] == read.json()["read_at"]
    other = client.post(f"/api/v1/me/notifications/{theirs.id}/read")
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "notification_not_found"
    assert Client().get("/api/v1/me/notifications").status_code == 401


def test_notifications_page_lists_and_marks_read(
    web: Callable[[User], Client], erin: User, frank: User
) -> None:
    mine = notify(erin, "k", "Work for you")
    theirs = notify(frank, "k", "Not for erin")
    client = web(erin)
    page = client.get("/notifications/").content.decode()
    assert "Work for you" in page
    assert "Not for erin" not in page
    assert f"/notifications/{mine.id}/read/" in page
    assert client.post(f"/notifications/{mine.id}/read/").status_code == 302
    mine.refresh_from_db()
    assert mine.read_at == NOW
    assert client.post(f"/notifications/{theirs.id}/read/").status_code == 404
    assert Client().get("/notifications/").status_code == 302


def test_credential_decision_reaches_the_expert_by_email(
    api: Callable[[User], Client], erin: User, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    add_work(project, NOW)
    alerts.send_work_alerts()
    notify(erin, "k", "Another")
    assert alerts.send_email_batches() == 1
    assert len(mail.outbox) == 1
    assert "New work: Helpfulness" in mail.outbox[0].body


# The command ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notify_command_runs_each_step_once_and_reports_counts(
    make_project: Callable[..., Project], erin: User
) -> None:
    add_work(make_project(), NOW)
    verified(erin, until=NOW.date())
    runner = CliRunner()
    first = runner.invoke(main, ["notify"])
    assert first.exit_code == 0, first.output
    assert "expiry warnings: 1, work alerts: 1, emails: 1" in first.output
    second = runner.invoke(main, ["notify"])
    assert "expiry warnings: 0, work alerts: 0, emails: 0" in second.output
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_notify_loop_polls_until_stopped(erin: User, monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    refreshed: list[bool] = []
    monkeypatch.setattr("assay.cli_alerts.time.sleep", sleep)
    # The test database must stay open; the real loop drops stale connections each round.
    monkeypatch.setattr(db, "close_old_connections", lambda: refreshed.append(True))
    result = CliRunner().invoke(main, ["notify", "--loop", "30"])
    assert sleeps == [30, 30]
    assert refreshed == [True, True]
    assert result.output.count("emails: 0") == 2
    refused = CliRunner().invoke(main, ["notify", "--loop", "0"])
    assert refused.exit_code == 2
