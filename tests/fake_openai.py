"""A real HTTP server on loopback that speaks OpenAI's chat-completions protocol.

Tests start it, point an endpoint at ``server.url`` and choose how each request is
answered by queueing modes: ``ok`` (the default), ``slow`` (answers after ``delay``
seconds, to trip a timeout), ``500``, ``429``, ``400``, ``401``, ``malformed`` (a 200
whose body is not JSON) and ``bad_chunk`` (a stream that breaks after its first piece).
Replies are ``replies[model]`` if set, else ``reply(request)``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ERRORS = {
    "500": (500, "The server had an error while processing your request."),
    "429": (429, "Rate limit reached for requests."),
    "400": (400, "max_tokens is too large for this model."),
    "401": (401, "Incorrect API key provided."),
}


def default_reply(body: dict[str, Any]) -> str:
    last = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
    return f"{body['model']} says: an answer to {last}"


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.modes: list[str] = []
        self.replies: dict[str, str] = {}
        self.reply: Callable[[dict[str, Any]], str] = default_reply
        self.delay = 2.5
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "headers": dict(self.headers), **body})
                if self.path != "/v1/chat/completions":
                    self._json(404, {"error": {"message": "no such route"}})
                    return
                mode = fake.modes.pop(0) if fake.modes else "ok"
                fake.answer(self, mode, body)

            def _json(self, status: int, data: Any, raw: bytes | None = None) -> None:
                payload = raw if raw is not None else json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if status in (429, 500):
                    self.send_header("retry-after-ms", "5")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == "/v1/chat/completions"]

    def text_for(self, body: dict[str, Any]) -> str:
        return self.replies.get(body["model"]) or self.reply(body)

    def answer(self, handler: Any, mode: str, body: dict[str, Any]) -> None:
        if mode in ERRORS:
            status, message = ERRORS[mode]
            handler._json(status, {"error": {"message": message, "type": "error"}})
            return
        if mode == "malformed":
            handler._json(200, None, raw=b'{"id": "x", "choices": [ {"message": ')
            return
        if mode == "slow":
            time.sleep(self.delay)
        text = self.text_for(body)
        usage = {
            "prompt_tokens": sum(len(m["content"].split()) for m in body["messages"]),
            "completion_tokens": len(text.split()),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        try:
            if body.get("stream"):
                self._stream(handler, body, text, usage, broken=mode == "bad_chunk")
            else:
                handler._json(200, completion(body["model"], text, usage))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _stream(
        self, handler: Any, body: dict[str, Any], text: str, usage: dict[str, int], broken: bool
    ) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        words = text.split(" ")
        for n, word in enumerate(words):
            piece = word if n == 0 else " " + word
            handler.wfile.write(sse(chunk(body["model"], {"content": piece})))
            handler.wfile.flush()
            if broken:
                handler.wfile.write(b"data: {broken\n\n")
                return
        handler.wfile.write(sse(chunk(body["model"], {}, finish="stop")))
        if (body.get("stream_options") or {}).get("include_usage"):
            handler.wfile.write(sse({**chunk(body["model"], {}), "choices": [], "usage": usage}))
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()


def completion(model: str, text: str, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": usage,
    }


def chunk(model: str, delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def sse(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data).encode() + b"\n\n"


@contextmanager
def running() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
