"""Grounding: every extracted value gets the span of text it was read from, or None when it was inferred.

Pure code, no model: the spans `ground` finds for hand-written values, tier by tier (exact, loose,
numbers, dates and times, format completions), the rule for repeated values, Unicode offsets, and which
leaves `must_ground` requires.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from localgenie.structured.grounding import choose, ground, must_ground


def quoted(text: str, value: Any, written: dict[str, str] | None = None) -> dict[str, str | None]:
    """The text each leaf's span points at (None when ungrounded): what a reviewer would see."""
    spans = ground(text, value, written)
    return {pointer: None if span is None else text[span[0] : span[1]] for pointer, span in spans.items()}


def test_a_person_grounds_field_by_field_and_the_inferred_country_does_not() -> None:
    text = "My name is John and I am thirty years old. I live in New York, on 5th Avenue, number 10."
    value = {"name": "John", "age": 30, "address": {"city": "New York", "number": 10, "country": "USA"}}
    assert quoted(text, value) == {
        "/name": "John",
        "/age": "thirty",
        "/address/city": "New York",
        "/address/number": "10",
        "/address/country": None,
    }


def test_spans_are_offsets_that_slice_the_text() -> None:
    text = "Order 77 ships to Oslo."
    spans = ground(text, {"order": 77, "city": "Oslo"})
    assert spans == {"/order": (6, 8), "/city": (18, 22)}


def test_loose_match_ignores_case_whitespace_quotes_and_dashes() -> None:
    text = "Guest: ANNA   de\nBoer, staying at l’Hôtel “Bleu”, room 2–4."
    assert quoted(text, {"name": "Anna de Boer", "hotel": 'l\'Hôtel "Bleu"', "rooms": "2-4"}) == {
        "/name": "ANNA   de\nBoer",
        "/hotel": "l’Hôtel “Bleu”",
        "/rooms": "2–4",
    }


def test_an_exact_match_wins_over_a_loose_one() -> None:
    text = "OSLO office, then the Oslo team."
    assert quoted(text, {"city": "Oslo"}) == {"/city": "Oslo"}
    assert ground(text, {"city": "Oslo"})["/city"] == (22, 26)


@pytest.mark.parametrize(
    ("text", "value", "quote"),
    [
        ("Total: $1,200.50 due", 1200.5, "1,200.50"),
        ("Summe 1.299,00 EUR", 1299.0, "1.299,00"),
        ("a coffee for 3.50 today", 3.5, "3.50"),
        ("salary $80k–$95k", 80000, "80k"),
        ("raised 2.5 million dollars", 2_500_000, "2.5 million"),
        ("it was -4 degrees", -4, "-4"),
        ("she is thirty-two", 32, "thirty-two"),
        ("one hundred and five pages", 105, "one hundred and five"),
        ("a dozen eggs", 12, "dozen"),
        ("the twenty-first runner", 21, "twenty-first"),
        ("価格は３０円", 30, "３０"),
    ],
)
def test_numbers_ground_by_value(text: str, value: float, quote: str) -> None:
    assert quoted(text, {"n": value}) == {"/n": quote}


def test_a_number_is_not_found_inside_a_longer_number_or_a_time() -> None:
    assert quoted("Room 1300 at 2:30", {"n": 30}) == {"/n": "30"}  # only as part of 2:30, the last resort
    assert quoted("Room 1300, thirty guests, at 2:30", {"n": 30}) == {"/n": "thirty"}
    assert quoted("Room 1300", {"n": 130}) == {"/n": None}
    assert quoted("version 3.50", {"n": 3.5}) == {"/n": "3.50"}
    assert quoted("version 3.5.0", {"n": 3.5}) == {"/n": None}


@pytest.mark.parametrize(
    "written",
    [
        "2025-03-03",
        "March 3rd, 2025",
        "Mar. 3, 2025",
        "3 March 2025",
        "Monday, 3rd of March 2025",
        "03/03/2025",
        "03.03.2025",
        "2025/03/03",
    ],
)
def test_an_iso_date_grounds_on_the_way_the_text_writes_it(written: str) -> None:
    assert quoted(f"Due on {written}. Thanks", {"due": "2025-03-03"}) == {"/due": written}


def test_numeric_dates_are_read_day_first_and_month_first() -> None:
    text = "Shipped 04/03/2025."
    assert quoted(text, {"d": "2025-04-03"}) == {"/d": "04/03/2025"}
    assert quoted(text, {"d": "2025-03-04"}) == {"/d": "04/03/2025"}
    assert quoted(text, {"d": "2025-05-03"}) == {"/d": None}


def test_a_date_range_grounds_both_ends_on_the_range() -> None:
    text = "Leave: 2–5 March 2025, back on the 6th. Trip: March 9–12, 2025."
    assert quoted(text, {"start": "2025-03-02", "end": "2025-03-05"}) == {
        "/start": "2–5 March 2025",
        "/end": "5 March 2025",  # the end reads as a date of its own: the narrower span
    }
    assert quoted(text, {"start": "2025-03-09", "end": "2025-03-12"}) == {
        "/start": "March 9–12, 2025",
        "/end": "March 9–12, 2025",
    }


@pytest.mark.parametrize(
    ("written", "value"),
    [("14:30", "14:30:00Z"), ("2:30 pm", "14:30:00Z"), ("2 p.m.", "14:00:00Z"), ("9am", "09:00:00Z")],
)
def test_a_time_grounds_by_clock_value(written: str, value: str) -> None:
    assert quoted(f"Call at {written} sharp", {"t": value}) == {"/t": written}


def test_a_date_time_grounds_on_a_date_and_a_time_side_by_side() -> None:
    text = "Meeting on March 3rd, 2025 at 2:30 pm in room 4; 03.03.2025 14:32:10 printed."
    assert quoted(text, {"a": "2025-03-03T14:30:00Z", "b": "2025-03-03T14:32:10Z"}) == {
        "/a": "March 3rd, 2025 at 2:30 pm",
        "/b": "03.03.2025 14:32:10",
    }
    assert quoted(text, {"c": "2025-03-03T09:00:00Z"}) == {"/c": None}  # the date alone is not enough


def test_a_value_code_completed_grounds_on_what_the_model_copied() -> None:
    # `formats.normalise` turned the text's offset-less stamp into ...Z: the written form is in the text.
    text = "Timestamp: 1983-11-12T03:33:35.597324 worker-3 failed"
    value = {"ts": "1983-11-12T03:33:35.597324Z"}
    assert quoted(text, value, {"/ts": "1983-11-12T03:33:35.597324"}) == {"/ts": "1983-11-12T03:33:35.597324"}
    # Without the record, the clock value still finds it (fraction and all).
    assert quoted(text, value) == {"/ts": "1983-11-12T03:33:35.597324"}
    log = "2024-05-01 10:22:03,123 ERROR disk full"
    assert quoted(log, {"ts": "2024-05-01T10:22:03.123Z"}) == {"/ts": "2024-05-01 10:22:03,123"}


def test_inferred_values_booleans_and_nulls_are_not_grounded() -> None:
    text = "Shipped from Boston; gift wrapped."
    spans = ground(text, {"country": "USA", "gift_wrap": True, "note": None, "tags": []})
    assert spans == {"/country": None, "/gift_wrap": None}


def test_a_word_inside_a_longer_word_is_only_a_last_resort() -> None:
    assert quoted("Joanna met Ann.", {"name": "Ann"}) == {"/name": "Ann"}
    assert ground("Joanna met Ann.", {"name": "Ann"})["/name"] == (11, 14)
    assert quoted("Joanna", {"name": "Ann"}) == {"/name": "ann"}  # nothing better: the loose, inner match


def test_repeated_values_take_an_occurrence_each_nearest_their_siblings() -> None:
    text = "Ann lives in Oslo. Bob lives in Oslo too. Ann's office: Bergen."
    value = {"people": [{"name": "Bob", "city": "Oslo"}, {"name": "Ann", "city": "Oslo"}]}
    spans = ground(text, value)
    bob, ann = spans["/people/0/name"], spans["/people/1/name"]
    assert bob == (19, 22) and ann is not None
    # Each item's city is the Oslo written beside its own name, whatever the answer's order.
    assert spans["/people/0/city"] == (32, 36)
    assert spans["/people/1/city"] == (13, 17)


def test_the_same_value_in_two_fields_takes_one_occurrence_each_when_the_text_has_two() -> None:
    text = "Bill to: Oslo. Ship to: Oslo."
    assert ground(text, {"billing": "Oslo", "shipping": "Oslo"}) == {
        "/billing": (9, 13),
        "/shipping": (24, 28),
    }
    once = "Bill and ship to Oslo."
    assert ground(once, {"billing": "Oslo", "shipping": "Oslo"}) == {
        "/billing": (17, 21),
        "/shipping": (17, 21),
    }


def test_with_nothing_placed_nearby_the_reading_order_decides() -> None:
    assert choose(["/a", "/b"], {"/a": [(0, 2), (10, 12)], "/b": [(0, 2), (10, 12)]}) == {
        "/a": (0, 2),
        "/b": (10, 12),
    }
    # A leaf after a placed one takes the first occurrence after it, not the first in the text.
    assert choose(["/x", "/y"], {"/x": [(20, 25)], "/y": [(0, 3), (30, 33)]}) == {
        "/x": (20, 25),
        "/y": (30, 33),
    }


def test_offsets_count_python_characters_through_accents_emoji_and_cjk() -> None:
    text = "🎉🇳🇴 Réservation: José Müller, 東京都渋谷区. Prix: 30 €"
    spans = ground(text, {"name": "José Müller", "ward": "渋谷区", "price": 30})
    assert text[slice(*spans["/name"])] == "José Müller"  # type: ignore[misc]
    assert text[slice(*spans["/ward"])] == "渋谷区"  # type: ignore[misc]
    # The party emoji is one index, the flag two (a pair of regional indicators): "José" starts at 17,
    # not at 4 graphemes + 13 nor at its UTF-8 byte offset.
    assert spans["/name"] == (17, 28)
    assert spans["/price"] == (text.index("30"), text.index("30") + 2)


def test_a_decomposed_accent_is_found_whole_and_never_cut() -> None:
    text = unicodedata.normalize("NFD", "Guest: José, from Málaga")
    assert len(text) == len("Guest: José, from Málaga") + 2
    assert quoted(text, {"name": "José", "city": "Málaga"}) == {
        "/name": "Jose\u0301",
        "/city": "Ma\u0301laga",
    }
    # "Jose" is in the text only as the start of "José": its span takes the accent along, never cuts it.
    assert ground(text, {"name": "Jose"}) == {"/name": (7, 12)}


def test_leaves_use_the_json_pointer_spelling_of_the_scores() -> None:
    spans = ground("a/b: 1, t~: 2, x: 5", {"a/b": 1, "t~": 2, "list": [{"x": 5}]})
    assert list(spans) == ["/a~1b", "/t~0", "/list/0/x"]


def test_an_empty_text_or_value_grounds_nothing() -> None:
    assert ground("", {"name": "Ann"}) == {"/name": None}
    assert ground("Ann", {}) == {}


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "summary": {"type": "string", "x-grounded": False},
        "amount": {"type": "number", "x-grounded": True},
        "address": {
            "type": "object",
            "x-grounded": True,
            "properties": {"city": {"type": "string"}, "zip": {"type": "integer"}},
        },
        "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
        "note": {"anyOf": [{"type": "string", "x-grounded": True}, {"type": "null"}]},
    },
    "$defs": {"tag": {"type": "string"}},
}
VALUE = {
    "name": "Ann",
    "status": "open",
    "summary": "A short note",
    "amount": 3,
    "address": {"city": "Oslo", "zip": 1234},
    "tags": ["x", "y"],
    "note": "hi",
}


def test_must_ground_follows_x_grounded_marks_down_the_schema() -> None:
    assert must_ground(SCHEMA, VALUE) == ["/amount", "/address/city", "/address/zip", "/note"]


def test_all_strings_adds_every_copied_string_but_enums_and_fields_marked_false() -> None:
    assert must_ground(SCHEMA, VALUE, all_strings=True) == [
        "/name",
        "/amount",
        "/address/city",
        "/address/zip",
        "/tags/0",
        "/tags/1",
        "/note",
    ]
    assert must_ground(SCHEMA, {**VALUE, "note": None, "tags": []}) == [
        "/amount",
        "/address/city",
        "/address/zip",
    ]


def test_a_form_pairs_each_value_with_the_lines_of_its_own_item() -> None:
    text = "Name: Bob\nCity: Oslo\nName: Ann\nCity: Oslo\n"
    spans = ground(text, {"people": [{"name": "Ann", "city": "Oslo"}, {"name": "Bob", "city": "Oslo"}]})
    assert spans["/people/0/city"] == (37, 41)  # the Oslo under Ann's line, not the one above it
    assert spans["/people/1/city"] == (16, 20)


def test_the_end_of_a_time_range_grounds_with_the_date_before_the_range() -> None:
    text = "QP2798  LHR → CPH  Thu 12 Jun 2025 13:09 – 15:04  Premium Economy"
    assert quoted(text, {"departure": "2025-06-12T13:09:00Z", "arrival": "2025-06-12T15:04:00Z"}) == {
        "/departure": "Thu 12 Jun 2025 13:09",
        "/arrival": "Thu 12 Jun 2025 13:09 – 15:04",
    }
