"""Batch extraction on a real local Ray cluster: order, faults (a killed actor, a failing server, bad
lines) against a loopback fake server, and the real tiny model giving what the local loop gives."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from types import ModuleType
from typing import Any

import psutil
import pytest

from localgenie.errors import BadInput
from localgenie.scale.extract import backoff_delay, extract_batch_ray
from tests.llm.fake_server import Reply, completion, fake_server

from .conftest import SRC, map_workers

NAME = re.compile(r"is called (\w+)")
SCHEMA = "name str"


def _asked(body: dict[str, Any] | None) -> str:
    assert body is not None
    return str(body["messages"][-1]["content"])


def _answer(body: dict[str, Any] | None) -> Reply:
    """A valid answer naming whoever the text says is called what."""
    found = NAME.search(_asked(body))
    return completion(json.dumps({"name": found.group(1) if found else "nobody"}))


def _texts(n: int) -> list[str]:
    return [f"Line {i}: this person is called Name{i}." for i in range(n)]


def test_results_in_input_order_and_a_bad_line_fails_alone(ray_cluster: ModuleType) -> None:
    texts = _texts(12)
    texts[3] = "   "  # blank: BadInput
    texts[8] = "binary\x00data"  # NUL: BadInput
    with fake_server(lambda path, body: _answer(body)) as (url, requests):
        results = extract_batch_ray(texts, SCHEMA, base_url=url, model="fake", actors=2, threads_per_actor=2)
    assert [r.index for r in results] == list(range(12))
    for result in results:
        if result.index in (3, 8):
            assert result.error is not None and result.error["type"] == "BadInput", result
        else:
            assert result.ok and result.value == {"name": f"Name{result.index}"}, result
    assert len({r.worker for r in results}) == 2  # both actors answered
    assert len(requests) == 10  # the bad lines never reached the server


def test_a_server_5xx_is_retried_with_back_off_and_a_dead_server_fails_only_its_lines(
    ray_cluster: ModuleType,
) -> None:
    failures: Counter[str] = Counter()
    lock = threading.Lock()

    def flaky(path: str, body: dict[str, Any] | None) -> Reply:
        asked = _asked(body)
        if "Name5" in asked:  # this text's server never recovers
            return 503, "text/plain", "overloaded"
        with lock:
            failures[asked] += 1
            if failures[asked] <= 2:  # every other text: two 503s, then an answer
                return 503, "text/plain", "overloaded"
        return _answer(body)

    with fake_server(flaky) as (url, requests):
        started = time.perf_counter()
        results = extract_batch_ray(_texts(8), SCHEMA, base_url=url, model="fake", actors=2, backoff=0.1)
        seconds = time.perf_counter() - started
    assert [r.index for r in results] == list(range(8))
    dead = results[5]
    assert dead.error is not None and dead.error["type"] == "BackendError" and "503" in dead.error["message"]
    assert dead.server_retries == 3
    for result in results[:5] + results[6:]:
        assert result.ok and result.value == {"name": f"Name{result.index}"} and result.server_retries == 2
    assert len(requests) == 7 * 3 + 4
    # Each retried text waited at least 0.05 + 0.1 s (base 0.1 s doubled, jitter >= 50 %): back-off happened.
    assert min(r.seconds for r in results) >= 0.15
    assert seconds < 120


def test_backoff_doubles_with_jitter_and_a_cap() -> None:
    for retry in range(6):
        delay = backoff_delay(retry, 0.5, cap=4.0)
        assert 0.5 * min(4.0, 0.5 * 2**retry) <= delay <= 1.5 * min(4.0, 0.5 * 2**retry)


def test_a_killed_actor_loses_nothing_and_duplicates_nothing(ray_cluster: ModuleType) -> None:
    """SIGKILL one actor process mid-batch: Ray restarts it and runs its block again; every line is in
    the output exactly once, with its own answer."""
    n = 24
    killed: list[int] = []

    def slow(path: str, body: dict[str, Any] | None) -> Reply:
        time.sleep(0.15)
        return _answer(body)

    with fake_server(slow) as (url, requests):
        port = int(url.rsplit(":", 1)[1].split("/")[0])

        def kill_one() -> None:
            """Kill an actor that is talking to the server (not one still starting): it is mid-block."""
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(requests) < 6:
                time.sleep(0.02)
            while time.monotonic() < deadline and not killed:
                for worker in map_workers():
                    try:
                        talking = any(c.raddr and c.raddr.port == port for c in worker.net_connections("tcp"))
                    except psutil.Error:
                        continue
                    if talking:
                        killed.append(worker.pid)
                        worker.send_signal(signal.SIGKILL)
                        return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_one, daemon=True)
        killer.start()
        results = extract_batch_ray(_texts(n), SCHEMA, base_url=url, model="fake", actors=2)
        killer.join(timeout=5)
    assert killed, "no actor process was found to kill"
    assert [r.index for r in results] == list(range(n))
    assert all(r.ok and r.value == {"name": f"Name{r.index}"} for r in results)
    asked = Counter(NAME.search(_asked(q["body"])).group(1) for q in requests)  # type: ignore[union-attr]
    assert set(asked) == {f"Name{i}" for i in range(n)}
    assert sum(asked.values()) > n, "the dead actor's block was not run again"
    assert killed[0] not in {r.worker for r in results if asked[f"Name{r.index}"] > 1}


def test_bad_arguments_fail_before_the_cluster_is_asked() -> None:
    with pytest.raises(BadInput, match="actors"):
        extract_batch_ray(["x"], SCHEMA, actors=0)
    with pytest.raises(BadInput, match="concurrency"):
        extract_batch_ray(["x"], SCHEMA, model="tiny", concurrency=4)


def test_importing_localgenie_and_extracting_never_imports_ray() -> None:
    code = (
        "import sys, localgenie, localgenie.scale, localgenie.cli\n"
        "from localgenie.cli.extract import extract_command\n"
        "print(localgenie.extract_details('Line 1: this person is called Ann.', 'name str',\n"
        "      base_url=sys.argv[1], model='fake').value)\n"
        "assert 'ray' not in sys.modules, sorted(m for m in sys.modules if m.startswith('ray'))\n"
    )
    with fake_server(lambda path, body: _answer(body)) as (url, _):
        done = subprocess.run(
            [sys.executable, "-c", code, url],
            capture_output=True,
            text=True,
            timeout=120,
            env={"PYTHONPATH": str(SRC), "GENIE_LOG": "0", "PATH": "/usr/bin:/bin"},
        )
    assert done.returncode == 0, done.stderr
    assert "{'name': 'Ann'}" in done.stdout


def test_tiny_on_two_actors_gives_the_local_loops_values_in_order(ray_cluster: ModuleType) -> None:
    import localgenie

    texts = [
        f"My name is {name} and I am {age} years old."
        for name, age in [
            ("John", 30),
            ("Maria", 41),
            ("Chen", 25),
            ("Aisha", 52),
            ("Pedro", 19),
            ("Olga", 67),
            ("Tom", 33),
            ("Yuki", 28),
            ("Ravi", 45),
            ("Emma", 38),
        ]
    ]
    schema = "name str, age int"
    local = [localgenie.extract_details(t, schema, model="tiny").value for t in texts]
    results = extract_batch_ray(texts, schema, model="tiny", actors=2)
    assert [r.index for r in results] == list(range(len(texts)))
    assert [r.value for r in results] == local
    assert len({r.worker for r in results}) == 2


def test_more_cpus_than_the_cluster_has_is_refused_not_waited_for(ray_cluster: ModuleType) -> None:
    with pytest.raises(BadInput, match="need 6 CPUs and the cluster has 2"):
        extract_batch_ray(["x"], SCHEMA, model="tiny", actors=3, threads_per_actor=2)
