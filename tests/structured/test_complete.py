"""The validate-and-retry loop, branch by branch, on a scripted backend (milliseconds, no model).

What a real model does with the loop is tested on ``tiny`` (test_extract.py); here each answer is
written by hand so that every branch runs: valid at once, broken JSON, a schema error, a model-class
error, every attempt failing, the loop guard's and the token cap's endings, formats completed by code,
optional fields written as null, a prompt too long for the context.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, field_validator

import localgenie
from localgenie.errors import ContextOverflow, SchemaViolation
from localgenie.llm import Message
from localgenie.structured import Normalisation, complete_details
from localgenie.structured.complete import RAW_KEPT_CHARS, RETRY_TEMPERATURE

from .scripted import Answer, ScriptedBackend, pieces

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
    "required": ["name", "age"],
}
ASK = [Message("system", "Write the person as JSON."), Message("user", "Ann, 30, from Oslo")]
VALID = '{"name":"Ann","age":30,"address":{"city":"Oslo"}}'


def test_a_valid_first_answer_is_returned_with_what_it_cost() -> None:
    backend = ScriptedBackend(VALID)
    streamed: list[str] = []
    result = complete_details(ASK, PERSON, backend=backend, on_text=streamed.append)
    assert result.value == {"name": "Ann", "age": 30, "address": {"city": "Oslo"}}
    assert (result.attempts, result.failures, result.normalised) == (1, [], [])
    assert result.raw == VALID and "".join(streamed) == VALID
    assert [t.text for t in result.tokens] == pieces(VALID)
    assert result.usage.completion_tokens == len(pieces(VALID))
    assert result.usage.prompt_tokens == backend.responses[0].usage.prompt_tokens > 0
    (call,) = backend.calls
    assert call.messages == ASK
    assert (call.options.temperature, call.options.seed) == (0.0, 1)
    assert call.options.json_schema is not None  # generated under the schema's constraint


def test_an_answer_that_is_not_json_is_shown_back_and_retried_warmer() -> None:
    broken = '{"name":"Ann","age":'
    backend = ScriptedBackend(broken, VALID)
    result = complete_details(ASK, PERSON, backend=backend)
    assert result.attempts == 2 and result.value["age"] == 30
    assert result.failures == [[("$", "the answer is not valid JSON (Expecting value at character 20)")]]
    retry = backend.calls[1]
    assert retry.messages[: len(ASK)] == ASK
    assert retry.messages[-2] == Message("assistant", broken)
    assert "- at $: the answer is not valid JSON" in retry.messages[-1].content
    assert (retry.options.temperature, retry.options.seed) == (RETRY_TEMPERATURE, 2)
    # Usage is summed over both attempts.
    assert result.usage.completion_tokens == len(pieces(broken)) + len(pieces(VALID))


def test_a_schema_error_is_retried_with_the_failing_path() -> None:
    wrong = '{"name":"Ann","age":30,"address":{"city":5}}'
    backend = ScriptedBackend(wrong, VALID)
    result = complete_details(ASK, PERSON, backend=backend)
    assert result.attempts == 2 and result.value["address"] == {"city": "Oslo"}
    assert result.failures == [[("$.address.city", "5 is not of type 'string'")]]
    feedback = backend.calls[1].messages[-1]
    assert feedback.role == "user"
    assert "- at $.address.city: 5 is not of type 'string'" in feedback.content
    assert backend.calls[1].messages[-2].content == wrong


class Person(BaseModel):
    name: str
    age: int

    @field_validator("name")
    @classmethod
    def not_a_placeholder(cls, value: str) -> str:
        if value.lower() in {"name", "unknown"}:
            raise ValueError("write the person's name, not a placeholder")
        return value


def test_a_model_class_checks_what_the_schema_cannot_and_gives_an_instance() -> None:
    backend = ScriptedBackend('{"name":"unknown","age":30}', '{"name":"Ann","age":30}')
    result = complete_details(ASK, Person, backend=backend)
    assert result.value == Person(name="Ann", age=30) and result.attempts == 2
    ((path, message),) = result.failures[0]
    assert path == "$.name" and "not a placeholder" in message
    assert "- at $.name: Value error, write the person's name" in backend.calls[1].messages[-1].content


def test_when_every_attempt_fails_the_violation_carries_errors_raw_and_usage() -> None:
    long_and_wrong = json.dumps({"name": "Ann " * 1000, "age": "thirty"})
    backend = ScriptedBackend('{"name":', '{"name":"Ann"}', long_and_wrong)
    with pytest.raises(SchemaViolation, match="after 3 attempts") as caught:
        complete_details(ASK, PERSON, backend=backend, max_tokens=4096, max_retries=2)
    error = caught.value
    assert error.errors == [("$.age", "'thirty' is not of type 'integer'")]  # the last attempt's
    assert error.attempts == 3 and backend.unused == 0
    assert len(long_and_wrong) > RAW_KEPT_CHARS and error.raw == long_and_wrong[:RAW_KEPT_CHARS]
    assert error.usage.completion_tokens == sum(r.usage.completion_tokens for r in backend.responses)
    assert error.usage.prompt_tokens == sum(r.usage.prompt_tokens for r in backend.responses)
    assert error.usage.completion_tokens == 5 + 9 + len(pieces(long_and_wrong))
    assert error.exit_code == 3 and "$.age: 'thirty' is not of type 'integer'" in str(error)


def test_no_retries_means_one_attempt() -> None:
    backend = ScriptedBackend('{"name":"Ann"}', VALID)
    with pytest.raises(SchemaViolation, match="after 1 attempts") as caught:
        complete_details(ASK, PERSON, backend=backend, max_retries=0)
    assert caught.value.errors == [("$", "'age' is a required property")] and backend.unused == 1


def test_an_answer_stopped_by_the_loop_guard_says_so() -> None:
    backend = ScriptedBackend(Answer('{"name":"Ann Ann Ann Ann', finish_reason="repetition"))
    with pytest.raises(SchemaViolation) as caught:
        complete_details(ASK, PERSON, backend=backend, max_retries=0)
    assert caught.value.errors == [("$", "the answer got stuck repeating itself; write each value once")]


def test_an_answer_cut_off_by_the_token_cap_says_at_how_many() -> None:
    backend = ScriptedBackend(VALID, VALID)
    with pytest.raises(SchemaViolation) as caught:
        complete_details(ASK, PERSON, backend=backend, max_tokens=5, max_retries=1)
    assert caught.value.errors == [("$", "the answer was cut off at 5 tokens before the JSON was complete")]
    assert caught.value.raw == "".join(pieces(VALID)[:5])
    assert [c.options.max_tokens for c in backend.calls] == [5, 5]
    assert backend.responses[0].finish_reason == "length"


def test_a_finish_reason_does_not_excuse_valid_json() -> None:
    """A loop guard that ended a complete answer (or a cap reached exactly at its end) is not a failure."""
    backend = ScriptedBackend(Answer(VALID, finish_reason="repetition"))
    assert complete_details(ASK, PERSON, backend=backend).attempts == 1


def test_near_miss_formats_are_completed_by_code_and_listed() -> None:
    schema = {
        "type": "object",
        "properties": {
            "seen": {"type": "string", "format": "date-time"},
            "at": {"type": "string", "format": "time"},
        },
        "required": ["seen", "at"],
    }
    backend = ScriptedBackend('{"seen":"1983-11-12 03:33:35.597324","at":"14:30"}')
    result = complete_details(ASK, schema, backend=backend)
    assert result.value == {"seen": "1983-11-12T03:33:35.597324Z", "at": "14:30:00Z"}
    assert result.normalised == [
        Normalisation(
            "/seen",
            "1983-11-12 03:33:35.597324",
            "1983-11-12T03:33:35.597324Z",
            "space between date and time written as T; no UTC offset in the text: read as UTC (Z)",
        ),
        Normalisation(
            "/at",
            "14:30",
            "14:30:00Z",
            "no seconds in the text: :00; no UTC offset in the text: read as UTC (Z)",
        ),
    ]
    assert result.raw == '{"seen":"1983-11-12 03:33:35.597324","at":"14:30"}'  # what the model wrote


def test_optional_fields_written_as_null_are_left_out_before_validation() -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "phone": {"type": "string"},
            "rating": {"type": "integer"},
            "nickname": {"type": ["string", "null"]},
        },
        "required": ["name"],
        "additionalProperties": False,
    }
    # The generation schema asks for every key, optional ones as null (optional.require_with_null) ...
    backend = ScriptedBackend('{"name":"Ann","phone":null,"rating":"","nickname":null}')
    result = complete_details(ASK, schema, backend=backend)
    generated = backend.calls[0].options.json_schema
    assert generated is not None and set(generated["required"]) == {"name", "phone", "rating", "nickname"}
    # ... and code drops the absent ones; a null the caller's schema allows stays.
    assert result.value == {"name": "Ann", "nickname": None} and result.attempts == 1


def test_a_required_field_written_as_null_is_the_validators_to_judge() -> None:
    backend = ScriptedBackend('{"name":null,"age":30}', VALID)
    result = complete_details(ASK, PERSON, backend=backend)
    assert result.failures == [[("$.name", "None is not of type 'string'")]] and result.attempts == 2


def test_a_prompt_longer_than_the_context_is_refused_before_generating() -> None:
    backend = ScriptedBackend(VALID, context_length=64)
    with pytest.raises(ContextOverflow, match="the model's context is 64 tokens"):
        complete_details(ASK, PERSON, backend=backend, max_tokens=60)
    assert backend.calls == []


def test_the_public_extract_runs_the_same_loop_on_any_backend() -> None:
    """``localgenie.extract`` on the scripted backend: the extraction prompt, the text as lookup, a retry."""
    backend = ScriptedBackend('{"name":"Ann","age":"30"}', '{"name":"Ann","age":30}')
    person = localgenie.extract("Ann is 30.", Person, backend=backend)
    assert person == Person(name="Ann", age=30)
    first = backend.calls[0]
    assert first.messages[-1].content == "Text:\n<<<\nAnn is 30.\n>>>"
    assert first.options.lookup_text == "Ann is 30."
    assert "- at $.age: '30' is not of type 'integer'" in backend.calls[1].messages[-1].content
