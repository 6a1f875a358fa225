"""String formats: the value a text holds fits, nearly fits, or does not fit — never a loop, never invalid.

For each format the grammar enforces: what the relaxed generation pattern admits, what code completes,
and what the validator still refuses.  The end-to-end tests run the real tiny model on the trap the
issue found (a log timestamp without a UTC offset).
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

import localgenie
from localgenie import SchemaViolation
from localgenie.structured import json_constraint, schema_errors
from localgenie.structured.formats import (
    ENFORCED_FORMATS,
    LENGTH_BOUNDS,
    RELAXED_PATTERNS,
    normalise,
    relax_formats,
)
from localgenie.structured.grammar import generation_schema


def field(fmt: str) -> dict[str, Any]:
    return {"type": "object", "properties": {"v": {"type": "string", "format": fmt}}, "required": ["v"]}


# format -> (fits as written, nearly fits: what code makes of it, does not fit at all)
CASES: dict[str, tuple[str, tuple[str, str] | None, str]] = {
    "date-time": (
        "1983-11-12T03:33:35.597324+01:00",
        ("1983-11-12T03:33:35.597324", "1983-11-12T03:33:35.597324Z"),
        "12 Nov 1983, 3:33am",
    ),
    "time": ("14:30:00Z", ("14:30", "14:30:00Z"), "half past two"),
    "date": ("2025-03-03", None, "March 3rd, 2025"),
    "email": ("ana@example.org", None, "ana at example dot org"),
    "hostname": ("db-1.internal.example", None, "db 1 internal"),
    "ipv4": ("10.0.3.17", None, "10.0.3"),
    "ipv6": ("fe80::1", None, "fe80:::1:::"),
    "uuid": ("123e4567-e89b-12d3-a456-426614174000", None, "123e4567"),
    "duration": ("PT1H30M", None, "an hour and a half"),
}


def test_every_format_the_grammar_enforces_has_a_case() -> None:
    assert set(CASES) == set(ENFORCED_FORMATS) - {"idn-email", "idn-hostname"}


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_a_value_that_fits_passes_unchanged(fmt: str) -> None:
    fits = CASES[fmt][0]
    value, changes = normalise(field(fmt), {"v": fits})
    assert value == {"v": fits} and changes == []
    assert schema_errors(field(fmt), value) == []
    pattern = generation_schema(field(fmt))["properties"]["v"].get("pattern")
    if pattern:
        assert re.fullmatch(pattern, fits)


@pytest.mark.parametrize("fmt", [f for f, case in CASES.items() if case[1] is not None])
def test_a_near_miss_is_admitted_while_generating_and_completed_by_code(fmt: str) -> None:
    written, completed = CASES[fmt][1]  # type: ignore[misc]
    assert re.fullmatch(RELAXED_PATTERNS[fmt], written)  # the model can end the value where the text does
    assert schema_errors(field(fmt), {"v": written})  # ... which the format alone refuses
    value, changes = normalise(field(fmt), {"v": written})
    assert value == {"v": completed}
    assert schema_errors(field(fmt), value) == []
    assert [(c.pointer, c.written, c.value) for c in changes] == [("/v", written, completed)]


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_a_value_that_does_not_fit_is_refused_by_the_validator(fmt: str) -> None:
    wrong = CASES[fmt][2]
    pattern = RELAXED_PATTERNS.get(fmt)
    if pattern:
        assert not re.fullmatch(pattern, wrong)  # the grammar never writes it
    value, _ = normalise(field(fmt), {"v": wrong})
    assert schema_errors(field(fmt), value)  # and if a server did, validation refuses it


def test_every_relaxed_part_is_bounded() -> None:
    """No format leaves the model an unbounded run of characters it must fill before it may stop."""
    for pattern in RELAXED_PATTERNS.values():
        assert "+" not in pattern.replace("[+-]", "") and "*" not in pattern
    for fmt, bound in LENGTH_BOUNDS.items():
        relaxed = generation_schema(field(fmt))["properties"]["v"]
        assert relaxed["maxLength"] == bound
    plain_uri = generation_schema(field("uri"))["properties"]["v"]
    assert plain_uri["maxLength"] > 0


def test_near_misses_are_completed_inside_arrays_refs_and_branches() -> None:
    schema = {
        "$defs": {"stamp": {"type": "string", "format": "date-time"}},
        "type": "object",
        "properties": {
            "events": {
                "type": "array",
                "items": {"type": "object", "properties": {"at": {"$ref": "#/$defs/stamp"}}},
            },
            "maybe": {"anyOf": [{"type": "null"}, {"type": "string", "format": "time"}]},
        },
    }
    value, changes = normalise(schema, {"events": [{"at": "2024-05-01 10:22:03"}], "maybe": "09:05"})
    assert value == {"events": [{"at": "2024-05-01T10:22:03Z"}], "maybe": "09:05:00Z"}
    assert [c.pointer for c in changes] == ["/events/0/at", "/maybe"]
    assert schema_errors(schema, value) == []


def test_the_constraint_sent_to_servers_is_the_relaxed_schema_and_the_original_is_untouched() -> None:
    schema = field("date-time")
    constraint = json_constraint(schema)
    assert "format" not in constraint.json_schema["properties"]["v"]
    assert constraint.json_schema["additionalProperties"] is False
    assert schema["properties"]["v"]["format"] == "date-time"
    relaxed = {"format": "date-time", "type": "string", "pattern": "^2024"}
    relax_formats(relaxed)
    assert relaxed == {"type": "string", "pattern": "^2024"}  # a pattern of the schema's own still binds


LOG_SCHEMA = {
    "type": "object",
    "properties": {
        "timestamp": {"type": "string", "format": "date-time"},
        "level": {"enum": ["DEBUG", "INFO", "WARNING", "ERROR"]},
        "message": {"type": "string"},
    },
    "required": ["timestamp", "level", "message"],
}


def test_a_timestamp_without_offset_is_extracted_at_once_not_looped(tiny: Any) -> None:
    """The issue's trap: before, three attempts ran into 'stuck repeating itself' (90 s on default)."""
    text = "Timestamp: 1983-11-12T03:33:35.597324\nLevel: ERROR\nMessage: disk /dev/sda1 is full"
    started = time.perf_counter()
    result = localgenie.extract_details(text, LOG_SCHEMA, backend=tiny)
    assert time.perf_counter() - started < 30
    assert result.attempts == 1
    assert result.value["timestamp"].startswith("1983-11-12T03:33:35")
    assert schema_errors(LOG_SCHEMA, result.value) == []
    if result.value["timestamp"] == "1983-11-12T03:33:35.597324Z":
        assert [c.pointer for c in result.normalised] == ["/timestamp"]


def test_a_required_value_the_text_lacks_is_an_error_or_valid_never_invalid(tiny: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"email": {"type": "string", "format": "email"}},
        "required": ["email"],
    }
    try:
        result = localgenie.extract_details(
            "Call Ana on extension 4411.", schema, backend=tiny, max_retries=1
        )
    except SchemaViolation as error:
        assert error.errors
    else:
        assert schema_errors(schema, result.value) == []


def test_the_constraint_keeps_the_schema_property_order() -> None:
    """The grammar writes keys in the order the schema lists them: the title before the steps."""
    schema = {
        "type": "object",
        "properties": {"title": {"type": "string"}, "steps": {"type": "string"}, "a": {}},
    }
    assert list(json_constraint(schema).json_schema["properties"]) == ["title", "steps", "a"]
