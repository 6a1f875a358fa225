"""``genie extract --json-lines FILE --ray``: as a user runs it (its own local cluster), against a
loopback fake server; and what --ray refuses before any cluster starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from localgenie.cli.scale import address_of, optional_value
from tests.llm.fake_server import fake_server

from .conftest import SRC
from .test_extract_ray import _answer


def genie(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "GENIE_LOG": "0"}
    env.pop("RAY_ADDRESS", None)
    return subprocess.run(
        [sys.executable, "-m", "localgenie", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["extract", "--ray"], ["extract", "--ray=local"]),
        (["extract", "--ray", "--json-lines", "f"], ["extract", "--ray=local", "--json-lines", "f"]),
        (["tubetalk", "analyze", "--ray", "a.csv"], ["tubetalk", "analyze", "--ray=local", "a.csv"]),
        (["extract", "--ray", "auto"], ["extract", "--ray", "auto"]),
        (["x", "--ray", "10.1.2.3:6379", "y"], ["x", "--ray", "10.1.2.3:6379", "y"]),
        (["x", "--ray", "ray://head:10001"], ["x", "--ray", "ray://head:10001"]),
        (["x", "--ray=head:6379"], ["x", "--ray=head:6379"]),
    ],
)
def test_ray_takes_an_address_only_when_one_follows(argv: list[str], expected: list[str]) -> None:
    assert optional_value(argv) == expected


def test_local_means_start_one() -> None:
    assert address_of("local") is None
    assert address_of("auto") == "auto"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-s", "name str", "--ray", "some text"], "--json-lines"),
        (["-s", "name str", "--json-lines", "-", "--ray", "--cascade", "tiny,default"], "cascade"),
        (["-s", "name str", "--json-lines", "-", "--ray", "--spans"], "--spans"),
    ],
)
def test_what_ray_cannot_be_combined_with_is_refused_at_once(args: list[str], message: str) -> None:
    result = genie("extract", *args, timeout=60)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


def test_json_lines_on_ray_writes_one_line_per_input_line_in_order(tmp_path: Path) -> None:
    lines = [f"Line {i}: this person is called Name{i}." for i in range(6)]
    lines[2] = ""
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")
    with fake_server(lambda path, body: _answer(body)) as (url, requests):
        result = genie(
            "extract", "-s", "name str", "--json-lines", str(source), "--ray", "--actors", "2",
            "--base-url", url, "--model", "fake", "--verbose",
        )  # fmt: skip
    assert result.returncode == 3, result.stderr  # one line failed: exit 3, like the local batch
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert outputs[2] == {"error": {"type": "BadInput", "message": "line 3 is blank"}, "line": 3}
    assert [o for i, o in enumerate(outputs) if i != 2] == [{"name": f"Name{i}"} for i in (0, 1, 3, 4, 5)]
    assert "6 lines on Ray, 5 ok, 1 failed" in result.stderr
    assert len(requests) == 5
