"""Webhook signatures and the HTTP call that delivers one event (no database here).

A delivery is a POST of the event's JSON body with three headers:

- ``Assay-Webhook-Id``: the delivery's id (stable across retries, new for a replay);
- ``Assay-Webhook-Timestamp``: Unix seconds when this attempt was signed;
- ``Assay-Webhook-Signature``: ``v1=`` and the hex HMAC-SHA256, keyed with the endpoint's
  secret, of ``"{timestamp}.{body}"``.

Receivers recompute the signature, compare in constant time and refuse old timestamps
(``verify`` does all three), which defeats both forgery and replay of a captured request.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 10.0
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, timestamp: str, header: str, *, now: float) -> bool:
    """True when ``header`` signs ``body`` at ``timestamp`` and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, sent, body), header)


def url_problem(url: str) -> str | None:
    """Why an endpoint URL is refused: HTTPS only, plain HTTP only to this machine."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return None
    return "use an https:// address (plain http:// only for 127.0.0.1 or localhost)"


@dataclass(frozen=True)
class Attempt:
    ok: bool
    status_code: int | None
    error: str


def send(
    *,
    url: str,
    secret: str,
    delivery_id: int,
    event: str,
    body: bytes,
    timestamp: int,
    transport: httpx.BaseTransport | None = None,
) -> Attempt:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Assay-Webhooks/1",
        "Assay-Event": event,
        "Assay-Webhook-Id": str(delivery_id),
        "Assay-Webhook-Timestamp": str(timestamp),
        "Assay-Webhook-Signature": signature(secret, timestamp, body),
    }
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, transport=transport) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as error:
        return Attempt(False, None, f"{type(error).__name__}: {error}"[:500])
    ok = 200 <= response.status_code < 300
    return Attempt(ok, response.status_code, "" if ok else f"HTTP {response.status_code}")


def backoff_seconds(attempts: int) -> int:
    """30 s, 1 min, 2 min, ... doubling after each failed attempt, at most 6 hours."""
    return int(min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))
