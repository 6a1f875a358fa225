"""``--concurrency`` against a real local server, and a batch rerun from the result cache.

    flock /tmp/genie-cpu.lock python bench/concurrency.py [--items 24] [--rounds 1] [--settings 1,2,4]
    flock /tmp/genie-cpu.lock python bench/concurrency.py --items 100 --settings 1,8   # the issue's figure

Starts ``python -m llama_cpp.server`` on 127.0.0.1 serving ``tiny`` (``--interrupt_requests False``:
by default that server cuts a streaming answer short whenever another request arrives), then, side by
side in one run, extracts the same ``--items`` texts (``name, age int, city``) with
`localgenie.extract_batch` at each ``--settings`` concurrency (1, 2 and 4 unless told; the result cache
off), in rounds of 1 → 2 → 4, and reports items/s per setting (the median of the rounds) with its
ratio to concurrency 1, and how many answers equal concurrency 1's, in the same order (the server's
KV cells are placed by its history, so a near-tie late in an answer can tip either way).

The same three settings are then run against a loopback server that answers each request after
200 ms and serves any number at once (`tests.llm.fake_server`): what Genie's side allows when the
server is not the bound.  Last, one batch (at most 24 of the texts) is run twice with the result cache
on (a fresh data directory): the second run answers every line from the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.llm.fake_server

from tests.llm.fake_server import InFlight, Reply, fake_server, sse, text_of  # noqa: E402

import localgenie  # noqa: E402
from _common import summary  # noqa: E402
from localgenie.llm.models import tiny_model_path  # noqa: E402
from localgenie.llm.openai_compat import OpenAICompatBackend  # noqa: E402

SCHEMA = "name, age int, city"
NAMES = [
    "Maria Lopez",
    "Tom Baker",
    "Ana Silva",
    "Li Wei",
    "Omar Haddad",
    "Eva Novak",
    "Raj Patel",
    "Ines Duarte",
]
CITIES = [
    "Madrid",
    "Leeds",
    "Porto",
    "Shanghai",
    "Beirut",
    "Prague",
    "Pune",
    "Lisbon",
    "Oslo",
    "Lyon",
    "Graz",
]


def texts(count: int) -> list[str]:
    return [
        f"{NAMES[i % len(NAMES)]} is {20 + (7 * i) % 50} years old and lives in {CITIES[i % len(CITIES)]}."
        for i in range(count)
    ]


def right_answer(path: str, body: dict[str, Any] | None) -> Reply:
    """The loopback server's answer: what `texts` wrote, streamed in two pieces like a real server."""
    found = re.match(r"(.+) is (\d+) years old and lives in (.+)\.", text_of(body))
    assert found is not None
    answer = json.dumps({"name": found[1], "age": int(found[2]), "city": found[3]})
    return sse([answer[:10], answer[10:]])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "llama_cpp.server", "--model", str(tiny_model_path()),
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--model_alias", "tiny",
            "--interrupt_requests", "False",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/models", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("llama_cpp.server did not start within 120 s")


def batch(
    items: list[str], backend: Any, concurrency: int, *, cache: bool = False
) -> tuple[float, list[Any]]:
    started = time.perf_counter()
    results = list(
        localgenie.extract_batch(items, SCHEMA, backend=backend, concurrency=concurrency, cache=cache)
    )
    seconds = time.perf_counter() - started
    return seconds, [r.value if r.ok else f"error: {r.error}" for r in results]


def compare(
    name: str, items: list[str], backend: Any, rounds: int, settings: tuple[int, ...]
) -> list[tuple[str, str]]:
    seconds: dict[int, list[float]] = {n: [] for n in settings}
    answers: dict[int, list[Any]] = {}
    for round_ in range(rounds):
        for n in settings:
            took, values = batch(items, backend, n)
            seconds[n].append(took)
            answers.setdefault(n, values)
            print(f"{name}: round {round_ + 1}, concurrency {n}: {took:.2f} s", flush=True)
    base = len(items) / statistics.median(seconds[1])
    rows = []
    for n in settings:
        rate = len(items) / statistics.median(seconds[n])
        rows.append((f"{name}, concurrency {n}", f"{rate:.2f} items/s ({rate / base:.2f}x concurrency 1)"))
    failed = sum(isinstance(v, str) for v in answers[1])
    for n in settings[1:]:
        same = sum(a == b for a, b in zip(answers[n], answers[1], strict=True))
        same_row = f"{same} of {len(items)} ({failed} failed at 1)"
        rows.append((f"{name}, concurrency {n}: answers as at 1", same_row))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--settings", default="1,2,4", help="concurrencies to compare, 1 first")
    args = parser.parse_args()
    settings = tuple(int(n) for n in args.settings.split(","))
    if settings[0] != 1:
        parser.error("--settings must start with 1 (the ratios are to concurrency 1)")
    os.environ["GENIE_LOG"] = "0"
    items = texts(args.items)
    rows: list[tuple[str, str]] = []

    process, url = start_server()
    try:
        backend = OpenAICompatBackend(url, model="tiny")
        batch(items[:2], backend, 1)  # warm-up: the server's first request compiles the grammar
        rows += compare("llama_cpp.server tiny", items, backend, args.rounds, settings)
        with tempfile.TemporaryDirectory() as data:
            os.environ["GENIE_DATA_DIR"] = data
            os.environ.pop("GENIE_RESULT_CACHE", None)
            cached = items[:24]
            cold, first = batch(cached, backend, 1, cache=True)
            warm, again = batch(cached, backend, 1, cache=True)
        rows.append(("cache: first run, concurrency 1", f"{cold:.2f} s ({len(cached) / cold:.2f} items/s)"))
        rows.append(
            (
                "cache: rerun, every line cached",
                f"{warm:.3f} s ({len(cached) / warm:.0f} items/s, {cold / warm:.0f}x)",
            )
        )
        rows.append(("cache: rerun output identical", "yes" if again == first else "NO"))
    finally:
        process.terminate()
        process.wait(timeout=30)

    recorder = InFlight(right_answer, pause=0.2)
    with fake_server(recorder) as (fake, _):
        loopback = OpenAICompatBackend(fake, model="m")
        rows += compare("loopback, 200 ms each, parallel", items, loopback, 1, settings)
    rows.append(("loopback peak requests in flight", str(recorder.peak)))
    summary(f"concurrency: {args.items} extractions, {args.rounds} round(s)", rows)
    print(json.dumps({"items": args.items, "rounds": args.rounds}))


if __name__ == "__main__":
    main()
