"""Batch extraction on a real local Ray cluster (one per session, 2 CPUs): order, faults (a killed actor,
a failing server, bad lines) against a loopback fake server that records every request, the result
cache of ``extract_batch(engine="ray")``, and the real tiny model giving what the local path gives."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import psutil
import pytest

import localgenie
from localgenie.errors import BackendError, BadInput, SchemaViolation
from localgenie.llm.retries import RetryPolicy
from localgenie.scale import RayEngine
from localgenie.scale.extract import extract_batch_ray, rebuild_error
from tests.llm.fake_server import Reply, completion, fake_server

from .conftest import SRC, map_workers

NAME = re.compile(r"is called (\w+)")
SCHEMA = "name str"
QUICK = RetryPolicy(retries=2, backoff=0.01)


def _asked(body: dict[str, Any] | None) -> str:
    assert body is not None
    return str(body["messages"][-1]["content"])


def _name(request: dict[str, Any]) -> str:
    found = NAME.search(_asked(request["body"]))
    return found.group(1) if found else "nobody"


def _answer(body: dict[str, Any] | None) -> Reply:
    """A valid answer naming whoever the text says is called what."""
    found = NAME.search(_asked(body))
    return completion(json.dumps({"name": found.group(1) if found else "nobody"}))


def _texts(n: int) -> list[str]:
    return [f"Line {i}: this person is called Name{i}." for i in range(n)]


def test_in_input_order_a_bad_line_fails_alone_and_a_5xx_is_retried_by_one_policy(
    ray_cluster: ModuleType,
) -> None:
    """One Ray run (two actors, two requests in flight each) against a server that answers every text
    after two 503s, and never answers Name5.  Bad lines never reach the server.  One retry policy: the
    remote backend's (llm/retries.py) inside the actor; neither the worker nor Ray asks again, so a
    text costs exactly 1 + 2 requests, and the dead one 1 + QUICK.retries and an error for itself."""
    failures: Counter[str] = Counter()
    lock = threading.Lock()

    def flaky(path: str, body: dict[str, Any] | None) -> Reply:
        asked = _asked(body)
        if "Name5" in asked:  # this text's server never recovers
            return 503, "text/plain", "overloaded"
        with lock:
            failures[asked] += 1
            if failures[asked] <= 2:
                return 503, "text/plain", "overloaded"
        return _answer(body)

    texts = _texts(10)
    texts[3] = "   "  # blank: BadInput
    texts[8] = "binary\x00data"  # NUL: BadInput
    with fake_server(flaky) as (url, requests):
        results = extract_batch_ray(
            texts, SCHEMA, base_url=url, model="fake", actors=2, threads_per_actor=2, retry=QUICK
        )
    assert [r.index for r in results] == list(range(10))
    for result in results:
        if result.index in (3, 8):
            assert result.error is not None and result.error["type"] == "BadInput", result
        elif result.index == 5:
            assert result.error is not None and result.error["type"] == "BackendError"
            assert "503, 3 times in a row" in result.error["message"]
        else:
            assert result.ok and result.value == {"name": f"Name{result.index}"}, result
    # Which actors answered is Ray's scheduling (10 texts can fit one actor's block): not asserted.
    assert Counter(_name(q) for q in requests) == {f"Name{i}": 3 for i in (0, 1, 2, 4, 5, 6, 7, 9)}


def test_a_killed_actor_loses_nothing_and_duplicates_nothing(ray_cluster: ModuleType) -> None:
    """SIGKILL one actor process mid-batch: Ray restarts it and runs its block again; every line is in
    the output exactly once, with its own answer."""
    n = 16
    killed: list[int] = []

    def slow(path: str, body: dict[str, Any] | None) -> Reply:
        time.sleep(0.1)
        return _answer(body)

    with fake_server(slow) as (url, requests):
        port = int(url.rsplit(":", 1)[1].split("/")[0])

        def kill_one() -> None:
            """Kill an actor that is talking to the server (not one still starting): it is mid-block."""
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(requests) < 4:
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
    asked = Counter(_name(q) for q in requests)
    assert set(asked) == {f"Name{i}" for i in range(n)}
    assert sum(asked.values()) > n, "the dead actor's block was not run again"
    assert killed[0] not in {r.worker for r in results if asked[f"Name{r.index}"] > 1}


@pytest.fixture
def result_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The result cache on, in a data directory of this test's own."""
    monkeypatch.setenv("GENIE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GENIE_RESULT_CACHE", "1")
    return tmp_path / "results.sqlite"


def test_engine_ray_shares_the_local_result_cache_and_a_finished_batch_reruns_without_the_cluster(
    ray_cluster: ModuleType, result_cache: Path
) -> None:
    """Half a batch done on one machine is not sent to Ray; a server failure on Ray stops the batch at
    that text's turn, as on one machine, and what was answered is kept; the rerun asks only for what is
    missing, and a rerun of the finished batch asks nothing at all."""
    texts = _texts(8)
    broken = {"Name6"}

    def server(path: str, body: dict[str, Any] | None) -> Reply:
        if any(name in _asked(body) for name in broken):
            return 404, "text/plain", "no such model"  # not retried: a BackendError at once
        return _answer(body)

    engine = RayEngine(actors=2, threads_per_actor=2)
    with fake_server(server) as (url, requests):
        local = list(localgenie.extract_batch(texts[:4], SCHEMA, base_url=url, model="fake"))
        assert [r.value for r in local] == [{"name": f"Name{i}"} for i in range(4)]
        assert len(requests) == 4

        seen = []
        with pytest.raises(BackendError, match="404"):
            for result in localgenie.extract_batch(texts, SCHEMA, base_url=url, model="fake", engine=engine):
                seen.append(result)
        assert [(r.index, r.cached) for r in seen] == [(i, i < 4) for i in range(6)]
        assert [r.value for r in seen] == [{"name": f"Name{i}"} for i in range(6)]
        first_ray = Counter(_name(q) for q in requests[4:])
        assert first_ray.keys() >= {"Name4", "Name5", "Name6"} and not first_ray.keys() & {
            f"Name{i}" for i in range(4)
        }, first_ray

        broken.clear()
        before = len(requests)
        again = list(localgenie.extract_batch(texts, SCHEMA, base_url=url, model="fake", engine=engine))
        assert [r.value for r in again] == [{"name": f"Name{i}"} for i in range(8)]
        assert all(r.cached for r in again[:6]) and not again[6].cached
        assert "Name6" in {_name(q) for q in requests[before:]}
        assert not {_name(q) for q in requests[before:]} & {f"Name{i}" for i in range(6)}

        before = len(requests)
        started = time.perf_counter()
        last = list(localgenie.extract_batch(texts, SCHEMA, base_url=url, model="fake", engine=engine))
        seconds = time.perf_counter() - started
    assert len(requests) == before, "a cached text reached the server"
    assert all(r.cached for r in last) and [r.value for r in last] == [r.value for r in again]
    assert seconds < 2  # no actor was started: the cluster was not asked at all


def test_a_workers_errors_come_back_as_the_same_types() -> None:
    violation = rebuild_error(
        {"type": "SchemaViolation", "message": "no", "paths": [{"path": "$.a", "message": "m"}], "raw": "x"}
    )
    assert isinstance(violation, SchemaViolation) and violation.errors == [("$.a", "m")]
    assert violation.raw == "x"
    assert type(rebuild_error({"type": "BackendError", "message": "down"})) is BackendError
    odd = rebuild_error({"type": "KeyError", "message": "'x'"})
    assert type(odd) is localgenie.GenieError and "KeyError" in str(odd)


def test_bad_arguments_fail_before_the_cluster_is_asked() -> None:
    with pytest.raises(BadInput, match="actors"):
        extract_batch_ray(["x"], SCHEMA, actors=0)
    with pytest.raises(BadInput, match="concurrency"):
        extract_batch_ray(["x"], SCHEMA, model="tiny", concurrency=4)
    with pytest.raises(BadInput, match="engine is 'local', 'ray'"):
        localgenie.extract_batch(["x"], SCHEMA, model="tiny", engine="spark")  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="not a backend or a cascade"):
        localgenie.extract_batch(["x"], SCHEMA, model="tiny,default", engine="ray")
    with pytest.raises(BadInput, match="unknown model"):
        localgenie.extract_batch(["x"], SCHEMA, model="nosuch", engine="ray")


def test_importing_localgenie_and_extracting_never_imports_ray() -> None:
    code = (
        "import sys, localgenie, localgenie.scale, localgenie.cli\n"
        "from localgenie.cli.extract import extract_command\n"
        "print(localgenie.extract_details('Line 1: this person is called Ann.', 'name str',\n"
        "      base_url=sys.argv[1], model='fake').value)\n"
        "print([r.value for r in localgenie.extract_batch(['Line 2: this person is called Bo.'],\n"
        "      'name str', base_url=sys.argv[1], model='fake', cache=False)])\n"
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
    assert "{'name': 'Ann'}\n[{'name': 'Bo'}]" in done.stdout


def test_tiny_on_two_actors_gives_the_local_paths_results_in_order(ray_cluster: ModuleType) -> None:
    """The real model is the point here: four texts, two actors, each its own embedded tiny."""
    texts = [
        f"My name is {name} and I am {age} years old."
        for name, age in [("John", 30), ("Maria", 41), ("Chen", 25), ("Aisha", 52)]
    ]
    schema = "name str, age int"
    local = list(localgenie.extract_batch(texts, schema, model="tiny", cache=False))
    on_ray = list(localgenie.extract_batch(texts, schema, model="tiny", cache=False, engine="ray"))
    assert [r.index for r in on_ray] == list(range(len(texts)))
    assert [r.value for r in on_ray] == [r.value for r in local]
    assert [r.extraction.spans for r in on_ray if r.extraction] == [
        r.extraction.spans for r in local if r.extraction
    ]


def test_more_cpus_than_the_cluster_has_is_refused_not_waited_for(ray_cluster: ModuleType) -> None:
    with pytest.raises(BadInput, match="need 6 CPUs and the cluster has 2"):
        extract_batch_ray(["x"], SCHEMA, model="tiny", actors=3, threads_per_actor=2)
