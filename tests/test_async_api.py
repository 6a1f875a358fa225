"""``await localgenie.aextract(...)``: the blocking loop on a worker thread, so many requests to a server
are in flight together, the event loop keeps running while the embedded model works, errors arrive
where they are awaited, and cancelling stops the model."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import localgenie
from localgenie.llm import BackendInfo, GenerationOptions, Message, Response, Token, Usage
from localgenie.llm.openai_compat import OpenAICompatBackend

from .conftest import SEED_TEXT
from .llm.fake_server import Reply, completion, fake_server

SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}


class SlowBackend:
    """Writes ``{"n": 1}`` one character every ``pause`` seconds; records whether it was stopped."""

    def __init__(self, pause: float) -> None:
        self.info = BackendInfo(kind="embedded", model="slow")
        self.pause = pause
        self.closed = threading.Event()
        self.written = 0

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        def run(response: Response) -> Iterator[Token]:
            try:
                for char in '{"n":          1}':
                    time.sleep(self.pause)
                    self.written += 1
                    yield Token(char, None, -0.1)
                response.finish_reason = "stop"
            except GeneratorExit:
                self.closed.set()
                raise

        return Response(run, Usage())

    def count_tokens(self, text: str) -> int | None:
        return None


def test_awaited_extractions_against_a_server_are_in_flight_together() -> None:
    """Eight texts gathered at once against a server that takes 0.5 s an answer: about 0.5 s, not 4."""
    lock = threading.Lock()
    in_flight = peak = 0

    def slow(path: str, body: dict[str, Any] | None) -> Reply:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.5)
        with lock:
            in_flight -= 1
        assert body is not None
        return completion(json.dumps({"n": len(body["messages"][-1]["content"])}))

    async def all_of(url: str) -> list[Any]:
        backend = OpenAICompatBackend(url, model="m")
        texts = [f"text number {'x' * i}" for i in range(8)]
        return await asyncio.gather(*(localgenie.aextract(t, SCHEMA, backend=backend) for t in texts))

    with fake_server(slow) as (url, _):
        started = time.monotonic()
        values = asyncio.run(all_of(url))
        seconds = time.monotonic() - started
    numbers = [v["n"] for v in values]
    assert numbers == sorted(numbers) and len(set(numbers)) == 8  # each answer is its own text's, in order
    assert peak >= 6 and seconds < 2.5  # one after another: peak 1 and 4 s


def test_the_event_loop_runs_while_a_model_works_and_the_stream_arrives_in_order() -> None:
    backend = SlowBackend(pause=0.01)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async def main() -> list[Any]:
        beat = asyncio.create_task(ticker())
        try:
            return [e async for e in localgenie.aextract_stream("one", SCHEMA, backend=backend)]
        finally:
            beat.cancel()

    events = asyncio.run(main())
    assert isinstance(events[-1], localgenie.Extraction) and events[-1].value == {"n": 1}
    assert any(isinstance(e, localgenie.Partial) for e in events[:-1])
    assert ticks >= 5  # the loop was free while the model wrote (~0.16 s)


def test_errors_are_raised_where_the_call_is_awaited() -> None:
    with pytest.raises(localgenie.SchemaError, match="schema file not found"):
        asyncio.run(localgenie.aextract("one", "missing.json", backend=SlowBackend(0)))
    with pytest.raises(localgenie.BadInput, match="the text is empty"):
        asyncio.run(localgenie.aextract_details("  ", SCHEMA, backend=SlowBackend(0)))
    with fake_server(lambda path, body: completion('{"n": "one"}')) as (url, _):
        backend = OpenAICompatBackend(url, model="m")
        with pytest.raises(localgenie.SchemaViolation, match="after 1 attempts"):
            asyncio.run(localgenie.aextract("one", SCHEMA, backend=backend, max_retries=0))


def test_cancelling_the_awaiting_task_stops_the_model() -> None:
    backend = SlowBackend(pause=0.05)  # ~0.8 s for the whole answer

    async def main() -> None:
        task = asyncio.create_task(localgenie.aextract("one", SCHEMA, backend=backend))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert backend.closed.wait(2)  # closed at the next event, not run to its end
    assert backend.written < 16


def test_aextract_on_the_embedded_model_gives_the_blocking_answer(
    tiny: Any, person_schema: dict[str, Any]
) -> None:
    expected = localgenie.extract(SEED_TEXT, person_schema, backend=tiny)
    assert asyncio.run(localgenie.aextract(SEED_TEXT, person_schema, backend=tiny)) == expected
