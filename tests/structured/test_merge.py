"""Merging chunk answers: which items are one, which value wins, what is a conflict."""

from __future__ import annotations

from typing import Any

from localgenie.structured.confidence import Confidence
from localgenie.structured.merge import Leaf, annotate, merge_answers, same_item

ITEM = {"type": "object", "properties": {"name": {}, "age": {}, "note": {}}, "required": ["name", "age"]}
LIST = {"type": "object", "properties": {"items": {"type": "array", "items": ITEM}}}


def tree(data: Any, spans: dict[str, tuple[int, int] | None], shift: int = 0) -> Any:
    return annotate(data, spans, {}, shift)


def test_items_are_the_same_by_equal_key_fields_or_the_first_key_field_at_the_same_place() -> None:
    a = {"name": Leaf("Ann  Lee", (5, 12)), "age": Leaf(30, (20, 22))}
    assert same_item(a, {"name": Leaf("ann lee", None), "age": Leaf(30.0, None)}, ITEM)
    assert same_item(a, {"name": Leaf("Ann Lee", (5, 12)), "age": Leaf(31, (40, 42))}, ITEM)
    assert not same_item(a, {"name": Leaf("Ann Lee", (90, 97)), "age": Leaf(31, (40, 42))}, ITEM)
    assert not same_item(a, {"name": Leaf("Bo", None), "age": Leaf(30, None)}, ITEM)
    # Without required fields: every string or number field both have.
    loose = {"type": "object"}
    assert same_item({"x": Leaf("a"), "y": Leaf(1)}, {"x": Leaf("A"), "y": Leaf(1), "z": Leaf(2)}, loose)
    assert not same_item({"x": Leaf(True)}, {"x": Leaf(True)}, loose)  # booleans are no key
    # Scalar items: equal values, or the same span.
    assert same_item(Leaf("Oslo", (1, 5)), Leaf("oslo", None), {})
    assert same_item(Leaf("Oslo", (1, 5)), Leaf("Oslo, NO", (1, 5)), {})


def test_lists_are_unioned_in_text_order_and_a_chunks_own_duplicates_stay() -> None:
    first = tree(
        {"items": [{"name": "Ann", "age": 30}, {"name": "Ann", "age": 30}]},
        {"/items/0/name": (0, 3), "/items/1/name": (50, 53)},
    )
    second = tree(
        {"items": [{"name": "Ann", "age": 30, "note": "tall"}, {"name": "Cy", "age": 9}]},
        {"/items/0/name": (0, 3), "/items/1/name": (30, 32)},
        shift=0,
    )
    merged = merge_answers(LIST, [first, second])
    assert merged.data == {
        "items": [
            {"name": "Ann", "age": 30, "note": "tall"},  # filled from its duplicate
            {"name": "Cy", "age": 9},  # at 30: before the second Ann (at 50)
            {"name": "Ann", "age": 30},  # the first chunk listed Ann twice: kept twice
        ]
    }
    assert merged.spans["/items/1/name"] == (30, 32) and merged.spans["/items/2/name"] == (50, 53)
    assert merged.conflicts == []


def test_a_grounded_value_wins_over_a_guess_and_two_grounded_values_conflict() -> None:
    schema = {"type": "object", "properties": {"city": {}, "zip": {}, "vip": {}}}
    sure = Confidence(0.9, 0.95, 2)
    one = annotate({"city": "Paris", "zip": "7501", "vip": True}, {"/zip": (3, 7)}, {"/city": sure})
    two = annotate({"city": "Lyon", "zip": "7502", "vip": False}, {"/city": (10, 14), "/zip": (20, 24)}, {})
    three = annotate({"city": "Nice", "zip": None}, {"/city": (100, 104)}, {}, 0)
    merged = merge_answers(schema, [one, two, three])
    assert merged.data == {"city": "Lyon", "zip": "7501", "vip": True}  # the first grounded, the first guess
    assert merged.spans == {"/city": (10, 14), "/zip": (3, 7), "/vip": None}
    assert merged.confidence == {}  # Paris's confidence went with Paris
    described = [(c.pointer, c.kept, c.other, c.other_span) for c in merged.conflicts]
    assert described == [("/city", "Lyon", "Nice", (100, 104)), ("/zip", "7501", "7502", (20, 24))]


def test_spans_are_shifted_to_whole_text_offsets_and_nulls_give_way() -> None:
    schema = {"type": "object", "properties": {"a": {}, "b": {}}}
    one = annotate({"a": None, "b": {"c": "x"}}, {"/b/c": (0, 1)}, {}, 1000)
    two = annotate({"a": "y", "b": None}, {"/a": (5, 6)}, {}, 2000)
    merged = merge_answers(schema, [one, two])
    assert merged.data == {"a": "y", "b": {"c": "x"}}
    assert merged.spans == {"/a": (2005, 2006), "/b/c": (1000, 1001)}
