"""Spans and confidence through the extraction loop, and the retry for a value that is not in the text.

The shared scripted backend pins the loop's branches (its answers are fixed, so "the first answer invents
a city" is guaranteed); `tests/structured/test_spans_tiny.py` runs the real tiny model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, Field

from localgenie import BadInput, SchemaViolation
from localgenie.llm import GenerationOptions, Message, Response, Token
from localgenie.structured import check_schema, complete_details, extract_details, json_constraint
from localgenie.structured.grammar import generation_schema
from localgenie.structured.grounding import must_ground

from .scripted import ScriptedBackend

TEXT = "Ann Berg moved to Oslo in 2021. She is thirty."


def scripted(*answers: Any) -> ScriptedBackend:
    """The shared scripted backend (every token at log-probability -0.5) replying with these values."""
    return ScriptedBackend(*(json.dumps(a, separators=(",", ":")) for a in answers))


class NoLogprobs:
    """A backend like a server that sends no log-probabilities: the same tokens, ``logprob`` None."""

    def __init__(self, backend: ScriptedBackend) -> None:
        self._backend = backend
        self.info = backend.info

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        inner = self._backend.prompt(messages, options)

        def run(response: Response) -> Iterator[Token]:
            for token in inner.tokens():
                yield Token(token.text, None, None, "sampled")
            response.finish_reason = inner.finish_reason

        return Response(run, inner.usage)

    def count_tokens(self, text: str) -> int:
        return self._backend.count_tokens(text)


P = math.exp(-0.5)  # the scripted backend's probability for every token


PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "city": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "city", "age"],
    "additionalProperties": False,
}


def test_every_leaf_gets_a_span_and_a_confidence_beside_the_value() -> None:
    backend = scripted({"name": "Ann Berg", "city": "Oslo", "age": 30})
    result = extract_details(TEXT, PERSON, backend=backend)
    assert result.value == {"name": "Ann Berg", "city": "Oslo", "age": 30}
    assert result.spans == {"/name": (0, 8), "/city": (18, 22), "/age": (39, 45)}
    assert TEXT[39:45] == "thirty"
    assert set(result.confidence) == {"/name", "/city", "/age"}
    assert all(math.isclose(c.min, P) and math.isclose(c.mean, P) for c in result.confidence.values())
    assert result.leaves == {"/name": "Ann Berg", "/city": "Oslo", "/age": 30}


def test_an_invented_value_is_returned_with_no_span_when_nothing_asks_for_grounding() -> None:
    backend = scripted({"name": "Ann Berg", "city": "Bergen", "age": 30})
    result = extract_details(TEXT, PERSON, backend=backend)
    assert result.attempts == 1 and result.spans["/city"] is None


def test_grounded_only_retries_an_invented_string_naming_the_field() -> None:
    backend = scripted(
        {"name": "Ann Berg", "city": "Bergen", "age": 31}, {"name": "Ann Berg", "city": "Oslo", "age": 31}
    )
    result = extract_details(TEXT, PERSON, backend=backend, grounded_only=True)
    assert result.attempts == 2 and result.value["city"] == "Oslo"
    assert result.failures == [
        [("$.city", '"Bergen" is not in the text: copy the value as the text writes it')]
    ]
    feedback = backend.calls[1].messages[-1].content
    assert "not in the text" in feedback and "$.city" in feedback
    assert result.spans["/age"] is None  # a number is not a string: the flag does not ask for it


def test_a_value_never_found_ends_in_a_violation_that_names_the_field() -> None:
    invented = {"name": "Ann Berg", "city": "Bergen", "age": 30}
    backend = scripted(invented, invented, invented)
    with pytest.raises(SchemaViolation) as caught:
        extract_details(TEXT, PERSON, backend=backend, grounded_only=True, max_retries=2)
    assert caught.value.errors == [
        ("$.city", '"Bergen" is not in the text: copy the value as the text writes it')
    ]
    assert "no answer found in the text after 3 attempts" in str(caught.value)
    assert "$.city" in str(caught.value)


def test_x_grounded_in_the_schema_asks_for_that_field_without_the_flag() -> None:
    schema = {
        **PERSON,
        "properties": {**PERSON["properties"], "age": {"type": "integer", "x-grounded": True}},
    }
    backend = scripted(
        {"name": "Ann", "city": "Bergen", "age": 31}, {"name": "Ann", "city": "Bergen", "age": 30}
    )
    result = extract_details(TEXT, schema, backend=backend)
    assert result.attempts == 2 and result.failures[0][0][0] == "$.age"
    assert result.spans["/city"] is None  # not marked, and no flag: returned as written


def test_x_grounded_false_exempts_a_field_from_grounded_only() -> None:
    schema = {
        **PERSON,
        "properties": {**PERSON["properties"], "city": {"type": "string", "x-grounded": False}},
    }
    backend = scripted({"name": "Ann Berg", "city": "Bergen", "age": 30})
    assert extract_details(TEXT, schema, backend=backend, grounded_only=True).attempts == 1


def test_a_pydantic_model_gets_spans_keyed_by_its_json_form() -> None:
    class Person(BaseModel):
        full_name: str = Field(alias="name")
        city: str

    backend = scripted({"name": "Ann Berg", "city": "Oslo"})
    result = extract_details(TEXT, Person, backend=backend)
    assert isinstance(result.value, Person) and result.value.full_name == "Ann Berg"
    assert result.spans == {"/name": (0, 8), "/city": (18, 22)}


def test_a_backend_without_log_probabilities_gives_no_confidence_and_everything_is_unsure() -> None:
    backend = NoLogprobs(scripted({"name": "Ann Berg", "city": "Oslo", "age": 30}))
    result = extract_details(TEXT, PERSON, backend=backend)
    assert result.confidence == {}
    assert result.unsure(0.5) == {"/name": None, "/city": None, "/age": None}


def test_unsure_lists_the_leaves_under_the_threshold() -> None:
    result = extract_details(TEXT, PERSON, backend=scripted({"name": "Ann Berg", "city": "Oslo", "age": 30}))
    assert list(result.unsure(0.7)) == ["/name", "/city", "/age"]  # every token at 0.61
    assert result.unsure(0.6) == {}


def test_grounded_only_needs_the_text_to_ground_in() -> None:
    with pytest.raises(BadInput, match="source_text"):
        complete_details([Message("user", "hi")], PERSON, backend=scripted({}), grounded_only=True)


def test_x_grounded_passes_the_metaschema_and_is_kept_from_the_grammar_and_servers() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "x-grounded": True},
            "x-grounded": {"type": "string"},  # a field of that name is a field, not the keyword
        },
        "$defs": {"n": {"type": "integer", "x-grounded": True}},
        "x-grounded": False,
    }
    check_schema(schema)
    generating = generation_schema(schema)
    assert "x-grounded" not in generating
    assert "x-grounded" not in json.dumps(generating["properties"]["city"])
    assert generating["$defs"]["n"] == {"type": "integer"}
    assert "x-grounded" in generating["properties"]
    assert json_constraint(schema).grammar is not None
    assert schema["properties"]["city"]["x-grounded"] is True  # the caller's schema is left alone
    assert must_ground(schema, {"city": "Oslo"}) == ["/city"]
