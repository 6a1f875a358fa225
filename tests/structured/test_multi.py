"""Many items from one text: one item's schema in, ``{"items": [...]}`` out, every item valid."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

import localgenie
from localgenie import SchemaError
from localgenie.structured import schema_errors
from localgenie.structured.multi import ItemLoopGuard, ItemScanner, items_model, items_schema

from .scripted import ScriptedBackend


class Address(BaseModel):
    city: str


class Person(BaseModel):
    name: str
    age: int
    address: Address


def test_the_item_schema_is_wrapped_and_its_defs_still_resolve() -> None:
    wrapped = items_schema(localgenie.load_schema(Person))
    assert wrapped["required"] == ["items"]
    assert "Address" in wrapped["$defs"]  # moved to the root, where '#/$defs/Address' points
    item = {"name": "Ana", "age": 41, "address": {"city": "Lisbon"}}
    assert schema_errors(wrapped, {"items": [item, item]}) == []
    assert schema_errors(wrapped, {"items": [{"name": "Ana"}]}) != []
    assert schema_errors(wrapped, {"items": []}) == []


def test_a_pydantic_item_gives_a_wrapper_model() -> None:
    model = items_model(Person)
    value = model.model_validate({"items": [{"name": "Ana", "age": 41, "address": {"city": "Lisbon"}}]})
    assert isinstance(value.items[0], Person)  # type: ignore[attr-defined]


def test_a_schema_that_refers_to_its_own_root_cannot_be_wrapped() -> None:
    tree = {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}}}
    with pytest.raises(SchemaError, match=r"refers to itself with \$ref '#'"):
        items_schema(tree)


def _cut(raw: str, step: int = 3) -> str | None:
    scanner = ItemScanner()
    for start in range(0, len(raw), step):  # as the model streams it: a few characters at a time
        cut = scanner.feed(raw[start : start + step])
        if cut is not None:
            return cut
    return None


def test_an_answer_that_goes_round_in_circles_is_ended_after_the_first_round() -> None:
    # What tiny wrote for "Alice is 31 and lives in Paris. Bob, 45, lives in Rome." before the guard.
    alice, bob = '{"name":"Alice","age":31}', '{"name":"Bob","age":45}'
    looping = '{"items":[' + ",".join([alice, bob] * 4) + ',{"name":"Ali'
    assert _cut(looping) == '{"items":[' + alice + "," + bob + "]}"
    assert _cut('{"items":["a","a","a","b"') == '{"items":["a"]}'


def test_items_that_really_repeat_are_kept() -> None:
    twice = '{"items":[{"item":"bread"},{"item":"bread"},{"item":"milk"}]}'
    assert _cut(twice) is None
    tricky = '{"items":["a,]\\"","a,]\\"",[1,2],[1,2],{"x":"}"}]}'  # brackets and commas inside strings
    scanner = ItemScanner()
    assert scanner.feed(tricky) is None
    assert scanner.items == ['"a,]\\""', '"a,]\\""', "[1,2]", "[1,2]", '{"x":"}"}']


def test_many_people_from_one_text_on_tiny(tiny: Any) -> None:
    # Without the loop guard tiny lists Alice and Bob over and over until the token cap cuts it off.
    text = "Alice is 31 and lives in Paris. Bob, 45, lives in Rome."
    result = localgenie.extract_details(text, "name, age int", backend=tiny, multi=True, max_retries=0)
    items = result.value["items"]
    # Which ages tiny pairs with which name follows near-ties that flip with any prompt change; what
    # holds is the shape: both people listed, in order, each once, and the answer ended, not cut off.
    assert [item["name"] for item in items[:2]] == ["Alice", "Bob"]
    assert {item["age"] for item in items[:2]} == {31, 45}
    assert len(items) <= 3 and len({json.dumps(item) for item in items}) == len(items)
    assert result.usage.completion_tokens > 0
    assert localgenie.extract_many(text, "name, age int", backend=tiny) == items


def test_the_guard_passes_token_facts_through_and_marks_its_own_close_as_certain() -> None:
    response = ItemLoopGuard(ScriptedBackend('{"items":["a","a","a","b"]}')).prompt([])
    tokens = list(response.tokens())
    assert response.text() == '{"items":["a"]}' == "".join(t.text for t in tokens)
    assert (tokens[-1].text, tokens[-1].logprob, tokens[-1].kind) == ("]}", 0.0, "forced")  # code wrote it
    assert all((t.logprob, t.kind) == (-0.5, "sampled") for t in tokens[:-1])  # the model's, as it gave them
    whole = ItemLoopGuard(ScriptedBackend('{"items":["a","b"]}')).prompt([])
    assert all(t.logprob == -0.5 for t in whole.tokens()) and whole.text() == '{"items":["a","b"]}'
