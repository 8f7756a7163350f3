"""Webhooks: endpoints, the outbox, delivery with retries, replay, and event detection.

``emit`` writes outbox rows inside the transaction of the change it reports, so an event
is sent if and only if its change committed. A submission that completes its item queues
the completion events itself (``judgment_stored``, in the submission's transaction).
``assay notify`` then calls ``run_once``: it notices low budgets, catches the completions
the submissions could not see (a batch or project finished by two transactions
committing at once on PostgreSQL, and judgments stored before this existed; duplicates
are one delivery per endpoint by the outbox's unique key), and delivers due rows. Each
due row is claimed by a compare-and-set on ``next_attempt_at`` before it is sent, so
several workers never send one attempt twice. docs/webhooks.md describes the contract for receivers.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from assay import audit, clock
from assay.access import organizations_of
from assay.errors import InvalidInput, NotFound, raise_for_fields
from assay.models import (
    Account,
    Item,
    Judgment,
    Organization,
    Project,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookScan,
)
from assay.webhooks import backoff_seconds, send, url_problem

EVENTS = {
    "item.completed": "An item has all the judgments it needs",
    "batch.completed": "Every item of one upload is complete",
    "project.completed": "Every item of a project is complete",
    "export.ready": "An export was made and can be downloaded",
    "budget.low": "The organization's balance fell under the endpoint's threshold",
}
COMPLETION_EVENTS = ("item.completed", "batch.completed", "project.completed")
MAX_ATTEMPTS = 8
CLAIM_SECONDS = 60
SCAN_LIMIT = 5000
# Judgments younger than this are left for the next scan: a transaction that took an id
# earlier may still be committing, and the scan never looks back.
SETTLE = dt.timedelta(seconds=10)
MAX_ENDPOINTS = 20


def endpoints_for(user: User) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization__in=organizations_of(user))


def access_endpoint_by_id(user: User, endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoints_for(user).filter(id=endpoint_id).first()
    if endpoint is None or not user.is_requester:
        raise NotFound("No such webhook endpoint.", code="endpoint_not_found")
    return endpoint


def access_delivery_by_id(user: User, delivery_id: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.filter(id=delivery_id, endpoint__in=endpoints_for(user))
        .select_related("endpoint")
        .first()
    )
    if delivery is None or not user.is_requester:
        raise NotFound("No such delivery.", code="delivery_not_found")
    return delivery


def register_endpoint(
    *,
    actor: User,
    organization: Organization,
    url: str,
    events: list[str],
    budget_low_cents: int = 10_000,
) -> WebhookEndpoint:
    problems: dict[str, str] = {}
    if len(url) > 500 or (why := url_problem(url)):
        problems["url"] = "the address is too long" if len(url) > 500 else str(why)
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        problems["events"] = f"choose from: {', '.join(EVENTS)}"
    if budget_low_cents < 0:
        problems["budget_low_cents"] = "a threshold of zero or more cents"
    raise_for_fields(problems)
    if WebhookEndpoint.objects.filter(organization=organization).count() >= MAX_ENDPOINTS:
        raise InvalidInput(f"At most {MAX_ENDPOINTS} endpoints.", code="too_many_endpoints")
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            organization=organization,
            url=url,
            secret=secrets.token_hex(32),
            events=sorted(set(events)),
            budget_low_cents=budget_low_cents,
            created_by=actor,
            created_at=clock.now(),
        )
        audit.record("webhook.register", endpoint, actor=actor, url=url, events=endpoint.events)
    return endpoint


def set_active(*, actor: User, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    with transaction.atomic():
        WebhookEndpoint.objects.filter(id=endpoint.id).update(active=active)
        audit.record("webhook.active", endpoint, actor=actor, active=active)
    endpoint.active = active
    return endpoint


def _queue(endpoints: list[WebhookEndpoint], event: str, key: str, payload: dict[str, Any]) -> int:
    now = clock.now()
    body = {"event": event, "created_at": now.isoformat(), "data": payload}
    rows = [
        WebhookDelivery(
            endpoint=endpoint,
            event=event,
            event_key=key,
            payload=body,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    ]
    # An event noticed twice (for example by two workers) stays one delivery per endpoint.
    return len(WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True))


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("webhooks.emit must run inside the transaction of the event")


def _emit_to(
    endpoints: Sequence[WebhookEndpoint], event: str, key: str, payload: dict[str, Any]
) -> int:
    """Queue ``event`` for those of ``endpoints`` (active, one organization's) that want it."""
    _require_transaction()
    wanting = [e for e in endpoints if event in e.events]
    return _queue(wanting, event, f"{event}:{key}", payload) if wanting else 0


def emit(*, organization_id: int, event: str, key: str, payload: dict[str, Any]) -> int:
    """Queue ``event`` for every active endpoint of the organization that wants it."""
    _require_transaction()
    endpoints = list(WebhookEndpoint.objects.filter(organization_id=organization_id, active=True))
    return _emit_to(endpoints, event, key, payload)


def replay(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a logged delivery again, as a new delivery with its own id and log."""
    now = clock.now()
    with transaction.atomic():
        copy = WebhookDelivery.objects.create(
            endpoint_id=delivery.endpoint_id,
            event=delivery.event,
            event_key=f"{delivery.event_key}#replay-{secrets.token_hex(6)}",
            payload=delivery.payload,
            next_attempt_at=now,
            created_at=now,
            replay_of=delivery,
        )
        audit.record("webhook.replay", copy, actor=actor, replay_of=delivery.id)
    return copy


# Delivery -------------------------------------------------------------------------------


def _claim(delivery: WebhookDelivery, now: dt.datetime) -> bool:
    until = now + dt.timedelta(seconds=CLAIM_SECONDS)
    claimed = WebhookDelivery.objects.filter(
        id=delivery.id, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
    ).update(next_attempt_at=until, attempts=F("attempts") + 1)
    return claimed == 1


def deliver_one(delivery: WebhookDelivery, *, transport: httpx.BaseTransport | None = None) -> bool:
    now = clock.now()
    if not _claim(delivery, now):
        return False
    endpoint = delivery.endpoint
    attempts = delivery.attempts + 1
    result = send(
        url=endpoint.url,
        secret=endpoint.secret,
        delivery_id=delivery.id,
        event=delivery.event,
        body=json.dumps(delivery.payload, separators=(",", ":")).encode(),
        timestamp=int(now.timestamp()),
        transport=transport,
    )
    update: dict[str, Any] = {"last_status_code": result.status_code, "last_error": result.error}
    if result.ok:
        update.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=clock.now())
    elif attempts >= MAX_ATTEMPTS:
        update["status"] = WebhookDelivery.Status.FAILED
    else:
        update["next_attempt_at"] = now + dt.timedelta(seconds=backoff_seconds(attempts))
    WebhookDelivery.objects.filter(id=delivery.id).update(**update)
    return result.ok


def deliver_due(*, limit: int = 100, transport: httpx.BaseTransport | None = None) -> int:
    due = (
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=clock.now()
        )
        .select_related("endpoint")
        .order_by("next_attempt_at", "id")[:limit]
    )
    return sum(deliver_one(d, transport=transport) for d in list(due))


# Noticing events ------------------------------------------------------------------------


Endpoints = dict[int, list[WebhookEndpoint]]  # organization id: its active endpoints


def _completions(items: Sequence[Item], endpoints: Endpoints) -> int:
    """Completion events for ``items``, queued for ``endpoints`` read once by the caller."""
    queued = 0
    for item in items:
        queued += _emit_to(
            endpoints.get(item.project.organization_id, []),
            event="item.completed",
            key=str(item.id),
            payload={"project_id": item.project_id, "item_id": item.external_id},
        )
    batches = {(i.project_id, i.project.organization_id, i.created_at) for i in items}
    for project_id, organization_id, created_at in batches:
        if not _incomplete(Item.objects.filter(project_id=project_id, created_at=created_at)):
            queued += _emit_to(
                endpoints.get(organization_id, []),
                event="batch.completed",
                key=f"{project_id}:{created_at.isoformat()}",
                payload={"project_id": project_id, "uploaded_at": created_at.isoformat()},
            )
    for project_id, organization_id in {(i.project_id, i.project.organization_id) for i in items}:
        if not _incomplete(Item.objects.filter(project_id=project_id)):
            queued += _emit_to(
                endpoints.get(organization_id, []),
                event="project.completed",
                key=str(project_id),
                payload={"project_id": project_id},
            )
    return queued


def judgment_stored(*, item: Item, project: Project) -> int:
    """Completion events for a submission that just counted its judgment on ``item``.

    Call it in the submission's transaction with the item's count and target as that
    transaction left them (after the count went up and adaptive redundancy set the
    target). The hot path costs no query unless the item is now complete; then one: the
    organization's active endpoints. The count's row lock makes exactly one submission
    see the item complete first; the batch and project checks run only when an endpoint
    wants them.
    """
    needed = item.target_overlap if item.target_overlap is not None else project.overlap
    if item.is_gold or item.judgment_count < needed:
        return 0
    endpoints = list(
        WebhookEndpoint.objects.filter(organization_id=project.organization_id, active=True).only(
            "events"
        )
    )
    if not any(set(COMPLETION_EVENTS) & set(e.events) for e in endpoints):
        return 0
    item.project = project  # the same project, loaded already
    return _completions([item], {project.organization_id: endpoints})


def _needed() -> Coalesce:
    return Coalesce(F("target_overlap"), F("project__overlap"))


def _incomplete(items: Any) -> bool:
    return bool(
        items.filter(is_gold=False)
        .annotate(needed=_needed())
        .filter(judgment_count__lt=F("needed"))
        .exists()
    )


def scan_completions(*, settle: dt.timedelta = SETTLE) -> tuple[int, int]:
    """Queue completion events for judgments since the last scan: (judgments read, queued)."""
    with transaction.atomic():
        WebhookScan.objects.get_or_create(name="completions")
        cursor = WebhookScan.objects.select_for_update().get(name="completions")
        rows = list(
            Judgment.objects.filter(
                id__gt=cursor.last_judgment_id, created_at__lte=clock.now() - settle
            )
            .order_by("id")
            .values_list("id", "item_id")[:SCAN_LIMIT]
        )
        if not rows:
            return 0, 0
        # Every active endpoint, read once: JSON list contains is checked here, portably.
        endpoints: Endpoints = {}
        for endpoint in WebhookEndpoint.objects.filter(active=True).only(
            "organization_id", "events"
        ):
            endpoints.setdefault(endpoint.organization_id, []).append(endpoint)
        watching = [
            organization_id
            for organization_id, theirs in endpoints.items()
            if any(set(COMPLETION_EVENTS) & set(e.events) for e in theirs)
        ]
        watched = Project.objects.filter(organization_id__in=watching)
        complete = list(
            Item.objects.filter(
                id__in={item_id for _, item_id in rows}, is_gold=False, project__in=watched
            )
            .annotate(needed=_needed())
            .filter(judgment_count__gte=F("needed"))
            .select_related("project")
        )
        queued = _completions(complete, endpoints)
        cursor.last_judgment_id = rows[-1][0]
        cursor.save(update_fields=["last_judgment_id"])
    return len(rows), queued


def scan_budgets() -> int:
    queued = 0
    for endpoint in WebhookEndpoint.objects.filter(active=True):
        if "budget.low" not in endpoint.events:
            continue
        accounts = Account.objects.filter(
            kind=Account.Kind.ORGANIZATION, organization_id=endpoint.organization_id
        )
        low = [a for a in accounts if a.balance_cents < endpoint.budget_low_cents]
        with transaction.atomic():
            if low and not endpoint.budget_low_sent:
                now = clock.now()
                payload = {
                    "balances": [
                        {"currency": a.currency, "balance_cents": a.balance_cents} for a in low
                    ],
                    "threshold_cents": endpoint.budget_low_cents,
                }
                queued += _queue([endpoint], "budget.low", f"budget.low:{now.isoformat()}", payload)
            changed = bool(low) != endpoint.budget_low_sent
            if changed:
                WebhookEndpoint.objects.filter(id=endpoint.id).update(budget_low_sent=bool(low))
    return queued


@dataclass(frozen=True)
class RunCounts:
    queued: int
    delivered: int


def run_once(
    *, settle: dt.timedelta = SETTLE, transport: httpx.BaseTransport | None = None
) -> RunCounts:
    queued = 0
    while True:
        read, found = scan_completions(settle=settle)
        queued += found
        if read < SCAN_LIMIT:
            break
    queued += scan_budgets()
    return RunCounts(queued=queued, delivered=deliver_due(transport=transport))
