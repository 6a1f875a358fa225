"""Spans and confidence on the real tiny model: what `extract_details` returns beside the value."""

from __future__ import annotations

from typing import Any

import pytest

import localgenie
from localgenie import SchemaViolation
from localgenie.structured.pointers import leaves

from ..conftest import SEED_TEXT


def test_every_leaf_of_the_seed_example_has_a_span_or_none_and_a_confidence(
    tiny: Any, person_schema: dict[str, Any]
) -> None:
    result = localgenie.extract_details(SEED_TEXT, person_schema, backend=tiny)
    found = leaves(result.value)
    assert list(result.spans) == list(found) == list(result.leaves) == list(result.confidence)
    assert (
        result.spans["/name"] is not None and SEED_TEXT[slice(*result.spans["/name"])] == result.value["name"]
    )
    for pointer, value in found.items():
        span = result.spans[pointer]
        if isinstance(value, str) and value in SEED_TEXT:
            assert span is not None and SEED_TEXT[span[0] : span[1]] == value, pointer
        if span is None:
            assert not (isinstance(value, str) and value.lower() in SEED_TEXT.lower()), pointer
    for pointer, confidence in result.confidence.items():
        assert 0.0 < confidence.min <= confidence.mean <= 1.0, pointer
    # The model chose some of these tokens (the embedded backend reports every log-probability).
    assert any(c.tokens > 0 and c.min < 1.0 for c in result.confidence.values())
    assert any(t.kind == "drafted" for t in result.tokens)  # drafted tokens were among those counted


def test_many_items_get_spans_and_confidence_per_item(tiny: Any) -> None:
    text = "Alice is 31 and lives in Paris. Bob, 45, lives in Rome."
    result = localgenie.extract_details(text, "name, city", backend=tiny, multi=True, max_retries=0)
    assert set(result.confidence) == set(result.spans) == set(leaves(result.value))
    names = {pointer: span for pointer, span in result.spans.items() if pointer.endswith("/name")}
    assert [text[s[0] : s[1]] for s in names.values() if s is not None][:2] == ["Alice", "Bob"]
    assert all(pointer.startswith("/items/") for pointer in result.spans)


def test_a_field_marked_x_grounded_that_the_text_cannot_hold_ends_in_a_violation_naming_it(tiny: Any) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "planet": {"type": "string", "enum": ["Mars", "Venus"], "x-grounded": True},
        },
        "required": ["name", "planet"],
    }
    with pytest.raises(SchemaViolation) as caught:
        localgenie.extract_details(SEED_TEXT, schema, backend=tiny, max_retries=1)
    assert caught.value.attempts == 2
    assert [path for path, _ in caught.value.errors] == ["$.planet"]
    assert "not in the text" in str(caught.value)
