"""Model endpoints page for requesters: add, switch off or on, replace a key, read the calls."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay.access import organizations_of
from assay.actions import endpoints
from assay.errors import AssayError, InvalidInput, raise_for_fields
from assay.models import ModelCall
from assay.web.util import current_user, requester_view

CALL_LIMIT = 100


def _whole(form: QueryDict, name: str, default: int) -> int:
    text = form.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise_for_fields({name: "enter a whole number"})
    return int(text)


def _spec(form: QueryDict) -> endpoints.EndpointSpec:
    try:
        parameters = json.loads(form.get("parameters", "").strip() or "{}")
    except ValueError:
        parameters = None
    if not isinstance(parameters, dict):
        raise_for_fields({"parameters": 'a JSON object such as {"temperature": 0.7}'})
    return endpoints.EndpointSpec(
        name=form.get("name", ""),
        base_url=form.get("base_url", "").strip(),
        model=form.get("model", ""),
        secret=form.get("secret", ""),
        timeout_seconds=_whole(form, "timeout_seconds", 60),
        requests_per_minute=_whole(form, "requests_per_minute", 60),
        parameters=parameters,
    )


@requester_view
def endpoints_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    error = None
    if request.method == "POST":
        organization = organizations_of(user).order_by("id").first()
        try:
            if organization is None:
                raise InvalidInput("You belong to no organization.", code="no_organization")
            made = endpoints.create_endpoint(
                actor=user, organization=organization, spec=_spec(request.POST)
            )
        except AssayError as failure:
            error = failure
        else:
            messages.success(request, f"Model endpoint {made.name} added.")
            return redirect("endpoints")
    context = {"endpoints": endpoints.endpoints_for(user).order_by("name"), "error": error}
    status = error.status if error else 200
    return render(request, "assay/endpoints/list.html", context, status=status)


@require_POST
@requester_view
def toggle(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    user = current_user(request)
    endpoint = endpoints.access_endpoint_by_id(user, endpoint_id)
    off = endpoint.disabled_at is None
    endpoints.set_disabled(actor=user, endpoint=endpoint, disabled=off)
    messages.success(request, f"{endpoint.name} switched {'off' if off else 'on'}.")
    return redirect("endpoints")


@require_POST
@requester_view
def secret(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    user = current_user(request)
    endpoint = endpoints.access_endpoint_by_id(user, endpoint_id)
    endpoints.replace_secret(actor=user, endpoint=endpoint, secret=request.POST.get("secret", ""))
    messages.success(request, f"The key of {endpoint.name} was replaced.")
    return redirect("endpoints")


@requester_view
def calls_page(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoints.access_endpoint_by_id(current_user(request), endpoint_id)
    log = ModelCall.objects.filter(endpoint=endpoint).order_by("-id")[:CALL_LIMIT]
    return render(request, "assay/endpoints/calls.html", {"endpoint": endpoint, "log": log})
