"""The partial-object scanner over hand-written compact JSON, fed as a model streams it.

No model here: each answer is fed in every possible split (one character at a time, and in chunks of
several sizes), since a token may end anywhere: inside an escape, between a key and its colon, inside
``null``.  The snapshots must always be a prefix of the final value, never show half a value, and end
with exactly what ``json.loads`` reads.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from localgenie.structured.partial import (
    Closed,
    JsonScanner,
    Opened,
    Partial,
    PartialBuilder,
    json_path,
    pointer,
)

ANY: dict[str, Any] = {}

NESTED = {
    "name": "Ada",
    "age": 36,
    "address": {"city": "London", "street": {"name": "St James's Square", "number": 12}},
    "tags": [],
    "ok": True,
    "none": None,
}
ARRAY_OF_OBJECTS = {
    "items": [
        {"sku": "A-1", "qty": 2, "price": 3.5},
        {"sku": "B-2", "qty": 1, "price": -0.25e1},
        {"sku": "C-3", "qty": 10, "price": 1e-3},
    ],
    "total": 10.5,
}
TRICKY_STRINGS = {
    "quote": 'she said "hi" and left',
    "brackets": "a } and a ] and a { and a [ inside",
    "escapes": "back\\slash, tab\t, newline\n, slash / and unicode é \u263a 𝄞",
    'key with "quotes" and : colon': "ok",
    "ends with backslash": "C:\\",
    "list": ["[", "]", "{}", '"', "\\"],
}


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def splits(text: str) -> list[list[str]]:
    """The text cut into chunks in several ways: 1 character at a time, then 2, 3, 5 and 7."""
    return [[text[i : i + size] for i in range(0, len(text), size)] for size in (1, 2, 3, 5, 7)]


def snapshots(schema: dict[str, Any], chunks: list[str]) -> list[Partial]:
    builder = PartialBuilder(schema)
    found = [p for p in (builder.feed(chunk) for chunk in chunks) if p is not None]
    last = builder.finish()
    return [*found, last] if last is not None else found


def is_prefix(partial: Any, final: Any) -> bool:
    """``partial`` holds only values that ``final`` has at the same place, containers possibly shorter."""
    if isinstance(partial, dict):
        return (
            isinstance(final, dict)
            and all(k in final and is_prefix(v, final[k]) for k, v in partial.items())
            and list(partial) == list(final)[: len(partial)]
        )
    if isinstance(partial, list):
        return (
            isinstance(final, list)
            and len(partial) <= len(final)
            and all(is_prefix(a, b) for a, b in zip(partial, final, strict=False))
        )
    return bool(partial == final and type(partial) is type(final))


@pytest.mark.parametrize(
    "answer", [NESTED, ARRAY_OF_OBJECTS, TRICKY_STRINGS], ids=["nested", "array", "strings"]
)
def test_every_split_ends_with_the_parsed_answer_and_each_snapshot_is_a_prefix(answer: Any) -> None:
    text = compact(answer)
    for chunks in splits(text):
        seen = snapshots(ANY, chunks)
        assert seen[-1].value == json.loads(text)
        assert seen[-1].partial_path is None and seen[-1].is_complete(())
        for snap in seen:
            assert is_prefix(snap.value, answer), (chunks[:3], snap)


def test_a_field_is_complete_only_once_its_value_has_ended() -> None:
    """Fed one character at a time: "Ada" appears only when its closing quote is written, 36 only when the
    comma after it is (``3`` might have become ``36``), and the path names the field being written."""
    text = compact(NESTED)
    builder = PartialBuilder(ANY)
    by_prefix: dict[str, Partial] = {}
    for end in range(1, len(text) + 1):
        snap = builder.feed(text[end - 1])
        if snap is not None:
            by_prefix[text[:end]] = snap
    assert by_prefix['{"name"'].partial_path == ("name",)
    assert by_prefix['{"name"'].value == {}
    assert '{"name":"Ad' not in by_prefix  # no half-written name is ever shown
    assert by_prefix['{"name":"Ada"'].value == {"name": "Ada"}
    assert by_prefix['{"name":"Ada"'].complete_paths == (("name",),)
    assert by_prefix['{"name":"Ada"'].partial_path == ()
    assert by_prefix['{"name":"Ada","age"'].partial_path == ("age",)
    assert '{"name":"Ada","age":3' not in by_prefix  # "3" may become "36": not shown
    assert '{"name":"Ada","age":36' not in by_prefix
    assert by_prefix['{"name":"Ada","age":36,'].value == {"name": "Ada", "age": 36}
    city = '{"name":"Ada","age":36,"address":{"city":"London"'
    assert by_prefix[city].value == {"name": "Ada", "age": 36, "address": {"city": "London"}}
    assert by_prefix[city].partial_path == ("address",)
    assert ("address",) not in by_prefix[city].complete_paths  # open until its } is written
    street = city + ',"street":{"name":"St James\'s Square","number":12}'
    assert by_prefix[street].is_complete(("address", "street"))
    assert not by_prefix[street].is_complete(("address",))


def test_an_array_of_objects_grows_item_by_item() -> None:
    text = compact(ARRAY_OF_OBJECTS)
    builder = PartialBuilder(ANY)
    items_seen = []
    for char in text:
        snap = builder.feed(char)
        if snap is not None and ("items",) in [p[:1] for p in snap.complete_paths]:
            done = [p for p in snap.complete_paths if len(p) == 2 and p[0] == "items"]
            items_seen.append(len(done))
    assert items_seen[0] == 0 and max(items_seen) == 3
    assert items_seen == sorted(items_seen)  # never shrinks
    inside = text.index('"qty":1') + len('"qty":')  # within the second item
    snap = snapshots(ANY, [text[:inside]])[-1]
    assert snap.value == {"items": [ARRAY_OF_OBJECTS["items"][0], {"sku": "B-2"}]}
    assert snap.partial_path == ("items", 1, "qty")
    assert snap.is_complete(("items", 0)) and snap.is_complete(("items", 1, "sku"))
    assert not snap.is_complete(("items", 1))


def test_quotes_and_brackets_inside_strings_close_nothing() -> None:
    text = compact(TRICKY_STRINGS)
    cut = text.index("a } and") + len("a } and a ]")  # inside the "brackets" string
    snap = snapshots(ANY, [text[:cut]])[-1]
    assert snap.value == {"quote": TRICKY_STRINGS["quote"]}
    assert snap.partial_path == ("brackets",)
    for chunks in splits(text):
        final = snapshots(ANY, chunks)[-1]
        assert final.value == TRICKY_STRINGS
        assert final.is_complete(('key with "quotes" and : colon',))
        assert final.is_complete(("list", 4)) and final.value["list"][4] == "\\"


def test_scanner_events_name_paths_in_order() -> None:
    scanner = JsonScanner()
    events = scanner.feed('{"a":[1,{"b":"x"}],"c":null}')
    assert events == [
        Opened(()),
        Opened(("a",)),
        Opened(("a", 0)),
        Closed(("a", 0), 1),
        Opened(("a", 1)),
        Opened(("a", 1, "b")),
        Closed(("a", 1, "b"), "x"),
        Closed(("a", 1), {"b": "x"}),
        Closed(("a",), [1, {"b": "x"}]),
        Opened(("c",)),
        Closed(("c",), None),
        Closed((), {"a": [1, {"b": "x"}], "c": None}),
    ]
    assert scanner.done and not scanner.broken


def test_a_top_level_scalar_completes_at_the_end_of_the_text() -> None:
    builder = PartialBuilder({"type": "integer"})
    assert builder.feed("4") is not None  # opened
    assert builder.feed("2") is None
    final = builder.finish()
    assert final is not None and final.value == 42 and final.complete_paths == ((),)
    assert snapshots(ANY, ['"a', 'b"'])[-1].value == "ab"


def test_whitespace_between_tokens_is_skipped_and_non_json_stops_the_snapshots() -> None:
    """A server's JSON mode may indent; a model off the grammar may write prose."""
    pretty = json.dumps(NESTED, indent=2)
    assert snapshots(ANY, splits(pretty)[0])[-1].value == NESTED
    builder = PartialBuilder(ANY)
    builder.feed('{"a":1,')
    assert builder.feed("oops") is None and builder.scanner.broken
    assert builder.feed('"b":2}') is None  # ignored once broken


def test_optional_fields_written_as_null_never_show_as_values() -> None:
    """The grammar makes the model write ``"phone":null`` for an optional phone; code drops it, so the
    stream must not show ``phone: null`` at any point, nor list it as complete."""
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "phone": {"type": "string"},
            "email": {"type": "string"},
            "pets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"kind": {"type": "string"}, "age": {"type": "integer"}},
                    "required": ["kind"],
                },
            },
            "note": {"type": ["string", "null"]},
        },
        "required": ["name", "note"],
    }
    text = '{"name":"Ann","phone":null,"email":"","pets":[{"kind":"cat","age":null}],"note":null}'
    for chunks in splits(text):
        seen = snapshots(schema, chunks)
        for snap in seen:
            assert "phone" not in snap.value and "email" not in snap.value
            assert ("phone",) not in snap.complete_paths and ("pets", 0, "age") not in snap.complete_paths
            for pet in snap.value.get("pets", []):
                assert "age" not in pet
        assert seen[-1].value == {"name": "Ann", "pets": [{"kind": "cat"}], "note": None}
        assert seen[-1].is_complete(("note",))  # required and nullable: null is the answer


def test_near_miss_date_times_show_as_completed() -> None:
    schema = {"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}}
    final = snapshots(schema, ['{"at":"1983-11-12 03:33:35"}'])[-1]
    assert final.value == {"at": "1983-11-12T03:33:35Z"}


def test_the_same_item_three_times_in_a_list_is_a_loop() -> None:
    """Opt-in: feta cheese in another amount is still feta cheese (what tiny wrote: the same name with
    unit "bag", then "bunch", then "cup")."""
    items = [
        {"name": "feta cheese", "quantity": 1, "unit": "bag"},
        {"name": "spinach", "quantity": 1, "unit": "bag"},
        {"name": "Feta  cheese", "quantity": 2, "unit": "bunch"},
        {"name": "feta cheese", "quantity": 3, "unit": "cup"},
        {"name": "feta cheese", "quantity": 4, "unit": "gram"},
    ]
    text = compact({"title": "Feta", "ingredients": items})
    watching = PartialBuilder(ANY, stop_loops=True)
    stopped_at = None
    for end, char in enumerate(text, start=1):
        watching.feed(char)
        if watching.loop is not None:
            stopped_at = end
            break
    assert watching.loop is not None and watching.loop.path == ("ingredients",)
    assert text[:stopped_at].endswith('"unit":"cup"}')  # at the third feta, not the fourth
    path, message = watching.loop.error()
    assert path == "$.ingredients" and "'feta cheese' 3 times" in message and "repeating itself" in message
    relaxed = PartialBuilder(ANY)
    relaxed.feed(text)
    assert relaxed.loop is None  # off by default: a text may list the same thing thrice


def test_two_of_the_same_item_is_not_a_loop() -> None:
    builder = PartialBuilder(ANY, stop_loops=True)
    builder.feed(compact({"steps": ["Stir well.", "Wait.", "Stir well.", "Serve."]}))
    assert builder.loop is None
    similar = PartialBuilder(ANY, stop_loops=True)
    similar.feed(compact({"ingredients": [{"name": "egg"}, {"name": "eggplant"}, {"name": "egg white"}]}))
    assert similar.loop is None  # the whole first text counts, not a common start


def test_paths_print_as_json_pointers_and_json_paths() -> None:
    assert pointer(()) == "" and pointer(("a/b", 0, "c~d")) == "/a~1b/0/c~0d"
    assert json_path(("ingredients", 2, "name")) == "$.ingredients[2].name"
    snap = snapshots(ANY, ['{"a":[1,', "2"])[-1]
    assert snap.as_json() == {"attempt": 1, "value": {"a": [1]}, "complete": ["/a/0"], "partial": "/a/1"}
