"""Webhook settings and the delivery log, for members of a requester organization."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay.access import organizations_of
from assay.actions import webhooks
from assay.errors import AssayError, InvalidInput, raise_for_fields
from assay.models import WebhookDelivery
from assay.web.util import current_user, requester_view

LOG_LIMIT = 100


def _threshold(form: QueryDict) -> int:
    """The budget low threshold in cents, 10,000 when left empty; a field error if not whole."""
    try:
        return int(form.get("budget_low_cents") or 10_000)
    except ValueError:
        raise_for_fields({"budget_low_cents": "a whole number of cents, zero or more"})
        raise  # not reached: raise_for_fields raised for the field


@requester_view
def webhooks_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    error, secret = None, None
    if request.method == "POST":
        organization = organizations_of(user).order_by("id").first()
        try:
            if organization is None:
                raise InvalidInput("You belong to no organization.", code="no_organization")
            endpoint = webhooks.register_endpoint(
                actor=user,
                organization=organization,
                url=request.POST.get("url", "").strip(),
                events=request.POST.getlist("events"),
                budget_low_cents=_threshold(request.POST),
            )
        except AssayError as failure:
            error = failure
        else:
            secret = endpoint.secret
    context = {
        "endpoints": webhooks.endpoints_for(user).order_by("id"),
        "events": webhooks.EVENTS,
        "error": error,
        "secret": secret,
    }
    return render(
        request, "assay/webhooks/list.html", context, status=error.status if error else 200
    )


@requester_view
def deliveries_page(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = webhooks.access_endpoint_by_id(current_user(request), endpoint_id)
    log = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-id")[:LOG_LIMIT]
    return render(request, "assay/webhooks/deliveries.html", {"endpoint": endpoint, "log": log})


@require_POST
@requester_view
def replay(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = webhooks.access_delivery_by_id(current_user(request), delivery_id)
    copy = webhooks.replay(actor=current_user(request), delivery=delivery)
    messages.success(request, f"Delivery {delivery.id} queued again as {copy.id}.")
    return redirect("webhook-deliveries", endpoint_id=delivery.endpoint_id)


@require_POST
@requester_view
def toggle(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = webhooks.access_endpoint_by_id(current_user(request), endpoint_id)
    webhooks.set_active(actor=current_user(request), endpoint=endpoint, active=not endpoint.active)
    return redirect("webhooks")
