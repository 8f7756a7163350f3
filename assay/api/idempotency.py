"""``Idempotency-Key`` for every mutating API call: a retry never does the work twice.

A POST, PUT, PATCH or DELETE under ``/api/v1/`` that carries the header is recorded
before it runs (owner, key, method, path, a digest of the body). The answer is stored
when it completes; a retry with the same key and the same request gets that answer
again, marked ``Idempotent-Replayed: true``. The same key with another request is
refused (``409 idempotency_key_reused``), and a retry that arrives while the first is
still running is told to try again (``409 request_in_progress``). Answers of 5xx are not
kept, so a failed request can be retried for real. Requests without the header behave as
before; endpoints with their own keys (submissions, deposits, bonuses) keep them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from assay import clock
from assay.api.auth import token_user
from assay.models import IdempotentRequest

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY = 128
MAX_STORED = 2 * 1024 * 1024  # larger answers (downloads) are not replayed from storage
# A request still marked running after this long died with its process: run it again.
STALE = dt.timedelta(minutes=5)


def _owner(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = token_user(request, header[7:].strip())
        return f"user:{user.id}" if user is not None else None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or request.method not in MUTATING or not request.path.startswith("/api/v1/"):
            return self.get_response(request)
        if len(key) > MAX_KEY:
            return _error(400, "invalid_key", f"Idempotency-Key is at most {MAX_KEY} characters.")
        owner = _owner(request)
        if owner is None:
            return self.get_response(request)  # the endpoint answers 401 itself
        digest = hashlib.sha256(request.body).hexdigest()
        try:
            with transaction.atomic():
                IdempotentRequest.objects.create(
                    owner=owner,
                    key=key,
                    method=request.method or "",
                    path=request.path[:300],
                    body_digest=digest,
                    created_at=clock.now(),
                )
        except IntegrityError:
            return self._replay(owner, key, request, digest)
        response = self.get_response(request)
        row = IdempotentRequest.objects.filter(owner=owner, key=key)
        streaming = getattr(response, "streaming", False)
        if response.status_code >= 500 or streaming or len(response.content) > MAX_STORED:
            row.delete()  # not replayable: a retry runs again
            return response
        row.update(
            status=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=bytes(response.content),
        )
        return response

    def _replay(self, owner: str, key: str, request: HttpRequest, digest: str) -> HttpResponse:
        earlier = IdempotentRequest.objects.filter(owner=owner, key=key).first()
        if earlier is None:  # the first attempt failed with a 5xx meanwhile
            return _error(409, "request_in_progress", "Retry this request in a moment.")
        if (earlier.method, earlier.path, earlier.body_digest) != (
            request.method,
            request.path[:300],
            digest,
        ):
            return _error(
                409,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            )
        if earlier.status == 0 and clock.now() - earlier.created_at > STALE:
            IdempotentRequest.objects.filter(id=earlier.id, status=0).delete()
            return self(request)
        if earlier.status == 0:
            return _error(
                409, "request_in_progress", "The first request with this key is still running."
            )
        response = HttpResponse(
            bytes(earlier.body), status=earlier.status, content_type=earlier.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response
