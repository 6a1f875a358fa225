"""The model's line: a refused request is told, in Retry-After, when the line will have room for it,
from the measured times of the work in the line (not from whatever ran before)."""

from __future__ import annotations

import asyncio
import json

import httpx

from localgenie.web import WebSettings, create_app
from tests.web.helpers import FakeBackend, LiveServer, factory

ITEMS = json.dumps({"items": [{"name": "eggs", "quantity": 12, "unit": None, "location": "fridge"}]})
QUICK = 0.3  # seconds per extraction
SLOW = 2.0  # one slow piece of other work just before the burst


def test_retry_after_follows_the_work_in_the_line(settings: WebSettings) -> None:
    """Issue 18 item 11: 14 extractions of ~1 s at once got 429s with Retry-After: 285."""
    settings.queue_size = 8  # 1 running + 8 waiting: 5 of 14 are refused
    backend = FakeBackend(ITEMS, delay=QUICK)
    with LiveServer(create_app(settings, backend_factory=factory(backend))) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            for _ in range(2):  # the server has seen what an extraction takes
                assert client.post("/api/extract", json=_extraction()).status_code == 200
            backend.delay = SLOW  # then a slow job of another kind (plain words read by the model)
            assert client.post("/api/pantry/parse", json={"text": "a dozen eggs"}).status_code == 200
        backend.delay = QUICK
        results = asyncio.run(_burst(url, 14))
    refused = [int(headers["retry-after"]) for status, headers, _ in results if status == 429]
    assert len(refused) == 5, [status for status, _, _ in results]
    # A place frees when the running extraction ends (~0.3 s); the fifth refused waits for five of them.
    assert all(1 <= seconds <= 3 for seconds in refused), refused
    for status, headers, body in results:
        if status == 429:  # the body says the same, in words and as a number
            assert body["retry_after"] == int(headers["retry-after"])
            assert f"retry in {body['retry_after']} s" in str(body["message"])


def _extraction() -> dict[str, object]:
    return {"text": "twelve eggs", "schema": {"type": "object"}, "max_retries": 0}


async def _burst(url: str, count: int) -> list[tuple[int, httpx.Headers, dict[str, object]]]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def one() -> tuple[int, httpx.Headers, dict[str, object]]:
            response = await client.post("/api/extract", json=_extraction())
            return response.status_code, response.headers, response.json()

        return await asyncio.gather(*(one() for _ in range(count)))
