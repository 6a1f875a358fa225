"""Helpers for web tests: a real uvicorn server on a free loopback port, and a fake backend for the
few failure modes the real model cannot be made to produce on demand."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from localgenie.llm import BackendInfo, GenerationOptions, Message, Response, Usage

FIXTURES = Path(__file__).parent / "fixtures"
PERSON_TEXT = "My name is John and I am 30 years old. I live in New York, on 5th Avenue, number 10."


class LiveServer:
    """``with LiveServer(app) as url:`` serves ``app`` with uvicorn in a thread until the block ends."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))  # the port is held from here on: no race with other processes
        self.port = int(self.sock.getsockname()[1])
        config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


class FakeBackend:
    """Answers every prompt with ``answer`` (or raises ``error``), after ``delay`` seconds, streamed in
    pieces of ``chunk`` characters (all at once by default), ``chunk_delay`` seconds apart."""

    def __init__(
        self,
        answer: str = "{}",
        error: Exception | None = None,
        delay: float = 0.0,
        chunk: int | None = None,
        chunk_delay: float = 0.0,
    ) -> None:
        self.info = BackendInfo(kind="embedded", model="fake", context_length=4096)
        self.answer = answer
        self.error = error
        self.delay = delay
        self.chunk = chunk
        self.chunk_delay = chunk_delay
        self.calls = 0

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        self.calls += 1

        def run(response: Response) -> Iterator[str]:
            time.sleep(self.delay)
            if self.error is not None:
                raise self.error
            response.finish_reason = "stop"
            size = self.chunk or max(1, len(self.answer))
            for start in range(0, len(self.answer), size):
                if start:
                    time.sleep(self.chunk_delay)
                yield self.answer[start : start + size]

        return Response(run, Usage(prompt_tokens=10, completion_tokens=5))

    def count_tokens(self, text: str) -> int | None:
        return len(text) // 4 + 1


def factory(backend: FakeBackend) -> Callable[[str], FakeBackend]:
    return lambda name: backend


def wait_for_job(get: Callable[[], dict[str, object]], timeout: float = 90.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        job = get()
        if job["status"] in ("done", "failed"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job still {job['status']} after {timeout:.0f} s: {job}")
        time.sleep(0.1)
