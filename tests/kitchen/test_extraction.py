"""Plain-words pantry add: the `PantryExtraction` an LLM would return (built by hand) -> pantry items."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

import pytest

from localgenie.errors import BadInput, SchemaViolation
from localgenie.kitchen import pantry, units
from localgenie.kitchen.expiry import LOCATIONS
from localgenie.kitchen.extraction import (
    MAX_ITEMS,
    UNIT_WORDS,
    PantryExtraction,
    PantryItemDraft,
    PantryNotUnderstood,
    drafts_to_items,
    extract_pantry_items,
    held_to_text,
)
from localgenie.structured import Extractor, schema_errors
from localgenie.structured.grammar import json_constraint
from localgenie.structured.schema import load_schema
from tests.structured.scripted import answering

TODAY = date(2026, 3, 10)

# What a good extraction of the issue's example looks like:
# "a dozen eggs, half a bag of spinach, feta I opened yesterday, 2 chicken breasts in the freezer"
ISSUE_EXAMPLE = PantryExtraction(
    items=[
        PantryItemDraft(name="eggs", quantity=12),
        PantryItemDraft(name="spinach", quantity=0.5, unit="bag"),
        PantryItemDraft(name="feta", opened=True, opened_days_ago=1),
        PantryItemDraft(name="chicken breasts", quantity=2, location="freezer"),
    ]
)


def test_issue_example_becomes_four_pantry_items(conn: sqlite3.Connection) -> None:
    stored = pantry.add_items(conn, drafts_to_items(ISSUE_EXAMPLE, TODAY), today=TODAY)
    by_name = {i.canonical: i for i in stored}
    assert (by_name["egg"].quantity, by_name["egg"].unit) == (12, "piece")
    assert (by_name["spinach"].quantity, by_name["spinach"].unit) == (0.5, "bag")
    feta = by_name["feta"]
    assert feta.opened and feta.expires == TODAY - timedelta(days=1) + timedelta(days=7)
    assert by_name["chicken breast"].location == "freezer"


def test_dozen_as_a_unit_and_stated_expiry() -> None:
    items = drafts_to_items(
        PantryExtraction(
            items=[PantryItemDraft(name="eggs", quantity=1, unit="dozen", expires="2026-04-01")]
        ),
        TODAY,
    )
    assert (items[0].quantity, items[0].unit, items[0].expires) == (12, None, date(2026, 4, 1))


def test_the_word_none_as_a_unit_means_a_count() -> None:
    """Seen on the default model: "an onion" came back with unit "none", which stopped the whole add."""
    drafts = [
        PantryItemDraft(name="onion", quantity=1, unit="none"),
        PantryItemDraft(name="leek", unit="N/A"),
    ]
    items = drafts_to_items(PantryExtraction(items=drafts), TODAY)
    assert [(i.name, i.quantity, i.unit) for i in items] == [("onion", 1, None), ("leek", 1, None)]


def test_extraction_function_is_called_with_the_schema() -> None:
    calls: list[Any] = []

    @answering
    def fake_extract(
        text: str, schema: type[PantryExtraction], *, model: str | None = None
    ) -> PantryExtraction:
        calls.append((text, schema, model))
        return ISSUE_EXAMPLE

    items = extract_pantry_items("a dozen eggs ...", fake_extract, today=TODAY)
    assert calls == [("a dozen eggs ...", PantryExtraction, None)] and len(items) == 4


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (PantryItemDraft(name="milk", expires="next tuesday"), "not a date"),
        (PantryItemDraft(name="milk", opened_days_ago=-3), "future"),
    ],
)
def test_unusable_values_are_clear_errors(draft: PantryItemDraft, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        drafts_to_items(PantryExtraction(items=[draft]), TODAY)


def test_nothing_found_and_bad_values_from_the_model_stop_before_the_pantry(conn: sqlite3.Connection) -> None:
    with pytest.raises(BadInput, match="no food items"):
        drafts_to_items(PantryExtraction(items=[]), TODAY)
    items = drafts_to_items(
        PantryExtraction(items=[PantryItemDraft(name="rice", quantity=-1, unit="kg")]), TODAY
    )
    with pytest.raises(BadInput, match="positive"):
        pantry.add_items(conn, items, today=TODAY)
    assert pantry.list_items(conn) == []


# --- issue 18 item 2: "a dozen eggs, half a bag of spinach, feta I opened yesterday" on tiny gave exit 2
# "unknown unit 'fridge'" (the web: "unknown unit 'chicken'"): the model's slip reported as bad input.

ISSUE_TEXT = "a dozen eggs, half a bag of spinach, feta I opened yesterday"


def _answer(**item: Any) -> dict[str, Any]:
    return {"items": [{"name": "eggs", **item}]}


def _enums(node: Any) -> list[Any]:
    """Every ``enum`` list in ``node``, however deep in ``anyOf`` branches."""
    if isinstance(node, dict):
        own = [node["enum"]] if "enum" in node else []
        return own + [e for branch in node.get("anyOf", []) for e in _enums(branch)]
    return []


def test_units_and_places_are_closed_lists_in_the_schema_the_model_answers_under() -> None:
    schema = load_schema(PantryExtraction)
    generating = json_constraint(schema).json_schema  # what the grammar is compiled from
    item = generating["$defs"]["PantryItemDraft"]["properties"]
    assert _enums(item["unit"]) == [list(UNIT_WORDS)]  # beside null (and "null": optional.py)
    assert _enums(item["location"]) == [list(LOCATIONS)]
    for word in ("fridge", "chicken", "dozens", "bags of"):
        assert schema_errors(schema, _answer(unit=word)), word
    assert schema_errors(schema, _answer(location="garage"))
    assert schema_errors(schema, _answer(unit="bag", location="freezer")) == []
    # Every word the model may write is one the pantry takes.
    assert all(units.normalize_unit(word) for word in UNIT_WORDS)
    assert {"bag", "g", "gram", "lb", "cup", "can", "bunch", "fluid ounce"} <= set(UNIT_WORDS)


def test_the_answer_is_bounded_by_the_schema() -> None:
    schema = load_schema(PantryExtraction)
    assert schema_errors(schema, {"items": [{"name": "egg"}] * (MAX_ITEMS + 1)})
    for bad in (
        {"name": "x" * 61},
        {"name": ""},
        {"name": "eggs", "quantity": 0},
        {"name": "eggs", "quantity": 1e9},
    ):
        assert schema_errors(schema, {"items": [bad]}), bad
    assert schema_errors(schema, _answer(opened_days_ago=-1))
    assert schema_errors(schema, _answer(expires="next tuesday"))


def _answering(answer: PantryExtraction) -> Extractor:
    return answering(lambda text, schema, model=None: answer)


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        (PantryExtraction(items=[]), "no food items"),
        (
            PantryExtraction(
                items=[PantryItemDraft(name="eggs"), PantryItemDraft(name="feta", expires="1980-01-01")]
            ),
            "item 2 ('feta')",
        ),
        (PantryExtraction(items=[PantryItemDraft(name="  ")]), "item 1"),
    ],
)
def test_a_slip_the_schema_cannot_stop_is_the_models_exit_3_naming_the_item(
    answer: PantryExtraction, named: str
) -> None:
    text = "a dozen eggs, feta that expires 1980-01-01"
    with pytest.raises(PantryNotUnderstood) as caught:
        extract_pantry_items(text, _answering(answer), today=TODAY)
    error = caught.value
    assert isinstance(error, SchemaViolation) and not isinstance(error, BadInput)
    assert error.exit_code == 3 and named in str(error) and "model" in str(error)
    assert error.raw.startswith('{"items":[')  # the answer as understood, for debugging


def test_the_users_own_empty_text_is_still_bad_input() -> None:
    with pytest.raises(BadInput, match="the text is empty"):
        extract_pantry_items("  ", _answering(ISSUE_EXAMPLE), today=TODAY)


def test_what_the_text_does_not_say_is_taken_out_of_the_answer() -> None:
    """tiny's answer to the issue's text: "a dozen eggs" as 12 bags, opened, expiring 2022-01-01."""
    answer = PantryExtraction(
        items=[
            PantryItemDraft(name="a dozen eggs", quantity=12, unit="bag", opened=True, expires="2022-01-01"),
            PantryItemDraft(name="spinach", quantity=0.5, unit="bag", opened=True),
            PantryItemDraft(name="feta", unit="g", opened=True, opened_days_ago=1),
        ]
    )
    held = held_to_text(answer, ISSUE_TEXT).items
    assert [(d.unit, d.opened, d.opened_days_ago, d.expires) for d in held] == [
        (None, False, None, None),
        ("bag", False, None, None),
        (None, True, 1, None),
    ]
    stated = held_to_text(
        PantryExtraction(items=[PantryItemDraft(name="milk", unit="l", expires="2026-03-14")]),
        "2 l milk, best before 2026-03-14",
    )
    assert (stated.items[0].unit, stated.items[0].expires) == ("l", "2026-03-14")
    items = extract_pantry_items(ISSUE_TEXT, _answering(answer), today=TODAY)
    assert items[0].expires is None and not items[0].opened  # FoodKeeper estimates it instead
