"""A tiny HTTP peer on loopback that answers what a test tells it to, and records each request.

It stands in for misbehaving servers (garbage, refusals) that no real server
can be made to imitate; the happy path is tested against llama.cpp's real server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, str, str | bytes]  # status, content type, body


@dataclass(frozen=True)
class Answer:
    """A reply with more to it: extra headers (``Retry-After``), or a body cut after ``cut`` bytes
    while the headers promise all of it (a server that drops the connection mid-answer)."""

    reply: Reply
    headers: dict[str, str] = field(default_factory=dict)
    cut: int | None = None


Handler = Callable[[str, dict[str, Any] | None], Reply | Answer]


def completion(content: str, finish_reason: str = "stop") -> Reply:
    body = {
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7},
    }
    return 200, "application/json", json.dumps(body)


def sse(pieces: list[str]) -> Reply:
    events = [{"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    events.append({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": len(pieces)}})
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return 200, "text/event-stream", body


@contextmanager
def fake_server(handler: Handler, port: int = 0) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Serve ``handler`` on 127.0.0.1 (on ``port``, else a free one); yields the base URL and the list of
    recorded request bodies."""
    requests: list[dict[str, Any]] = []

    class Handle(BaseHTTPRequestHandler):
        def _answer(self, body: dict[str, Any] | None) -> None:
            answer = handler(self.path, body)
            if not isinstance(answer, Answer):
                answer = Answer(answer)
            status, content_type, payload = answer.reply
            data = payload.encode() if isinstance(payload, str) else payload
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if answer.cut is None:
                self.wfile.write(data)
                return
            self.wfile.write(data[: answer.cut])
            self.wfile.flush()
            self.close_connection = True  # fewer bytes than promised, then the socket closes

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"null")
            requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
            self._answer(body)

        def do_GET(self) -> None:
            requests.append({"path": self.path, "body": None, "auth": self.headers.get("Authorization")})
            self._answer(None)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests
    finally:
        server.shutdown()
        server.server_close()


def scripted(*replies: Reply | Answer) -> Handler:
    """A handler that gives ``replies`` in turn, then the last one for ever."""
    queue = list(replies)
    lock = threading.Lock()

    def handler(path: str, body: dict[str, Any] | None) -> Reply | Answer:
        with lock:
            return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def text_of(body: dict[str, Any] | None) -> str:
    """The text an extraction request is about (between the prompt's <<< and >>> fences)."""
    assert body is not None
    fenced = [str(m["content"]) for m in body["messages"] if "<<<\n" in str(m["content"])]
    content = fenced[0] if fenced else str(body["messages"][-1]["content"])
    return content.split("<<<\n", 1)[-1].rsplit("\n>>>", 1)[0]


def person_reply(path: str, body: dict[str, Any] | None) -> Reply:
    """A deterministic "model" for ``name, age int``: the first word and the first number of the text,
    streamed like a real server (so batches can be tested fast, with answers that differ per line)."""
    words = text_of(body).replace(",", " ").replace(".", " ").split()
    numbers = [int(w) for w in words if w.isdigit()]
    answer = json.dumps({"name": words[0] if words else "", "age": numbers[0] if numbers else 0})
    return sse([answer[: len(answer) // 2], answer[len(answer) // 2 :]])


class InFlight:
    """Wraps a handler to count the requests being answered at once (``peak``); each takes ``pause``
    seconds, or ``pause(text)`` for the text it is about."""

    def __init__(self, handler: Handler, pause: float | Callable[[str], float] = 0.0) -> None:
        self.handler = handler
        self.pause = pause
        self.now = self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, path: str, body: dict[str, Any] | None) -> Reply | Answer:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            wait = self.pause(text_of(body)) if callable(self.pause) else self.pause
            time.sleep(wait)
            return self.handler(path, body)
        finally:
            with self._lock:
                self.now -= 1
