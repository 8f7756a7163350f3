"""Chat completions through the official ``openai`` client, one ModelCall row per turn.

``chat`` asks for a whole reply; ``stream`` yields it as it arrives. Both take a slot of
the endpoint's rate limit first (ratelimit.py), retry what the client retries (429, 5xx,
timeouts; ``max_retries``), record the turn with its parameters, latency and token
counts, and raise ``ModelError`` for every failure. The secret is decrypted in memory
for the call only and is scrubbed from any error text before it is stored or shown.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openai

from assay import clock
from assay.endpoints import crypto, ratelimit
from assay.endpoints.errors import KEPT, ModelError, explain
from assay.models import Item, ModelCall, ModelEndpoint, Project, User

log = logging.getLogger("assay.endpoints")

DEFAULT_RETRIES = 2
MAX_WAIT_SECONDS = 65.0
# Parameters the client takes by name; any other goes to the server in the body as is
# (vLLM's top_k, Ollama's num_ctx...).
NAMED = {
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "seed",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "n",
}
Messages = list[dict[str, str]]


@dataclass(frozen=True)
class Purpose:
    """What a call is for, recorded with it: ``generate``, ``judge``, ``redteam``, ``stump``."""

    name: str
    project: Project | None = None
    item: Item | None = None
    expert: User | None = None


@dataclass(frozen=True)
class Turn:
    text: str
    call_id: int
    model: str
    latency_ms: int
    prompt_tokens: int | None
    completion_tokens: int | None


@dataclass
class _Call:
    endpoint: ModelEndpoint
    messages: Messages
    purpose: Purpose
    parameters: dict[str, Any]
    started: float = field(default_factory=time.monotonic)
    created_at: Any = field(default_factory=clock.now)

    def record(self, *, reply: str, error: str = "", usage: Any = None) -> ModelCall:
        latency = int((time.monotonic() - self.started) * 1000)
        row = ModelCall.objects.create(
            endpoint=self.endpoint,
            purpose=self.purpose.name,
            project=self.purpose.project,
            item=self.purpose.item,
            expert=self.purpose.expert,
            model=self.endpoint.model,
            parameters=self.parameters,
            messages=self.messages,
            reply=reply,
            status=ModelCall.Status.ERROR if error else ModelCall.Status.OK,
            error=error,
            latency_ms=latency,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            created_at=self.created_at,
        )
        log.info(
            "model call %s to endpoint %s (%s): %s in %d ms",
            row.id,
            self.endpoint.id,
            self.endpoint.model,
            row.status,
            latency,
        )
        return row

    def turn(self, row: ModelCall) -> Turn:
        return Turn(
            text=row.reply,
            call_id=row.id,
            model=row.model,
            latency_ms=row.latency_ms,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
        )


def _secret(endpoint: ModelEndpoint) -> str:
    try:
        return crypto.decrypt(endpoint.secret_encrypted)
    except crypto.SecretUnreadable:
        text = f"The model {endpoint.name!r} has no readable key; its owner must enter it again."
        raise ModelError(f"{text} {KEPT}", kind="secret_unreadable") from None


def _ready(endpoint: ModelEndpoint, *, wait: bool, sleep: Callable[[float], None]) -> None:
    if endpoint.disabled_at is not None:
        raise ModelError(f"The model {endpoint.name!r} is switched off. {KEPT}", kind="disabled")
    waited = 0.0
    while (pause := ratelimit.take_slot(endpoint.id)) > 0:
        if not wait or waited + pause > MAX_WAIT_SECONDS:
            text = (
                f"The model {endpoint.name!r} takes {endpoint.requests_per_minute} requests a "
                f"minute; try again in {math.ceil(pause)} s. {KEPT}"
            )
            raise ModelError(text, kind="rate_limited")
        sleep(pause)
        waited += pause


def _client(endpoint: ModelEndpoint, secret: str, max_retries: int) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=endpoint.base_url,
        api_key=secret or "none",
        timeout=float(endpoint.timeout_seconds),
        max_retries=max_retries,
    )


def _arguments(parameters: dict[str, Any]) -> dict[str, Any]:
    named = {k: v for k, v in parameters.items() if k in NAMED}
    extra = {k: v for k, v in parameters.items() if k not in NAMED}
    return {**named, "extra_body": extra} if extra else named


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "[secret]") if secret else text


def _fail(call: _Call, error: BaseException, secret: str, reply: str = "") -> ModelError:
    failure = explain(error, name=call.endpoint.name, timeout=call.endpoint.timeout_seconds)
    failure.message = _scrub(failure.message, secret)
    detail = _scrub(f"{type(error).__name__}: {error}", secret)[:2000]
    call.record(reply=reply, error=f"{failure.kind}: {detail}")
    return failure


def _text(completion: Any) -> str:
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise ValueError("the reply has no choices")
    content = getattr(getattr(choices[0], "message", None), "content", None)
    if not isinstance(content, str):
        raise ValueError("the reply's first choice has no text")
    return content


def _prepare(
    endpoint: ModelEndpoint,
    messages: Messages,
    purpose: Purpose,
    parameters: dict[str, Any] | None,
    wait: bool,
    sleep: Callable[[float], None],
) -> tuple[_Call, str]:
    _ready(endpoint, wait=wait, sleep=sleep)
    secret = _secret(endpoint)
    merged = {**endpoint.parameters, **(parameters or {})}
    return _Call(endpoint, messages, purpose, merged), secret


def chat(
    endpoint: ModelEndpoint,
    messages: Messages,
    *,
    purpose: Purpose,
    parameters: dict[str, Any] | None = None,
    wait: bool = True,
    max_retries: int = DEFAULT_RETRIES,
    sleep: Callable[[float], None] = time.sleep,
) -> Turn:
    """One whole reply; raises ModelError (recorded as a failed call) if there is none."""
    call, secret = _prepare(endpoint, messages, purpose, parameters, wait, sleep)
    try:
        with _client(endpoint, secret, max_retries) as client:
            create: Any = client.chat.completions.create
            completion = create(
                model=endpoint.model, messages=messages, **_arguments(call.parameters)
            )
            text = _text(completion)
    except Exception as error:  # every failure becomes one ModelError
        raise _fail(call, error, secret) from None
    return call.turn(call.record(reply=text, usage=getattr(completion, "usage", None)))


class TurnStream:
    """Iterate for the reply's pieces as they arrive; ``turn`` is set once it is whole."""

    def __init__(self, call: _Call, secret: str, max_retries: int) -> None:
        self._call, self._secret, self._retries = call, secret, max_retries
        self.turn: Turn | None = None

    def __iter__(self) -> Iterator[str]:
        call, pieces, usage = self._call, [], None
        try:
            with _client(call.endpoint, self._secret, self._retries) as client:
                create: Any = client.chat.completions.create
                chunks = create(
                    model=call.endpoint.model,
                    messages=call.messages,
                    stream=True,
                    stream_options={"include_usage": True},
                    **_arguments(call.parameters),
                )
                with chunks:
                    for chunk in chunks:
                        usage = chunk.usage or usage
                        if chunk.choices and (piece := chunk.choices[0].delta.content):
                            pieces.append(piece)
                            yield piece
        except Exception as error:  # every failure becomes one ModelError
            raise _fail(call, error, self._secret, "".join(pieces)) from None
        self.turn = call.turn(call.record(reply="".join(pieces), usage=usage))


def stream(
    endpoint: ModelEndpoint,
    messages: Messages,
    *,
    purpose: Purpose,
    parameters: dict[str, Any] | None = None,
    wait: bool = False,
    max_retries: int = DEFAULT_RETRIES,
    sleep: Callable[[float], None] = time.sleep,
) -> TurnStream:
    """A reply streamed piece by piece; the rate limit is taken now, the call on iterating."""
    call, secret = _prepare(endpoint, messages, purpose, parameters, wait, sleep)
    return TurnStream(call, secret, max_retries)
