"""The one exception a model call raises, with a message fit to show an expert."""

from __future__ import annotations

import openai

from assay.errors import AssayError

KEPT = "Your draft is kept and this does not count against you."


class ModelError(AssayError):
    """A model endpoint could not give an answer: timeout, refusal, failure or nonsense.

    ``kind`` says which: ``timeout``, ``unreachable``, ``rate_limited``, ``refused``,
    ``rejected``, ``server_error``, ``malformed``, ``disabled`` or ``secret_unreadable``.
    """

    status = 502
    code = "model_unavailable"

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message, details=[{"kind": kind}])
        self.kind = kind


def _said(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else None
        if isinstance(message, str) and message:
            return f": {message[:200]}"
    return ""


def explain(error: BaseException, *, name: str, timeout: int) -> ModelError:
    """Turn whatever the client raised into a ModelError an expert can read."""
    model = f"The model {name!r}"
    if isinstance(error, openai.APITimeoutError) or "Timeout" in type(error).__name__:
        return ModelError(f"{model} did not answer within {timeout} s. {KEPT}", kind="timeout")
    if isinstance(error, openai.APIConnectionError):
        return ModelError(f"{model} could not be reached. {KEPT}", kind="unreachable")
    if isinstance(error, openai.RateLimitError):
        text = f"{model} is over its provider's rate limit; try again in a minute. {KEPT}"
        return ModelError(text, kind="rate_limited")
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        text = f"{model} refused Assay's key; the project owner must update it. {KEPT}"
        return ModelError(text, kind="refused")
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        if status >= 500:
            text = f"{model} failed (HTTP {status}); try again shortly. {KEPT}"
            return ModelError(text, kind="server_error")
        text = f"{model} rejected the request (HTTP {status}{_said(error)}). {KEPT}"
        return ModelError(text, kind="rejected")
    return ModelError(f"{model} sent a reply Assay could not read. {KEPT}", kind="malformed")
