"""The model client against a real OpenAI-compatible server on loopback."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from assay import clock
from assay.actions import endpoints as endpoint_actions
from assay.endpoints import ModelError, Purpose, chat, stream
from assay.models import ModelCall, ModelEndpoint, Organization, User
from tests.fake_openai import FakeOpenAI, running

SECRET = "sk-live-Hq4mT9sWv2Lp8Zr1"
ASK = [{"role": "user", "content": "What is the boiling point of water?"}]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with running() as server:
        yield server


def make_endpoint(alice: User, acme: Organization, fake: FakeOpenAI, **extra: Any) -> ModelEndpoint:
    spec = endpoint_actions.EndpointSpec(
        name=extra.pop("name", "llama"),
        base_url=fake.url,
        model=extra.pop("model", "llama-3-8b"),
        secret=SECRET,
        timeout_seconds=extra.pop("timeout_seconds", 5),
        requests_per_minute=extra.pop("requests_per_minute", 100),
        parameters=extra.pop("parameters", {"temperature": 0.3, "top_k": 40}),
    )
    return endpoint_actions.create_endpoint(actor=alice, organization=acme, spec=spec)


@pytest.fixture
def endpoint(alice: User, acme: Organization, fake: FakeOpenAI) -> ModelEndpoint:
    return make_endpoint(alice, acme, fake)


PURPOSE = Purpose("test")


def test_a_whole_reply_is_recorded_with_tokens_and_parameters(
    endpoint: ModelEndpoint, fake: FakeOpenAI
) -> None:
    turn = chat(endpoint, ASK, purpose=PURPOSE, parameters={"max_tokens": 50})
    assert turn.text == "llama-3-8b says: an answer to What is the boiling point of water?"
    sent = fake.chat_requests()[0]
    assert sent["headers"]["authorization"] == f"Bearer {SECRET}"
    assert sent["temperature"] == 0.3
    assert sent["top_k"] == 40
    assert sent["max_tokens"] == 50
    call = ModelCall.objects.get(id=turn.call_id)
    assert call.status == "ok"
    assert call.model == "llama-3-8b"
    assert call.parameters == {"temperature": 0.3, "top_k": 40, "max_tokens": 50}
    assert call.messages == ASK
    assert (call.prompt_tokens, call.completion_tokens) == (7, 12)
    assert call.latency_ms >= 0


def test_a_streamed_reply_arrives_in_pieces(endpoint: ModelEndpoint, fake: FakeOpenAI) -> None:
    turns = stream(endpoint, ASK, purpose=PURPOSE)
    pieces = list(turns)
    assert len(pieces) > 3
    assert "".join(pieces).startswith("llama-3-8b says:")
    assert turns.turn is not None
    assert turns.turn.completion_tokens == 12
    assert fake.chat_requests()[0]["stream"] is True
    assert ModelCall.objects.get().reply == "".join(pieces)


def test_a_slow_model_times_out_with_a_clear_message(
    alice: User, acme: Organization, fake: FakeOpenAI
) -> None:
    endpoint = make_endpoint(alice, acme, fake, timeout_seconds=1)
    fake.modes = ["slow"]
    with pytest.raises(ModelError) as caught:
        chat(endpoint, ASK, purpose=PURPOSE, max_retries=0)
    assert caught.value.kind == "timeout"
    assert "did not answer within 1 s" in caught.value.message
    assert "Your draft is kept" in caught.value.message
    call = ModelCall.objects.get()
    assert call.status == "error"
    assert call.error.startswith("timeout")


@pytest.mark.parametrize(
    ("mode", "kind", "words"),
    [
        ("500", "server_error", "HTTP 500"),
        ("429", "rate_limited", "rate limit"),
        ("400", "rejected", "max_tokens is too large"),
        ("401", "refused", "refused Assay's key"),
        ("malformed", "malformed", "could not read"),
    ],
)
def test_errors_become_one_exception(
    endpoint: ModelEndpoint, fake: FakeOpenAI, mode: str, kind: str, words: str
) -> None:
    fake.modes = [mode] * 5
    with pytest.raises(ModelError) as caught:
        chat(endpoint, ASK, purpose=PURPOSE, max_retries=0)
    assert caught.value.kind == kind
    assert words in caught.value.message
    assert caught.value.status == 502
    assert ModelCall.objects.get().status == "error"


def test_server_errors_and_rate_limits_are_retried(
    endpoint: ModelEndpoint, fake: FakeOpenAI
) -> None:
    fake.modes = ["500", "429"]
    turn = chat(endpoint, ASK, purpose=PURPOSE, max_retries=2)
    assert turn.text.startswith("llama-3-8b says")
    assert len(fake.chat_requests()) == 3
    assert ModelCall.objects.get().status == "ok"


def test_a_client_error_is_not_retried(endpoint: ModelEndpoint, fake: FakeOpenAI) -> None:
    fake.modes = ["400"]
    with pytest.raises(ModelError):
        chat(endpoint, ASK, purpose=PURPOSE, max_retries=2)
    assert len(fake.chat_requests()) == 1


def test_a_stream_that_breaks_keeps_what_arrived(endpoint: ModelEndpoint, fake: FakeOpenAI) -> None:
    fake.modes = ["bad_chunk"]
    turns = stream(endpoint, ASK, purpose=PURPOSE, max_retries=0)
    pieces: list[str] = []
    with pytest.raises(ModelError) as caught:
        pieces.extend(turns)
    assert caught.value.kind == "malformed"
    assert pieces == ["llama-3-8b"]
    call = ModelCall.objects.get()
    assert (call.status, call.reply) == ("error", "llama-3-8b")


def test_a_streamed_error_status_is_one_exception(
    endpoint: ModelEndpoint, fake: FakeOpenAI
) -> None:
    fake.modes = ["500"]
    with pytest.raises(ModelError) as caught:
        list(stream(endpoint, ASK, purpose=PURPOSE, max_retries=0))
    assert caught.value.kind == "server_error"


def test_the_rate_limit_is_shared_through_the_database(
    alice: User, acme: Organization, fake: FakeOpenAI
) -> None:
    endpoint = make_endpoint(alice, acme, fake, requests_per_minute=2)
    start = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        chat(endpoint, ASK, purpose=PURPOSE)
        # Another process would read the same row: a fresh object sees the same count.
        chat(ModelEndpoint.objects.get(id=endpoint.id), ASK, purpose=PURPOSE)
        with pytest.raises(ModelError) as caught:
            chat(endpoint, ASK, purpose=PURPOSE, wait=False)
    assert caught.value.kind == "rate_limited"
    assert "try again in 60 s" in caught.value.message
    assert len(fake.chat_requests()) == 2
    with clock.frozen(start + dt.timedelta(seconds=61)):
        chat(endpoint, ASK, purpose=PURPOSE, wait=False)
    assert len(fake.chat_requests()) == 3


def test_waiting_for_the_next_window(
    alice: User, acme: Organization, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = make_endpoint(alice, acme, fake, requests_per_minute=1)
    moments = [dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(clock, "now", lambda: moments[-1])
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        moments.append(moments[-1] + dt.timedelta(seconds=seconds))

    chat(endpoint, ASK, purpose=PURPOSE)
    moments.append(moments[-1] + dt.timedelta(seconds=20))
    chat(endpoint, ASK, purpose=PURPOSE, sleep=sleep)
    assert waits == [40.0]
    assert len(fake.chat_requests()) == 2


def test_a_switched_off_endpoint_is_not_called(
    alice: User, endpoint: ModelEndpoint, fake: FakeOpenAI
) -> None:
    endpoint_actions.set_disabled(actor=alice, endpoint=endpoint, disabled=True)
    with pytest.raises(ModelError) as caught:
        chat(endpoint, ASK, purpose=PURPOSE)
    assert caught.value.kind == "disabled"
    assert fake.chat_requests() == []


def test_an_unreadable_secret_says_so(
    endpoint: ModelEndpoint, fake: FakeOpenAI, settings: Any
) -> None:
    settings.SECRET_KEY = "another-key-" + "y" * 40
    with pytest.raises(ModelError) as caught:
        chat(endpoint, ASK, purpose=PURPOSE)
    assert caught.value.kind == "secret_unreadable"
    assert fake.chat_requests() == []


def test_the_secret_is_in_no_log_record_or_call_row(
    endpoint: ModelEndpoint, fake: FakeOpenAI, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.modes = ["500", "401", "ok"]
    for _ in range(2):
        with pytest.raises(ModelError):
            chat(endpoint, ASK, purpose=PURPOSE, max_retries=0)
    list(stream(endpoint, ASK, purpose=PURPOSE))
    assert caplog.records
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert SECRET not in str(record.__dict__)
    for call in ModelCall.objects.values():
        assert SECRET not in str(call)
