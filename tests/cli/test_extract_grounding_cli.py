"""`genie extract --spans / --grounded-only / --min-confidence` as a user runs them, on the tiny model."""

from __future__ import annotations

import json

from localgenie.structured.pointers import leaves

from ..conftest import SEED_TEXT
from .test_extract_cli import PERSON, genie

# A code the seed text cannot hold: whatever tiny writes for it is invented.
WITH_CODE = json.dumps(
    {
        "type": "object",
        "properties": {"name": {"type": "string"}, "code": {"type": "string", "pattern": "^ZQX[0-9]{3}$"}},
        "required": ["name", "code"],
    }
)


def test_spans_prints_the_value_and_where_each_leaf_stands() -> None:
    result = genie("extract", "-m", "tiny", "-s", PERSON, "--spans", SEED_TEXT)
    assert result.returncode == 0, result.stderr.decode()
    printed = json.loads(result.stdout)
    assert set(printed) == {"value", "spans"}
    assert list(printed["spans"]) == list(leaves(printed["value"]))
    start, end = printed["spans"]["/name"]
    assert SEED_TEXT[start:end] == printed["value"]["name"]
    assert all(span is None or len(span) == 2 for span in printed["spans"].values())


def test_grounded_only_refuses_an_invented_value_with_exit_3_naming_the_field() -> None:
    result = genie(
        "extract", "-m", "tiny", "-s", WITH_CODE, "--grounded-only", "--max-retries", "1", SEED_TEXT
    )
    assert result.returncode == 3
    assert result.stdout == b""  # no value: nothing invented reaches stdout
    said = result.stderr.decode()
    assert "$.code" in said and "not in the text" in said and "after 2 attempts" in said
    # Without the flag the same answer is valid and printed: the check is the flag's.
    plain = genie("extract", "-m", "tiny", "-s", WITH_CODE, "--max-retries", "0", "--spans", SEED_TEXT)
    assert plain.returncode == 0 and json.loads(plain.stdout)["spans"]["/code"] is None


def test_min_confidence_flags_the_unsure_fields_with_exit_3() -> None:
    strict = genie("extract", "-m", "tiny", "-s", PERSON, "--min-confidence", "1", SEED_TEXT)
    assert strict.returncode == 3
    value = json.loads(strict.stdout)  # still printed: flagged, not thrown away
    said = strict.stderr.decode()
    assert "confidence min" in said and "under confidence 1" in said
    unsure = [line for line in said.splitlines() if line.startswith("genie: /")]
    assert unsure and all(line.split(" = ")[0][len("genie: ") :] in leaves(value) for line in unsure)
    lenient = genie("extract", "-m", "tiny", "-s", PERSON, "--min-confidence", "0", SEED_TEXT)
    assert lenient.returncode == 0 and json.loads(lenient.stdout) == value


def test_json_lines_with_spans_gives_value_and_spans_per_line() -> None:
    lines = [SEED_TEXT, "Bob is 7 and lives at 1 Main St, Leeds."]
    result = genie(
        "extract", "-m", "tiny", "-s", PERSON, "--spans", "--json-lines", "-", stdin="\n".join(lines).encode()
    )
    outputs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(outputs) == 2
    for text, output in zip(lines, outputs, strict=True):
        assert set(output) == {"value", "spans"}
        start, end = output["spans"]["/name"]
        assert text[start:end] == output["value"]["name"]
