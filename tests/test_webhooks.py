"""Webhooks: signed deliveries to a real receiver on loopback, retries, replay, the log."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from assay import clock
from assay.actions import webhooks
from assay.models import Project, User, WebhookDelivery
from assay.webhooks import verify
from tests.test_exports import vote

NOW = dt.timedelta(0)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def events(self) -> list[str]:
        return [json.loads(r["body"])["event"] for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    made.thread.start()
    yield made
    made.server.shutdown()
    made.server.server_close()


def register(client: Client, url: str, events: list[str], **extra: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/webhooks",
        {"url": url, "events": events, **extra},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_export_ready_is_signed_and_delivered(
    make_project: Callable[..., Project],
    alice: User,
    api: Callable[[User], Client],
    receiver: Receiver,
) -> None:
    client = api(alice)
    endpoint = register(client, receiver.url, ["export.ready"])
    project = make_project(items=1)
    made = client.post(
        f"/api/v1/projects/{project.id}/exports",
        {"kind": "judgments"},
        content_type="application/json",
    ).json()
    assert WebhookDelivery.objects.filter(event="export.ready").count() == 1
    counts = webhooks.run_once(settle=NOW)
    assert counts.delivered == 1
    (request,) = receiver.requests
    headers = request["headers"]
    assert verify(
        endpoint["secret"],
        request["body"],
        headers["Assay-Webhook-Timestamp"],
        headers["Assay-Webhook-Signature"],
        now=time.time(),
    )
    assert not verify("wrong", request["body"], headers["Assay-Webhook-Timestamp"],
                      headers["Assay-Webhook-Signature"], now=time.time())  # fmt: skip
    body = json.loads(request["body"])
    assert body["data"]["export_id"] == made["id"]
    log = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json()
    assert [(d["event"], d["status"], d["attempts"]) for d in log] == [
        ("export.ready", "delivered", 1)
    ]


def test_completions_are_noticed_once_each(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
    receiver: Receiver,
) -> None:
    register(api(alice), receiver.url, ["item.completed", "batch.completed", "project.completed"])
    project = make_project(items=2, overlap=1)
    ann = make_expert("ann")
    vote(project, ann, "a", "item-0")
    webhooks.run_once(settle=NOW)
    vote(project, ann, "b", "item-1")
    webhooks.run_once(settle=NOW)
    webhooks.run_once(settle=NOW)
    assert receiver.events() == [
        "item.completed",
        "item.completed",
        "batch.completed",
        "project.completed",
    ]


def test_failures_retry_with_backoff_then_succeed(
    make_project: Callable[..., Project],
    alice: User,
    api: Callable[[User], Client],
    receiver: Receiver,
) -> None:
    client = api(alice)
    endpoint = register(client, receiver.url, ["export.ready"])
    receiver.statuses = [500]
    project = make_project(items=1)
    client.post(f"/api/v1/projects/{project.id}/exports", {"kind": "judgments"},
                content_type="application/json")  # fmt: skip
    assert webhooks.run_once(settle=NOW).delivered == 0
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at > clock.now() + dt.timedelta(seconds=20)
    assert webhooks.run_once(settle=NOW).delivered == 0
    with clock.frozen(delivery.next_attempt_at + dt.timedelta(seconds=1)):
        assert webhooks.run_once(settle=NOW).delivered == 1
    assert len(receiver.requests) == 2
    assert {r["headers"]["Assay-Webhook-Id"] for r in receiver.requests} == {str(delivery.id)}
    log = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json()
    assert log[0]["status"] == "delivered"


def test_replay_sends_a_logged_delivery_again(
    make_project: Callable[..., Project],
    alice: User,
    api: Callable[[User], Client],
    receiver: Receiver,
) -> None:
    client = api(alice)
    register(client, receiver.url, ["export.ready"])
    project = make_project(items=1)
    client.post(f"/api/v1/projects/{project.id}/exports", {"kind": "judgments"},
                content_type="application/json")  # fmt: skip
    webhooks.run_once(settle=NOW)
    first = WebhookDelivery.objects.get()
    replayed = client.post(f"/api/v1/webhooks/deliveries/{first.id}/replay")
    assert replayed.status_code == 201
    assert replayed.json()["replay_of"] == first.id
    webhooks.run_once(settle=NOW)
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]


def test_budget_low_fires_once_until_the_balance_recovers(
    alice: User, api: Callable[[User], Client], receiver: Receiver
) -> None:
    register(api(alice), receiver.url, ["budget.low"], budget_low_cents=10**9)
    webhooks.run_once(settle=NOW)
    webhooks.run_once(settle=NOW)
    assert receiver.events() == ["budget.low"]


def test_only_https_or_loopback_addresses(alice: User, api: Callable[[User], Client]) -> None:
    response = api(alice).post(
        "/api/v1/webhooks",
        {"url": "http://example.com/hook", "events": ["export.ready"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "url"


def test_other_organizations_see_nothing(
    make_project: Callable[..., Project],
    alice: User,
    charlie: User,
    erin: User,
    api: Callable[[User], Client],
    receiver: Receiver,
) -> None:
    client = api(alice)
    endpoint = register(client, receiver.url, ["export.ready"])
    project = make_project(items=1)
    client.post(f"/api/v1/projects/{project.id}/exports", {"kind": "judgments"},
                content_type="application/json")  # fmt: skip
    delivery = WebhookDelivery.objects.get()
    outsider = api(charlie)
    assert outsider.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").status_code == 404
    assert outsider.post(f"/api/v1/webhooks/deliveries/{delivery.id}/replay").status_code == 404
    assert outsider.get("/api/v1/webhooks").json() == []
    assert api(erin).get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").status_code == 404
