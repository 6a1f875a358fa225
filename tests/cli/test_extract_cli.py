"""`genie extract` as a user runs it: JSON on stdout, diagnostics on stderr, meaningful exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from localgenie.llm.models import tiny_model_path
from localgenie.structured import schema_errors

from ..conftest import EXAMPLES, SEED_TEXT

PERSON = str(EXAMPLES / "person.schema.json")


def genie(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "localgenie", *args], input=stdin, capture_output=True, timeout=300, env=env
    )


def test_extract_prints_one_valid_json_object(person_schema: dict[str, Any]) -> None:
    result = genie("extract", "--model", "tiny", "--schema", PERSON, "--verbose", SEED_TEXT)
    assert result.returncode == 0, result.stderr.decode()
    value = json.loads(result.stdout)
    assert schema_errors(person_schema, value) == []
    assert b"attempt" in result.stderr  # diagnostics go to stderr, never into the JSON


def test_json_lines_batch_reads_stdin_and_writes_one_line_each(person_schema: dict[str, Any]) -> None:
    lines = [
        SEED_TEXT,
        '"I am Ana,\\n41, from Lisbon, Rua Augusta 3."',
        "",
        "Bob is 7 and lives at 1 Main St, Leeds.",
    ]
    result = genie(
        "extract", "-m", "tiny", "-s", PERSON, "--json-lines", "-", stdin="\n".join(lines).encode()
    )
    outputs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    # Output line N answers input line N: the blank line gets an error record, it is not dropped.
    assert len(outputs) == 4
    assert outputs[2] == {"error": {"type": "BadInput", "message": "line 3 is blank"}, "line": 3}
    assert all(schema_errors(person_schema, value) == [] for value in outputs[:2] + outputs[3:])
    assert result.returncode == 3
    assert b"line 3 is blank" in result.stderr


def test_models_lists_the_built_in_models() -> None:
    result = genie("models")
    assert result.returncode == 0
    assert b"tiny" in result.stdout and b"default" in result.stdout


@pytest.mark.parametrize(
    ("setup", "args", "code", "message"),
    [
        (lambda d: (d / "s.json").write_text("{nope"), ["-s", "{d}/s.json", "x"], 2, "is not valid JSON"),
        (lambda d: (d / "s.json").write_text("[]"), ["-s", "{d}/s.json", "x"], 2, "must be a JSON object"),
        (None, ["-s", "{d}/missing.json", "x"], 2, "schema file not found"),
        (
            lambda d: (d / "s.json").write_text('{"$ref": "#/$defs/x"}'),
            ["-s", "{d}/s.json", "x"],
            2,
            "unknown $ref",
        ),
        (
            lambda d: (d / "s.json").write_text('{"$ref": "http://x.org/s"}'),
            ["-s", "{d}/s.json", "x"],
            2,
            "remote $ref",
        ),
        (None, ["-s", PERSON, ""], 2, "the text is empty"),
        (None, ["-s", PERSON, "-m", "{d}/none.gguf", "text"], 2, "model file not found"),
        (
            lambda d: (d / "bad.gguf").write_bytes(b"GGUF" + b"\x03" * 64),
            ["-s", PERSON, "-m", "{d}/bad.gguf", "t"],
            4,
            "could not load",
        ),
        (None, ["-s", PERSON, "--base-url", "http://127.0.0.1:9", "-m", "x", "text"], 4, "cannot reach"),
    ],
)
def test_bad_input_gives_a_clear_error_and_exit_code(
    tmp_path: Path, setup: Any, args: list[str], code: int, message: str
) -> None:
    if setup:
        setup(tmp_path)
    result = genie("extract", "-m", "tiny", *[a.replace("{d}", str(tmp_path)) for a in args])
    assert result.returncode == code, result.stderr.decode()
    assert message in result.stderr.decode()
    assert result.stdout == b""


def test_binary_and_oversized_stdin_are_refused() -> None:
    binary = genie("extract", "-m", "tiny", "-s", PERSON, stdin=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert binary.returncode == 2
    assert b"NUL byte" in binary.stderr or b"not UTF-8" in binary.stderr
    # A long text is read in chunks (test_extract_long_cli.py); a schema that leaves no room for any
    # chunk beside it in the context is refused before the model writes anything.
    too_big = json.dumps(
        {"type": "object", "properties": {"a": {"type": "string", "description": "ab " * 9000}}}
    )
    huge = genie("extract", "-m", "tiny", "-s", too_big, "-", stdin=b"lorem ipsum")
    assert huge.returncode == 2, huge.stderr.decode()
    assert b"tokens" in huge.stderr and b"context" in huge.stderr and b"no chunk" in huge.stderr


def test_a_truncated_model_file_is_exit_code_4(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.gguf"
    truncated.write_bytes(tiny_model_path().read_bytes()[:3_000_000])
    result = genie("extract", "-m", str(truncated), "-s", PERSON, "text")
    assert result.returncode == 4
    assert b"truncated" in result.stderr


NESTED = {
    "type": "object",
    "properties": {
        "lines": {
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "object",
                "properties": {
                    "item": {"type": "string"},
                    "size": {"enum": ["small", "medium", "large"]},
                    "note": {"type": "string"},
                },
                "required": ["item", "size"],
            },
        }
    },
    "required": ["lines"],
}


def test_verbose_shows_the_last_raw_answer_of_a_failed_nested_extraction(tmp_path: Path) -> None:
    """Issue 18 item 4: a nested schema failing on tiny left nothing to debug with.  16 tokens cannot
    hold two order lines, so every attempt is cut off: exit 3, and --verbose shows what was written."""
    schema = tmp_path / "order.json"
    schema.write_text(json.dumps(NESTED))
    text = "Two large pepperoni pizzas, one small salad without onions."
    args = ("extract", "-m", "tiny", "-s", str(schema), "--max-tokens", "16", "--max-retries", "1")
    verbose = genie(*args, "--verbose", text)
    stderr = verbose.stderr.decode()
    assert verbose.returncode == 3, stderr
    assert "cut off at 16 tokens" in stderr and verbose.stdout == b""
    assert "2 attempt(s)" in stderr and "output tokens" in stderr
    shown = stderr.split("last answer (", 1)[1].split("\n", 1)
    assert shown[1].startswith('{"lines":[{"item":"')  # the model's own text, unchanged by rich markup
    quiet = genie(*args, text)
    assert quiet.returncode == 3 and "last answer" not in quiet.stderr.decode()
    batch = genie(*args, "--verbose", "--json-lines", "-", stdin=text.encode())
    assert batch.returncode == 3
    assert "line 1: no schema-valid answer" in batch.stderr.decode()
    assert '  last answer: {"lines":[{"item":"' in batch.stderr.decode()  # per failed line, bounded
