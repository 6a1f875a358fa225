"""Plain-words pantry add: the `PantryExtraction` an LLM would return (built by hand) -> pantry items."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

import pytest

from localgenie.errors import BadInput
from localgenie.kitchen import pantry
from localgenie.kitchen.extraction import (
    PantryExtraction,
    PantryItemDraft,
    drafts_to_items,
    extract_pantry_items,
)
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
