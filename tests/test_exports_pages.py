"""The pages: exports with their data cards and history, and webhook settings with the log."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from assay.actions import webhooks
from assay.models import ExportRecord, Project, User, WebhookDelivery
from tests.test_exports import vote


def test_a_requester_makes_an_export_and_reads_its_card(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    web: Callable[[User], Client],
) -> None:
    project = make_project(items=1, overlap=1)
    vote(project, make_expert("ann"), "b", "item-0")
    client = web(alice)
    assert "Exports" in client.get("/exports/").content.decode()
    page = client.get(f"/projects/{project.id}/exports/")
    assert "Preference pairs" in page.content.decode()
    made = client.post(
        f"/projects/{project.id}/exports/",
        {"kind": "preference", "container": "parquet", "provenance": "on", "min_confidence": "0"},
    )
    record = ExportRecord.objects.get()
    assert made.status_code == 302
    assert made["Location"] == f"/exports/{record.id}/"
    detail = client.get(made["Location"]).content.decode()
    assert "Data card" in detail
    assert "Median effective hourly rate" in detail
    download = client.get(f"/exports/{record.id}/download/")
    assert b"".join(download.streaming_content)[:4] == b"PAR1"  # type: ignore[attr-defined]
    history = client.get(f"/projects/{project.id}/exports/").content.decode()
    assert f"/exports/{record.id}/download/" in history


def test_bad_export_options_show_on_the_page(
    make_project: Callable[..., Project], alice: User, web: Callable[[User], Client]
) -> None:
    project = make_project(items=1)
    page = web(alice).post(
        f"/projects/{project.id}/exports/", {"kind": "judgments", "min_confidence": "7"}
    )
    assert page.status_code == 400
    assert "min_confidence" in page.content.decode()


def test_webhook_settings_log_and_replay(
    make_project: Callable[..., Project], alice: User, charlie: User, web: Callable[[User], Client]
) -> None:
    client = web(alice)
    page = client.post(
        "/webhooks/", {"url": "https://hooks.example.test/assay", "events": ["export.ready"]}
    )
    assert "signing secret" in page.content.decode()
    endpoint_id = webhooks.endpoints_for(alice).get().id
    project = make_project(items=1)
    client.post(f"/projects/{project.id}/exports/", {"kind": "judgments"})
    delivery = WebhookDelivery.objects.get()
    log = client.get(f"/webhooks/{endpoint_id}/deliveries/").content.decode()
    assert "export.ready" in log
    assert client.post(f"/webhooks/deliveries/{delivery.id}/replay/").status_code == 302
    assert WebhookDelivery.objects.filter(replay_of=delivery).count() == 1
    assert web(charlie).get(f"/webhooks/{endpoint_id}/deliveries/").status_code == 404
    assert web(charlie).post(f"/webhooks/deliveries/{delivery.id}/replay/").status_code == 404
    client.post(f"/webhooks/{endpoint_id}/toggle/")
    assert not webhooks.endpoints_for(alice).get().active


def test_a_non_numeric_budget_threshold_is_a_field_error(
    alice: User, web: Callable[[User], Client]
) -> None:
    page = web(alice).post(
        "/webhooks/",
        {
            "url": "https://hooks.example.test/assay",
            "events": ["budget.low"],
            "budget_low_cents": "ten dollars",
        },
    )
    assert page.status_code == 400
    body = page.content.decode()
    assert "Please correct the highlighted fields." in body
    assert "budget_low_cents: a whole number of cents, zero or more" in body
    assert not webhooks.endpoints_for(alice).exists()
