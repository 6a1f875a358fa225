"""localgenie.extract on the real tiny model: always schema-valid, or a clear error."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

import localgenie
from localgenie import BadInput, SchemaError, SchemaViolation
from localgenie.structured import schema_errors

from ..conftest import SEED_TEXT


class Address(BaseModel):
    street: str
    number: int
    city: str
    country: str = Field(description="infer from the city when not stated")


class Person(BaseModel):
    name: str
    age: int
    address: Address


def test_the_seed_example_gives_schema_valid_json_on_tiny(tiny: Any, person_schema: dict[str, Any]) -> None:
    result = localgenie.extract_details(SEED_TEXT, person_schema, backend=tiny)
    assert schema_errors(person_schema, result.value) == []
    assert result.attempts >= 1
    assert result.usage.completion_tokens > 0


def test_a_pydantic_model_in_gives_an_instance_out(tiny: Any) -> None:
    person = localgenie.extract(SEED_TEXT, Person, backend=tiny)
    assert isinstance(person, Person)
    assert isinstance(person.address.number, int)


def test_keywords_the_grammar_cannot_enforce_are_validated_and_retried(tiny: Any) -> None:
    # uniqueItems and "not" are not in the grammar: the validator must catch what slips through.
    schema = {
        "type": "object",
        "properties": {
            "tags": {
                "type": "array",
                "items": {"enum": ["a", "b"]},
                "minItems": 2,
                "maxItems": 2,
                "uniqueItems": True,
            },
            "word": {"type": "string", "maxLength": 5, "not": {"const": "hello"}},
        },
        "required": ["tags", "word"],
    }
    try:
        result = localgenie.extract_details("tags a and b; say a word", schema, backend=tiny, max_retries=3)
    except SchemaViolation as error:
        assert error.attempts == 4
        assert error.errors
    else:
        assert schema_errors(schema, result.value) == []
        assert len(set(result.value["tags"])) == 2


def test_a_schema_nothing_can_satisfy_never_returns_data(tiny: Any) -> None:
    # The grammar cannot express "not", so it lets integers through; the validator refuses every one.
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer", "not": {"type": "integer"}}},
        "required": ["n"],
    }
    with pytest.raises(SchemaViolation) as caught:
        localgenie.extract("the number is five", schema, backend=tiny, max_retries=1)
    assert caught.value.attempts == 2
    assert [path for path, _ in caught.value.errors] == ["$.n"]


def test_a_schema_the_grammar_proves_unsatisfiable_is_a_schema_error(tiny: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 1, "maximum": 6, "multipleOf": 7}},
        "required": ["n"],
    }
    with pytest.raises(SchemaError, match="unsatisfiable"):
        localgenie.extract("the number is five", schema, backend=tiny)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", BadInput, "the text is empty"),
        ("   \n\t ", BadInput, "the text is empty"),
        ("abc\x00def", BadInput, "NUL byte at character 3"),
        ("\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 3, BadInput, "control characters"),
    ],
)
def test_bad_text_is_refused_before_generating(
    tiny: Any, person_schema: dict[str, Any], text: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        localgenie.extract(text, person_schema, backend=tiny)


def test_a_bad_schema_is_refused_before_the_model_is_touched() -> None:
    with pytest.raises(SchemaError, match="remote \\$ref"):
        localgenie.extract("text", {"$ref": "https://example.com/s.json"}, model="no-such-model")
