"""`genie eval` / `localgenie.evaluate`: examples files read line by line, scored as the benchmark scores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import localgenie
from localgenie import BadInput
from localgenie.evaluation.run import load_examples

PERSON = {
    "title": "person",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


def write(tmp_path: Path, *lines: Any) -> Path:
    path = tmp_path / "examples.jsonl"
    path.write_bytes(
        b"\n".join(line if isinstance(line, bytes) else json.dumps(line).encode() for line in lines)
    )
    return path


def test_unusable_lines_are_skipped_by_number_with_the_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"text": "Ana is 41.", "schema": PERSON, "expected": {"name": "Ana", "age": 41}},
        b"{not json",
        b'{"text": "caf\xe9", "schema": "name", "expected": {"name": "x"}}',
        {"text": "Bo is 7.", "schema": PERSON, "expected": {"name": "Bo", "age": "seven"}},
        {"text": "Cy.", "schema": "name, age int", "expected": {"name": "Cy"}},
        {"text": "Di.", "schema": PERSON},
        b"",
        {"text": "No age here.", "schema": "name, age int", "expected": None, "expect_error": True},
    )
    examples, skipped = load_examples(path)
    assert [e.line for e in examples] == [1, 8]
    assert examples[0].label == "person" and examples[1].label == "name, age int"
    reasons = {s.line: s.reason for s in skipped}
    assert set(reasons) == {2, 3, 4, 5, 6}
    assert reasons[2].startswith("not JSON")
    assert reasons[3] == "not UTF-8 (byte 13)"
    assert "expected is not valid against its schema (at $.age" in reasons[4]
    assert "expected is not valid" in reasons[5]  # the concise schema's age is required
    assert reasons[6] == "missing expected"


def test_a_file_without_one_usable_line_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"holds no usable example \(line 1: not JSON"):
        load_examples(write(tmp_path, b"nope"))
    with pytest.raises(BadInput, match="cannot read examples file"):
        load_examples(tmp_path / "missing.jsonl")


def test_tiny_is_scored_and_a_refusal_is_right_where_expected(tmp_path: Path, tiny: Any) -> None:
    path = write(
        tmp_path,
        {"text": "Ana is 41 years old.", "schema": PERSON, "expected": {"name": "Ana", "age": 41}},
        {"text": "x", "schema": {"type": "string", "format": "ipv4"}, "expected": None, "expect_error": True},
    )
    report = localgenie.evaluate(path, backends=[tiny], max_retries=0)
    [name] = report.models
    first, second = report.results[name]
    assert first.schema_valid and first.error is None and first.seconds > 0
    assert first.correct == (first.got == {"name": "Ana", "age": 41})
    figures = report.figures(name)
    person, unnamed, overall = figures  # grouped by schema: its title, else a digest of it
    assert (person, overall) == ("person", "overall") and unnamed.startswith("schema ")
    assert figures["overall"]["tasks"] == 2
    assert second.expect_error and second.correct == (second.error is not None)


def test_the_command_compares_two_models_side_by_side(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"text": "Ana is 41 years old.", "schema": "name, age int", "expected": {"name": "Ana", "age": 41}},
        b"garbage",
    )
    result = subprocess.run(
        [sys.executable, "-m", "localgenie", "eval", str(path), "-m", "tiny", "--compare", "tiny", "--json"],
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"examples.jsonl:2: skipped: not JSON" in result.stderr
    report = json.loads(result.stdout)
    assert list(report["models"]) == ["tiny (1)", "tiny (2)"]
    assert report["skipped"] == [{"line": 2, "reason": "not JSON (Expecting value at character 0)"}]
    one, two = (report["items"][name][0] for name in report["models"])
    assert one["value"] == two["value"]  # greedy decoding: the same model gives the same answer
    text = subprocess.run(
        [sys.executable, "-m", "localgenie", "eval", str(path), "-m", "tiny", "--compare", "tiny"],
        capture_output=True,
        timeout=300,
    ).stdout.decode()
    assert "== tiny (2) vs tiny (1), same examples, interleaved ==" in text and "name, age int" in text
