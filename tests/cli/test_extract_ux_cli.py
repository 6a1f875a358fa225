"""Concise and saved schemas, many items, the log and batches, as a user runs them (real tiny model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ANA = "Ana is 41."
PAIR = "Alice is 31 and lives in Paris. Bob, 45, lives in Rome."


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``genie ...`` with its own user data dir (saved schemas, log) and the log on."""
    env = {k: v for k, v in os.environ.items() if k != "GENIE_LOG"}
    env["GENIE_DATA_DIR"] = str(tmp_path / "data")

    def genie(*args: str, stdin: bytes | None = None, **extra: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "localgenie", *args],
            input=stdin,
            capture_output=True,
            timeout=600,
            env={**env, **extra},
        )

    return genie


def test_a_concise_schema_on_the_command_line(run) -> None:  # type: ignore[no-untyped-def]
    result = run("extract", "-m", "tiny", "--schema", "name, age int", ANA)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout) == {"name": "Ana", "age": 41}


def test_a_concise_schema_with_a_mistake_is_exit_2_with_the_place(run) -> None:  # type: ignore[no-untyped-def]
    result = run("extract", "-m", "tiny", "--schema", "name, age integr", ANA)
    assert result.returncode == 2
    assert "concise schema, column 11: unknown type 'integr' for field 'age'" in result.stderr.decode()
    printed = run("schemas", "dsl", "name, age int, bio: a one-sentence bio")
    assert json.loads(printed.stdout)["properties"]["bio"] == {
        "type": "string",
        "description": "a one-sentence bio",
    }


def test_many_items(run) -> None:  # type: ignore[no-untyped-def]
    result = run("extract", "-m", "tiny", "-s", "name, age int", "--multi", PAIR)
    assert result.returncode == 0, result.stderr.decode()
    items = json.loads(result.stdout)["items"]
    # tiny pairs ages with names by near-ties that flip with any prompt change (see test_multi.py):
    # the CLI's part is the shape: both people, in order, each once, every item typed.
    assert [item["name"] for item in items[:2]] == ["Alice", "Bob"]
    assert {item["age"] for item in items[:2]} == {31, 45}
    assert len(items) <= 3 and all(isinstance(item["age"], int) for item in items)


def test_saved_schemas_and_the_log(run) -> None:  # type: ignore[no-untyped-def]
    assert run("schemas", "save", "person", "name, age int").returncode == 0
    assert run("schemas", "save", "person", "name").returncode == 2  # needs --replace
    listing = run("schemas", "list").stdout.decode()
    assert "person" in listing and "name, age int" in listing
    assert run("schemas", "show", "person", "--concise").stdout.decode().strip() == "name, age int"

    assert run("extract", "-m", "tiny", "-s", "person", ANA).returncode == 0
    assert run("extract", "-m", "tiny", "-s", "person", "--no-log", "Bob is 7.").returncode == 0
    data = run("logs", "--data", "--schema", "person")
    assert data.stdout.decode().splitlines() == [
        '{"name": "Ana", "age": 41}'
    ]  # the --no-log run is not there
    (record,) = [json.loads(line) for line in run("logs", "--json").stdout.decode().splitlines()]
    assert record["schema_name"] == "person" and record["text"] == ANA and record["backend"] == "embedded"
    assert record["completion_tokens"] > 0 and record["raw"] == '{"name":"Ana","age":41}'
    # The same schema written out finds the same runs (by hash).
    assert run("logs", "--data", "-s", "name, age int").stdout == data.stdout

    unknown = run("extract", "-m", "tiny", "-s", "invoice", ANA)
    assert unknown.returncode == 2
    assert "no saved schema named 'invoice'; saved: person" in unknown.stderr.decode()
    assert run("schemas", "delete", "person").returncode == 0
    assert run("logs", "--data", "-s", "person").stdout == data.stdout  # runs keep the name


def test_a_corrupt_log_warns_and_the_extraction_still_works(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "logs.sqlite").write_bytes(b"not a database" * 200)
    result = run("extract", "-m", "tiny", "-s", "name, age int", ANA)
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"name": "Ana", "age": 41}
    assert "genie: warning: logging is off" in result.stderr.decode()


def test_json_lines_reads_the_file_it_is_given_and_keeps_lines_aligned(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Issue 18: the path used to be taken as the text (one object, exit 0).
    five = tmp_path / "five.txt"
    five.write_bytes(b"Ana is 41.\n\n\xff\xfe broken\nBob is 7.\n")
    result = run("extract", "-m", "tiny", "-s", "name, age int", "--json-lines", str(five))
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(lines) == 4
    assert lines[0] == {"name": "Ana", "age": 41} and lines[3] == {"name": "Bob", "age": 7}
    assert lines[1] == {"error": {"type": "BadInput", "message": "line 2 is blank"}, "line": 2}
    assert lines[2]["line"] == 3 and "line 3 is not UTF-8" in lines[2]["error"]["message"]
    assert result.returncode == 3
    assert "2 of 4 lines gave no valid output" in result.stderr.decode()


def test_json_lines_refuses_a_text_argument_and_a_missing_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    five = tmp_path / "five.txt"
    five.write_text("Ana is 41.\n")
    both = run("extract", "-m", "tiny", "-s", "name str", "--json-lines", "-", str(five))
    assert both.returncode == 2
    assert f"use --json-lines {five}" in both.stderr.decode()
    missing = run("extract", "-m", "tiny", "-s", "name str", "--json-lines", str(tmp_path / "none.txt"))
    assert missing.returncode == 2 and "no such file" in missing.stderr.decode()
    assert both.stdout == missing.stdout == b""
