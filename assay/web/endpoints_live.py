"""A model turn streamed to an expert's task page (red-teaming, stump-the-model).

The page POSTs the conversation so far and reads the reply as it arrives (fetch
streaming). The body is the reply's text, then a NUL and a JSON trailer: the call's id,
or the error to show. The model is only called once the body starts streaming, so an
upstream failure arrives the same way: status 200, no text, and the error in the
trailer. A failure before the call starts (the rate limit reached, the endpoint switched
off or its key unreadable) answers 502 with the error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_POST

from assay.access import access_lease_by_id
from assay.endpoints import ModelError, Purpose, TurnStream, stream
from assay.errors import Conflict, InvalidInput, NotFound
from assay.models import Lease, ModelEndpoint
from assay.web.util import current_user, expert_view

LIVE_TYPES = ("redteam", "stump")
MAX_TURNS = 40
MAX_CHARS = 100_000
TRAILER = "\x00"


def _messages(raw: str) -> list[dict[str, str]]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        value = None
    ok = isinstance(value, list) and 0 < len(value) <= MAX_TURNS
    ok = ok and all(
        isinstance(m, dict)
        and m.get("role") in ("user", "assistant")
        and isinstance(m.get("content"), str)
        for m in value
    )
    if not ok or value[-1]["role"] != "user":
        raise InvalidInput("Send the conversation, ending with your message.", code="bad_turns")
    if sum(len(m["content"]) for m in value) > MAX_CHARS:
        raise InvalidInput("The conversation is too long.", code="bad_turns")
    return [{"role": m["role"], "content": m["content"]} for m in value]


def _endpoint(lease: Lease, name: str) -> ModelEndpoint:
    config: dict[str, Any] = lease.project.task_config or {}
    allowed = config.get("endpoints") or [config.get("endpoint")]
    found = ModelEndpoint.objects.filter(
        organization_id=lease.project.organization_id, name=name
    ).first()
    if name not in allowed or found is None:
        raise NotFound("This project has no such model.", code="endpoint_not_found")
    return found


def _body(turns: TurnStream) -> Iterator[str]:
    try:
        yield from turns
    except ModelError as error:
        yield TRAILER + json.dumps({"error": error.message, "kind": error.kind})
        return
    assert turns.turn is not None  # noqa: S101 -- set once the stream is whole
    yield TRAILER + json.dumps({"call_id": turns.turn.call_id})


@require_POST
@expert_view
def live_turn(request: HttpRequest, lease_id: int) -> HttpResponseBase:
    user = current_user(request)
    lease = access_lease_by_id(user, lease_id)
    if lease.project.task_type not in LIVE_TYPES:
        raise NotFound("This task has no live model.", code="endpoint_not_found")
    if lease.state != Lease.State.ACTIVE:
        raise Conflict("This task is no longer yours; take a new one.", code="lease_closed")
    endpoint = _endpoint(lease, request.POST.get("endpoint", ""))
    purpose = Purpose(lease.project.task_type, project=lease.project, item=lease.item, expert=user)
    try:
        turns = stream(endpoint, _messages(request.POST.get("messages", "")), purpose=purpose)
    except ModelError as error:
        return JsonResponse(error.as_json(), status=error.status)
    return StreamingHttpResponse(_body(turns), content_type="text/plain; charset=utf-8")
