"""50 concurrent extractions against a real server with the tiny model: never a 5xx, 429s with
Retry-After when the line is full, and every 200 valid against the schema."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import httpx
import jsonschema

from localgenie.web import WebSettings, create_app
from tests.web.helpers import LiveServer

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
    "additionalProperties": False,
}
REQUESTS = 50
QUEUE = 4


def test_fifty_concurrent_extractions(tmp_path: Path) -> None:
    settings = WebSettings(
        model="tiny", data_dir=tmp_path, kitchen_db=tmp_path / "k.sqlite", queue_size=QUEUE
    )
    with LiveServer(create_app(settings)) as url:
        results = asyncio.run(_burst(url))
    statuses = [status for status, _, _, _ in results]
    assert all(status in (200, 429) for status in statuses), statuses
    ok = [(body, seconds) for status, body, seconds, _ in results if status == 200]
    refused = [headers for status, _, _, headers in results if status == 429]
    assert len(ok) >= 1 and len(ok) <= QUEUE + 1 + 1  # running + waiting (+1 finishing as the burst lands)
    for body, _ in ok:
        jsonschema.validate(body["value"], SCHEMA)
    assert all(int(h["retry-after"]) >= 1 for h in refused)
    latencies = sorted(seconds for _, seconds in ok)
    print(
        f"\nload: {REQUESTS} requests, {len(ok)} x 200, {len(refused)} x 429; 200 latency median "
        f"{statistics.median(latencies):.2f} s, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.2f} s; "
        f"429 latency max {max((s for st, _, s, _ in results if st == 429), default=0):.3f} s; "
        f"Retry-After {sorted(int(h['retry-after']) for h in refused)}"
    )


async def _burst(url: str) -> list[tuple[int, dict[str, object], float, httpx.Headers]]:
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        await client.get("/healthz")

        async def one(i: int) -> tuple[int, dict[str, object], float, httpx.Headers]:
            started = time.perf_counter()
            response = await client.post(
                "/api/extract", json={"text": f"I am Ana, {20 + i % 30} years old.", "schema": SCHEMA}
            )
            return response.status_code, response.json(), time.perf_counter() - started, response.headers

        return await asyncio.gather(*(one(i) for i in range(REQUESTS)))
