"""``genie extract --json-lines FILE --ray ADDRESS``: as a user runs it (a process of its own, joining
the session's cluster), against a loopback fake server that records requests: the local batch's
output and its result cache; and what --ray refuses before any cluster starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from localgenie.cli.scale import address_of, optional_value
from tests.llm.fake_server import fake_server

from .conftest import SRC
from .test_extract_ray import _answer


def genie(*args: str, timeout: float = 300, **env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "GENIE_LOG": "0", **env_vars}
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
    ],
)
def test_what_ray_cannot_be_combined_with_is_refused_at_once(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In this process (``genie``'s own entry point): refused before any cluster or model starts."""
    import warnings

    from localgenie.cli import main

    monkeypatch.setattr(sys, "argv", ["genie", "extract", *args])
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # main() replaces it
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_json_lines_on_ray_writes_one_line_per_input_line_in_order_and_reruns_from_the_cache(
    ray_cluster: ModuleType, tmp_path: Path
) -> None:
    lines = [f"Line {i}: this person is called Name{i}." for i in range(6)]
    lines[2] = ""
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")
    address = ray_cluster.get_runtime_context().gcs_address
    cache = {"GENIE_DATA_DIR": str(tmp_path), "GENIE_RESULT_CACHE": "1"}
    with fake_server(lambda path, body: _answer(body)) as (url, requests):
        args = ["extract", "-s", "name str", "--json-lines", str(source), "--ray", address, "--actors", "2"]
        result = genie(*args, "--base-url", url, "--model", "fake", "--spans", "--verbose", **cache)
        assert len(requests) == 5
        again = genie(*args, "--base-url", url, "--model", "fake", "--spans", **cache)
        assert len(requests) == 5, "the rerun asked the server again"
    assert result.returncode == 3, result.stderr  # one line failed: exit 3, like the local batch
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert outputs[2] == {"error": {"type": "BadInput", "message": "line 3 is blank"}, "line": 3}
    expected = [(f"Name{i}", lines[i].index(f"Name{i}")) for i in (0, 1, 3, 4, 5)]
    found = [(o["value"]["name"], o["spans"]["/name"][0]) for i, o in enumerate(outputs) if i != 2]
    assert found == expected  # --spans on Ray: where each value stands, from the worker's record
    assert "6 lines on Ray (2 actors), 5 ok, 1 failed" in result.stderr
    assert again.returncode == 3 and again.stdout == result.stdout
    assert "5 of 5 lines came from the result cache" in again.stderr
