"""Webhook endpoints, their delivery log, and replay (docs/webhooks.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from assay.access import access_organization_by_id, organizations_of, require_requester
from assay.actions import webhooks
from assay.api.auth import actor
from assay.errors import InvalidInput
from assay.models import WebhookDelivery, WebhookEndpoint

router = Router(tags=["webhooks"])
LOG_LIMIT = 200


class EndpointIn(Schema):
    url: str
    events: list[str]
    budget_low_cents: int = 10_000
    organization_id: int | None = None


class ActiveIn(Schema):
    active: bool


class EndpointOut(Schema):
    id: int
    organization_id: int
    url: str
    events: list[str]
    active: bool
    budget_low_cents: int
    created_at: dt.datetime


class NewEndpointOut(EndpointOut):
    secret: str


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_status_code: int | None
    last_error: str
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    replay_of: int | None
    payload: dict[str, Any]


def endpoint_out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "organization_id": endpoint.organization_id,
        "url": endpoint.url,
        "events": endpoint.events,
        "active": endpoint.active,
        "budget_low_cents": endpoint.budget_low_cents,
        "created_at": endpoint.created_at,
    }


def delivery_out(delivery: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        event=delivery.event,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
        replay_of=delivery.replay_of_id,
        payload=delivery.payload,
    )


@router.get("/events", response=dict[str, str])
def events(request: HttpRequest) -> dict[str, str]:
    return webhooks.EVENTS


@router.get("", response=list[EndpointOut])
def list_endpoints(request: HttpRequest) -> list[dict[str, Any]]:
    user = actor(request)
    require_requester(user)
    return [endpoint_out(e) for e in webhooks.endpoints_for(user).order_by("id")]


@router.post("", response={201: NewEndpointOut})
def register(request: HttpRequest, payload: EndpointIn) -> Status[dict[str, Any]]:
    """Register an endpoint; the signing secret is shown in this answer only."""
    user = actor(request)
    require_requester(user)
    if payload.organization_id is None:
        organization = organizations_of(user).order_by("id").first()
        if organization is None:
            raise InvalidInput("You belong to no organization.", code="no_organization")
    else:
        organization = access_organization_by_id(user, payload.organization_id)
    endpoint = webhooks.register_endpoint(
        actor=user,
        organization=organization,
        url=payload.url,
        events=payload.events,
        budget_low_cents=payload.budget_low_cents,
    )
    return Status(201, {**endpoint_out(endpoint), "secret": endpoint.secret})


@router.put("/{endpoint_id}/active", response=EndpointOut)
def set_active(request: HttpRequest, endpoint_id: int, payload: ActiveIn) -> dict[str, Any]:
    endpoint = webhooks.access_endpoint_by_id(actor(request), endpoint_id)
    endpoint = webhooks.set_active(actor=actor(request), endpoint=endpoint, active=payload.active)
    return endpoint_out(endpoint)


@router.get("/{endpoint_id}/deliveries", response=list[DeliveryOut])
def deliveries(request: HttpRequest, endpoint_id: int) -> list[DeliveryOut]:
    endpoint = webhooks.access_endpoint_by_id(actor(request), endpoint_id)
    rows = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-id")[:LOG_LIMIT]
    return [delivery_out(d) for d in rows]


@router.post("/deliveries/{delivery_id}/replay", response={201: DeliveryOut})
def replay(request: HttpRequest, delivery_id: int) -> Status[DeliveryOut]:
    delivery = webhooks.access_delivery_by_id(actor(request), delivery_id)
    return Status(201, delivery_out(webhooks.replay(actor=actor(request), delivery=delivery)))
