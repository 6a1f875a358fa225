"""Concise schemas: what a user types after --schema, as JSON Schema, and the errors that help them."""

from __future__ import annotations

import json
from typing import Any

import pytest

import localgenie
from localgenie import SchemaError, SchemaSyntaxError, load_schema, schema_from_dsl
from localgenie.structured.dsl import dsl_from_schema
from localgenie.structured.prompt import describe_schema


def test_the_issue_example_is_three_required_fields_with_a_description() -> None:
    assert schema_from_dsl("name, age int, bio: a one-sentence bio") == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "bio": {"type": "string", "description": "a one-sentence bio"},
        },
        "required": ["name", "age", "bio"],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # llm's own documentation examples mean the same here.
        ("name, age int, bio", {"name": "string", "age": "integer", "bio": "string"}),
        (
            "name str, weight float, likes_fish bool",
            {"name": "string", "weight": "number", "likes_fish": "boolean"},
        ),
        ("name\nage int\nbio: short, plain text", {"name": "string", "age": "integer", "bio": "string"}),
    ],
)
def test_llm_compatible_schemas(text: str, expected: dict[str, str]) -> None:
    schema = schema_from_dsl(text)
    assert {k: v["type"] for k, v in schema["properties"].items()} == expected
    assert schema["required"] == list(expected)


def test_on_several_lines_a_description_keeps_its_commas() -> None:
    schema = schema_from_dsl("name\nbio: short, plain, honest\nage int")
    assert schema["properties"]["bio"]["description"] == "short, plain, honest"
    assert list(schema["properties"]) == ["name", "bio", "age"]


def test_types_optional_fields_enums_lists_and_nested_objects() -> None:
    schema = schema_from_dsl(
        'born date, seen datetime, nickname? str, size small|"extra large", rating 1|2|3, '
        "tags list, scores list[float], address {street, number int: house number}, "
        'lines list[{item, qty float}], "first name": as written'
    )
    p = schema["properties"]
    assert p["born"] == {"type": "string", "format": "date"}
    assert p["seen"] == {"type": "string", "format": "date-time"}
    assert "nickname" not in schema["required"]
    assert p["size"] == {"type": "string", "enum": ["small", "extra large"]}
    assert p["rating"] == {"type": "integer", "enum": [1, 2, 3]}
    assert p["tags"] == {"type": "array", "items": {"type": "string"}}
    assert p["scores"] == {"type": "array", "items": {"type": "number"}}
    assert p["address"]["properties"]["number"] == {"type": "integer", "description": "house number"}
    assert p["address"]["required"] == ["street", "number"]
    assert p["lines"]["items"]["properties"]["qty"] == {"type": "number"}
    assert p["first name"]["description"] == "as written"
    load_schema(schema)  # a valid JSON Schema


def test_multi_wraps_the_item_in_an_items_array() -> None:
    schema = schema_from_dsl("name, age int", multi=True)
    assert schema["required"] == ["items"]
    assert schema["properties"]["items"]["items"] == schema_from_dsl("name, age int")
    # The model reads what an item is in its field list.
    assert "every item the text mentions" in describe_schema(schema)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("name, age int(", "column 14", "expected ','"),
        ("name, address {street, city", "column 28", "expected '}'"),
        ("name, tags list[str", "column 20", "expected ']' to close list["),
        ("name, size small|", "column 18", "a value of field 'size'"),
        ("name, bio:", "column 11", "a description after ':'"),
        ("name, age int?", "column 14", "put '?' right after its name"),
        ("name\naddress {street: the street, city}", "line 2, column 35", "a description runs to the end"),
        ("name, }", "column 7", "no '{' for this '}'"),
        ('name, bio: "unterminated', "column 12", "unterminated quoted string"),
    ],
)
def test_a_syntax_error_names_the_position_and_what_was_expected(text: str, where: str, message: str) -> None:
    with pytest.raises(SchemaSyntaxError) as caught:
        schema_from_dsl(text)
    assert f"concise schema, {where}:" in str(caught.value)
    assert message in str(caught.value)
    assert isinstance(caught.value, SchemaError)  # exit code 2 on the CLI, like every schema problem


def test_the_error_points_at_the_place_with_a_caret() -> None:
    with pytest.raises(SchemaSyntaxError) as caught:
        schema_from_dsl("name, age int(")
    error = caught.value
    assert (error.line, error.column, error.position) == (1, 14, 13)
    source, caret = str(error).splitlines()[1:3]
    assert caret.index("^") == source.index("(")


def test_an_unknown_type_is_refused_with_a_suggestion() -> None:
    with pytest.raises(SchemaSyntaxError, match=r"unknown type 'integr' for field 'age'") as caught:
        schema_from_dsl("name, age integr")
    assert "Did you mean 'integer'?" in str(caught.value)
    with pytest.raises(SchemaSyntaxError, match="A description needs ':'"):
        schema_from_dsl("first name")  # prose where a type should be


def test_duplicate_field_names_are_refused_in_every_object() -> None:
    with pytest.raises(SchemaSyntaxError, match=r"field 'name' is given twice \(first at column 1\)"):
        schema_from_dsl("name, age int, name")
    with pytest.raises(SchemaSyntaxError, match="field 'city' is given twice"):
        schema_from_dsl("address {city, city}")
    assert "city" in schema_from_dsl("city, address {city}")["properties"]["address"]["properties"]
    with pytest.raises(SchemaSyntaxError, match="lists a value twice"):
        schema_from_dsl("size s|m|s")


def test_an_empty_schema_is_refused() -> None:
    with pytest.raises(SchemaSyntaxError, match="no fields"):
        schema_from_dsl(" ,\n ")


@pytest.mark.parametrize(
    "text",
    [
        "name, age int, bio: a one-sentence bio",
        'name, bio: "short, plain", tags list, nick?, size s|"x l"|m, n 1|2, x "1"|"2"',
        "a {b {c int, d list[{e bool}]}}, when date",
    ],
)
def test_the_concise_form_of_a_schema_reads_back_as_the_same_schema(text: str) -> None:
    schema = schema_from_dsl(text)
    concise = dsl_from_schema(schema)
    assert concise is not None
    assert schema_from_dsl(concise) == schema


def test_a_schema_the_syntax_cannot_say_has_no_concise_form(person_schema: dict[str, Any]) -> None:
    assert dsl_from_schema(person_schema) is None  # minimum/maximum, additionalProperties
    summary = dsl_from_schema(person_schema, lossy=True)
    assert summary is not None and summary.startswith("name: first name as written, age int, address {")


def test_every_form_of_schema_resolves_to_the_same_json_schema(tmp_path: Any) -> None:
    expected = schema_from_dsl("name, age int")
    json_file = tmp_path / "s.json"
    json_file.write_text(json.dumps(expected))
    text_file = tmp_path / "fields.txt"
    text_file.write_text("name\nage int\n")
    for source in [
        "name, age int",
        json.dumps(expected),
        expected,
        json_file,
        str(json_file),
        str(text_file),
    ]:
        assert localgenie.resolve_schema(source) == expected, source
