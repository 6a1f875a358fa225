"""Optional fields: the grammar makes the model write every key (``null`` for "not in the text"), and
code leaves the absent ones out before the caller's schema validates the answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

import localgenie
from localgenie.structured import schema_errors
from localgenie.structured.complete import check_answer
from localgenie.structured.grammar import generation_schema
from localgenie.structured.optional import drop_absent

TICKET: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "phone": {"type": "string"},
        "rating": {"type": "integer"},
        "note": {"type": ["string", "null"]},
        "devices": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "serial": {"type": "string"}},
                "required": ["name"],
            },
        },
    },
    "required": ["title"],
}


def test_every_key_is_required_while_generating_and_optional_ones_accept_null() -> None:
    generated = generation_schema(TICKET)
    assert generated["required"] == ["title", "phone", "rating", "note", "devices"]
    props = generated["properties"]
    assert props["title"] == {"type": "string"}  # required: no null offered
    absent = [{"type": "null"}, {"const": "null"}]  # the string too: the '":"' token trap
    assert props["phone"] == {"anyOf": [{"type": "string"}, *absent]}
    assert props["note"] == {"anyOf": [{"type": ["string", "null"]}, {"const": "null"}]}
    device = props["devices"]["anyOf"][0]["items"]
    assert device["required"] == ["name", "serial"]
    assert device["properties"]["serial"] == {"anyOf": [{"type": "string"}, *absent]}
    assert TICKET["required"] == ["title"], "the caller's schema is not changed"


def test_an_open_object_keeps_its_optional_keys_optional() -> None:
    open_object = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True}
    assert "required" not in generation_schema(open_object)


def test_absent_optional_values_are_left_out_and_the_rest_is_kept() -> None:
    answer = {
        "title": "Printer jam",
        "phone": None,
        "rating": None,
        "note": None,  # the schema allows null here: the model's null is an answer
        "devices": [{"name": "HP 4000", "serial": ""}, {"name": "Tray", "serial": "X1"}],
    }
    value = drop_absent(TICKET, answer)
    assert value == {
        "title": "Printer jam",
        "note": None,
        "devices": [{"name": "HP 4000"}, {"name": "Tray", "serial": "X1"}],
    }
    assert schema_errors(TICKET, value) == []


def test_the_string_null_is_absent_and_so_is_an_object_left_empty() -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "city": {"type": "string"},
            "address": {"type": "object", "properties": {"street": {"type": "string"}}},
            "extra": {"type": "object"},
        },
        "required": ["name"],
    }
    answer = {"name": "null", "city": "NULL", "address": {"street": "null"}, "extra": {}}
    # A required "null" stays (the validator and the caller judge it); an object given empty stays.
    assert drop_absent(schema, answer) == {"name": "null", "extra": {}}


def test_a_required_field_written_as_null_or_empty_is_left_for_the_validator() -> None:
    assert drop_absent(TICKET, {"title": ""}) == {"title": ""}
    checked = check_answer('{"title":null,"phone":null}', TICKET, None, "stop", 256)
    assert checked.value == {"title": None}
    assert [path for path, _ in checked.errors] == ["$.title"]


def test_refs_and_all_of_are_followed() -> None:
    schema = {
        "$defs": {
            "Item": {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}}
        },
        "allOf": [{"type": "object", "properties": {"item": {"$ref": "#/$defs/Item"}}}],
    }
    assert drop_absent(schema, {"item": {"sku": "A-1", "qty": None}}) == {"item": {"sku": "A-1"}}


class Contact(BaseModel):
    name: str
    email: str | None = None
    city: str = "Lisbon"


def test_a_pydantic_model_gets_its_default_for_a_field_the_text_does_not_give() -> None:
    schema = localgenie.load_schema(Contact)
    checked = check_answer('{"name":"Ana","email":null,"city":null}', schema, Contact, "stop", 256)
    assert checked.errors == []
    assert checked.value == Contact(name="Ana", email=None, city="Lisbon")
