"""``genie extract --json-lines`` resumes: a batch killed halfway and run again recomputes none of the
lines it finished and writes the same bytes; ``--concurrency`` against a server; ``--no-cache``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ..conftest import SEED_TEXT
from ..llm.fake_server import InFlight, fake_server, person_reply, text_of

PERSON = "name, age int"
LINES = [f"Person{i} is {i % 90 + 1} years old." for i in range(200)]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The CLI's environment: its own data directory, the result cache on."""
    environment = {**os.environ, "GENIE_DATA_DIR": str(tmp_path / "data")}
    environment.pop("GENIE_RESULT_CACHE", None)
    return environment


def genie(*args: str, env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "localgenie", *args], input=stdin, capture_output=True, timeout=300, env=env
    )


def batch_file(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "in.txt"
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_a_batch_killed_halfway_recomputes_no_finished_line_and_writes_the_same_file(
    tmp_path: Path, env: dict[str, str], concurrency: str
) -> None:
    source = batch_file(tmp_path, LINES)
    with fake_server(person_reply) as (url, requests):  # the reference: one run, nothing cached
        clean = genie(
            "extract", "--base-url", url, "-m", "m", "-s", PERSON, "--json-lines", source,
            env={**env, "GENIE_DATA_DIR": str(tmp_path / "elsewhere")},
        )  # fmt: skip
        assert clean.returncode == 0, clean.stderr.decode()
        assert len(requests) == 200

    release = threading.Event()

    def stalls_after_half(path: str, body: dict[str, Any] | None) -> Any:
        if int(text_of(body).split()[0].removeprefix("Person")) >= 100:
            release.wait(30)  # the server hangs: the user presses Ctrl-C
        return person_reply(path, body)

    output = tmp_path / "out.jsonl"
    with fake_server(stalls_after_half) as (url, requests):
        port = int(url.rsplit(":", 1)[1].split("/")[0])  # the rerun asks the same server: same cache keys
        args = [
            "extract",
            "--base-url",
            url,
            "-m",
            "m",
            "-s",
            PERSON,
            "--json-lines",
            source,
            "-j",
            concurrency,
        ]
        with output.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "localgenie", *args], stdout=out, stderr=subprocess.PIPE, env=env
            )
            deadline = time.monotonic() + 60
            while output.read_bytes().count(b"\n") < 100 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)
            process.send_signal(signal.SIGINT)
            pressed = time.monotonic()
            _, err = process.communicate(timeout=30)
            stopped_in = time.monotonic() - pressed
        release.set()
    assert stopped_in < 10  # requests in flight to the hung server do not hold the exit up
    assert process.returncode == 130, err.decode()
    assert b"interrupted after 100 of 200 lines; finished lines are cached" in err
    assert output.read_bytes().splitlines() == clean.stdout.splitlines()[:100]

    with fake_server(person_reply, port) as (url, requests):
        again = genie("extract", "--base-url", url, "-m", "m", "-s", PERSON, "--json-lines", source, env=env)
        assert again.returncode == 0, again.stderr.decode()
        assert [text_of(r["body"]) for r in requests] == LINES[100:]  # lines recomputed: 0 of the finished
    assert again.stdout == clean.stdout  # byte for byte
    assert b"100 of 200 lines came from the result cache" in again.stderr


def test_a_changed_option_misses_the_cache_and_no_cache_bypasses_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    source = batch_file(tmp_path, LINES[:5])
    with fake_server(person_reply) as (url, requests):
        base = ["extract", "--base-url", url, "-m", "m", "-s", PERSON, "--json-lines", source]
        first = genie(*base, env=env)
        assert first.returncode == 0 and len(requests) == 5
        spans = genie(*base, "--spans", env=env)
        assert spans.returncode == 0 and b'"spans": {"/name": [0, 7]' in spans.stdout
        assert len(requests) == 5  # how the answer is printed is not part of the key: all 5 cached
        assert genie(*base, "--max-tokens", "300", env=env).stdout == first.stdout
        assert len(requests) == 10  # an option that may change the answer: asked again
        assert genie(*base, "--no-cache", env=env).stdout == first.stdout
        assert len(requests) == 15


def test_concurrency_keeps_requests_in_flight_and_lines_in_order(tmp_path: Path, env: dict[str, str]) -> None:
    lines = [*LINES[:7], "", *LINES[7:12]]  # a blank line keeps its place
    recorder = InFlight(person_reply, pause=0.2)
    with fake_server(recorder) as (url, requests):
        args = [
            "extract",
            "--base-url",
            url,
            "-m",
            "m",
            "-s",
            PERSON,
            "--json-lines",
            batch_file(tmp_path, lines),
        ]
        result = genie(*args, "--concurrency", "4", "--no-cache", env=env)
    assert result.returncode == 3  # the blank line
    records = result.stdout.decode().splitlines()
    assert len(records) == 13
    assert records[7] == '{"error": {"type": "BadInput", "message": "line 8 is blank"}, "line": 8}'
    names = [r.split('"')[3] for i, r in enumerate(records) if i != 7]
    assert names == [line.split()[0] for line in lines if line]
    assert recorder.peak == 4 and len(requests) == 12


def test_concurrency_needs_a_batch(env: dict[str, str]) -> None:
    result = genie("extract", "-s", PERSON, "--concurrency", "2", "Ann is 3", env=env)
    assert result.returncode == 2 and b"runs several lines of a --json-lines batch" in result.stderr


def test_on_the_embedded_model_concurrency_is_one_and_a_rerun_comes_from_the_cache(
    tmp_path: Path, env: dict[str, str]
) -> None:
    source = batch_file(tmp_path, [SEED_TEXT, "Bob is 7 and lives at 1 Main St, Leeds."])
    args = ["extract", "-m", "tiny", "-s", "name, age int, city", "--json-lines", source]
    first = genie(*args, "--concurrency", "3", env=env)
    assert first.returncode == 0, first.stderr.decode()
    assert b"concurrency 3 has no effect on the embedded model" in first.stderr
    again = genie(*args, env=env)
    assert again.stdout == first.stdout and len(first.stdout.splitlines()) == 2
    assert b"2 of 2 lines came from the result cache" in again.stderr
