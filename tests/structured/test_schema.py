"""A schema is checked before anything is generated: every problem is a SchemaError naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from localgenie import SchemaError, load_schema


class Address(BaseModel):
    street: str
    city: str


class Person(BaseModel):
    name: str
    address: Address


def test_a_pydantic_model_becomes_its_json_schema_with_local_refs() -> None:
    schema = load_schema(Person)
    assert schema["properties"]["address"] == {"$ref": "#/$defs/Address"}
    assert "Address" in schema["$defs"]


def test_a_schema_file_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"type": "object", "properties": {"a": {"type": "integer"}}}')
    assert load_schema(path)["properties"]["a"] == {"type": "integer"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('"a string"', "must be a JSON object"),
        ('{"type": "banana"}', "invalid JSON Schema at type"),
        ('{"properties": {"a": {"minLength": -1}}}', "invalid JSON Schema at properties/a/minLength"),
        ('{"$ref": "#/$defs/missing"}', "unknown $ref '#/$defs/missing'"),
        ('{"properties": {"a": {"$ref": "#/definitions/nope"}}}', "unknown $ref"),
        ('{"$ref": "https://example.com/schema.json"}', "remote $ref 'https://example.com/schema.json'"),
        ('{"$ref": "other.json#/x"}', "remote $ref 'other.json#/x'"),
    ],
)
def test_bad_schemas_are_refused_with_the_reason(source: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message.replace("$", r"\$").replace("[", r"\[")):
        load_schema(source)


def test_missing_and_binary_schema_files(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="schema file not found"):
        load_schema(tmp_path / "nope.json")
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(SchemaError, match="cannot read schema file"):
        load_schema(binary)


def test_refs_to_ids_inside_the_document_resolve() -> None:
    schema = {
        "$id": "https://example.com/root.json",
        "$defs": {"item": {"$id": "item.json", "type": "integer"}},
        "properties": {"x": {"$ref": "item.json"}, "y": {"$ref": "#/$defs/item"}},
    }
    checked = load_schema(schema)
    assert checked == schema
    assert load_schema(checked) is checked  # a checked schema travels on unchecked (loaded once)


def test_true_is_the_schema_that_allows_anything() -> None:
    assert load_schema(True) == {}
