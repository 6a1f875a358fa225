"""``localgenie.extract_stream``: the answer as it grows, the retries, and the same result as
``extract_details``.

The loop's branches (a failed attempt, a loop stopped early, a reader that stops) are pinned with a
scripted backend that streams fixed answers a few characters at a time and records how far it was
read; the real tiny model then streams a real extraction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

import localgenie
from localgenie import Extraction, Partial, Retry, SchemaViolation
from localgenie.llm.base import BackendInfo, GenerationOptions, Message, Response, Usage
from localgenie.store import logs
from localgenie.structured import complete_stream

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0},
        "phone": {"type": "string"},
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "street": {"type": "string"}},
            "required": ["city"],
        },
    },
    "required": ["name", "age", "address"],
}
TEXT = "Ana Lima is 41 and lives in Lisbon, Rua Augusta."
GOOD = '{"name":"Ana Lima","age":41,"phone":null,"address":{"city":"Lisbon","street":"Rua Augusta"}}'


class Scripted:
    """Streams each answer in turn, ``chunk`` characters at a time; ``read`` counts the chunks taken
    from the current answer, ``closed`` whether its generation was stopped before the end."""

    def __init__(self, *answers: str, chunk: int = 3, finish: str = "stop") -> None:
        self.info = BackendInfo(kind="embedded", model="scripted", context_length=8192)
        self.answers = list(answers)
        self.chunk = chunk
        self.finish = finish
        self.read = 0
        self.closed = False
        self.prompts: list[list[Message]] = []
        self.options: list[GenerationOptions] = []

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        answer = self.answers[len(self.prompts)]
        self.prompts.append(list(messages))
        self.options.append(options or GenerationOptions())
        self.read, self.closed = 0, False

        def run(response: Response) -> Iterator[str]:
            response.finish_reason = self.finish
            try:
                for start in range(0, len(answer), self.chunk):
                    self.read += 1
                    yield answer[start : start + self.chunk]
            except GeneratorExit:
                self.closed = True
                raise
            response.usage.completion_tokens = len(answer) // 4

        return Response(run, Usage(prompt_tokens=50))

    def count_tokens(self, text: str) -> int | None:
        return len(text) // 4


def test_the_object_grows_field_by_field_and_ends_with_the_same_result_as_extract_details() -> None:
    events = list(localgenie.extract_stream(TEXT, PERSON, backend=Scripted(GOOD)))
    *partials, result = events
    assert isinstance(result, Extraction)
    expected = localgenie.extract_details(TEXT, PERSON, backend=Scripted(GOOD))
    assert (result.value, result.raw, result.attempts) == (expected.value, expected.raw, expected.attempts)
    assert result.value == {
        "name": "Ana Lima",
        "age": 41,
        "address": {"city": "Lisbon", "street": "Rua Augusta"},
    }
    assert all(isinstance(p, Partial) and p.attempt == 1 for p in partials)
    shown = [p.value for p in partials if isinstance(p, Partial)]
    assert {"name": "Ana Lima"} in shown
    assert {"name": "Ana Lima", "age": 41, "address": {"city": "Lisbon"}} in shown
    assert shown[-1] == result.value
    for value in shown:
        assert "phone" not in value  # the optional field written as null never shows as a value
    paths = [p.partial_path for p in partials if isinstance(p, Partial)]
    assert ("address", "city") in paths and paths[-1] is None
    sizes = [len(p.complete_paths) for p in partials if isinstance(p, Partial)]
    assert sizes == sorted(sizes)  # completed fields are never taken back within an attempt


def test_a_pydantic_model_streams_dicts_then_ends_with_an_instance() -> None:
    class Address(BaseModel):
        city: str
        street: str | None = None

    class Person(BaseModel):
        name: str
        age: int
        phone: str | None = None
        address: Address

    *partials, result = localgenie.extract_stream(TEXT, Person, backend=Scripted(GOOD))
    assert isinstance(result, Extraction) and isinstance(result.value, Person)
    assert result.value.address.city == "Lisbon" and result.value.phone is None
    assert all(isinstance(p, Partial) and isinstance(p.value, dict) for p in partials)


def test_a_failed_attempt_says_a_retry_starts_and_the_next_one_grows_from_empty() -> None:
    bad = GOOD.replace('"age":41', '"age":-41')  # the grammar cannot enforce minimum; the validator does
    backend = Scripted(bad, GOOD)
    events = list(localgenie.extract_stream(TEXT, PERSON, backend=backend))
    retries = [e for e in events if isinstance(e, Retry)]
    assert len(retries) == 1 and retries[0].attempt == 2
    assert retries[0].errors[0][0] == "$.age" and "minimum" in retries[0].errors[0][1]
    at = events.index(retries[0])
    first, second = events[:at], events[at + 1 : -1]
    assert all(isinstance(p, Partial) and p.attempt == 1 for p in first)
    assert all(isinstance(p, Partial) and p.attempt == 2 for p in second)
    assert isinstance(second[0], Partial) and second[0].value == {}  # not the failed attempt's fields
    result = events[-1]
    assert isinstance(result, Extraction) and result.attempts == 2 and result.value["age"] == 41
    assert "minimum" in backend.prompts[1][-1].content  # the model was told what failed


def test_when_every_attempt_fails_the_stream_raises_schema_violation() -> None:
    bad = GOOD.replace('"age":41', '"age":-41')
    events: list[Any] = []
    with pytest.raises(SchemaViolation) as caught:
        for event in localgenie.extract_stream(TEXT, PERSON, backend=Scripted(bad, bad), max_retries=1):
            events.append(event)
    assert [e.attempt for e in events if isinstance(e, Retry)] == [2]
    assert caught.value.attempts == 2 and caught.value.raw == bad


def test_bad_input_is_raised_by_the_call_before_the_model_is_asked() -> None:
    backend = Scripted(GOOD)
    with pytest.raises(localgenie.BadInput, match="empty"):
        localgenie.extract_stream("  ", PERSON, backend=backend)
    with pytest.raises(localgenie.SchemaError):
        localgenie.extract_stream(TEXT, '{"type": "objekt"}', backend=backend)
    assert backend.prompts == []


def test_a_reader_that_stops_early_stops_the_model() -> None:
    backend = Scripted(GOOD)
    stream = localgenie.extract_stream(TEXT, PERSON, backend=backend)
    for event in stream:
        if isinstance(event, Partial) and "name" in event.value:
            break
    stream.close()  # what a `for` loop's break leaves to the garbage collector, done at once
    assert backend.closed and backend.read < len(GOOD) // backend.chunk


def test_a_list_going_round_in_circles_is_stopped_at_the_third_copy_and_retried() -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "ingredients": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["title", "ingredients"],
    }
    looping = '{"title":"Feta bake","ingredients":["eggs"' + ',"feta cheese"' * 40 + "]}"
    good = '{"title":"Feta bake","ingredients":["eggs","feta cheese"]}'
    backend = Scripted(looping, good)
    chat = [Message("user", "write a recipe")]
    events = list(complete_stream(chat, schema, backend=backend, stop_loops=True))
    retry = next(e for e in events if isinstance(e, Retry))
    assert retry.errors[0][0] == "$.ingredients" and "'feta cheese' 3 times" in retry.errors[0][1]
    shown = [e for e in events if isinstance(e, Partial) and e.attempt == 1]
    assert shown[-1].value["ingredients"] == ["eggs", "feta cheese", "feta cheese", "feta cheese"]
    assert "repeating itself" in backend.prompts[1][-1].content
    result = events[-1]
    assert isinstance(result, Extraction) and result.value["ingredients"] == ["eggs", "feta cheese"]
    # Without the option the same answer is read to its end.
    plain = Scripted(looping)
    list(complete_stream(chat, schema, backend=plain))
    assert plain.read == -(-len(looping) // plain.chunk) and not plain.closed


def test_the_stopped_loop_freed_the_model_at_once() -> None:
    schema = {"type": "object", "properties": {"steps": {"type": "array", "items": {"type": "string"}}}}
    looping = '{"steps":' + '["Stir."' + ',"Stir."' * 60 + "]}"
    backend = Scripted(looping, looping)
    with pytest.raises(SchemaViolation, match="repeating itself"):
        list(complete_stream([Message("user", "x")], schema, backend=backend, max_retries=1, stop_loops=True))
    assert backend.closed and backend.read < 12  # about 3 steps' worth of chunks, not 60


def test_a_loop_the_decoder_stopped_is_reported_where_it_happened() -> None:
    """The embedded decoder ends a token loop inside a string ("repetition"); the retry and the error say
    which field, not just "$"."""
    schema = {"type": "object", "properties": {"steps": {"type": "array", "items": {"type": "string"}}}}
    stuck = '{"steps":["Boil water.","Add the feta feta feta feta feta'
    backend = Scripted(stuck, stuck, finish="repetition")
    with pytest.raises(SchemaViolation) as caught:
        list(complete_stream([Message("user", "x")], schema, backend=backend, max_retries=1))
    assert caught.value.errors == [
        ("$.steps[1]", "the answer got stuck repeating itself; write each value once")
    ]


def test_asking_again_with_another_variant_samples_new_attempts() -> None:
    """Variant 0 is reproducible (greedy first attempt); a person's "try again" must not replay it."""
    first, again = Scripted(GOOD), Scripted(GOOD)
    chat = [Message("user", "x")]
    list(complete_stream(chat, PERSON, backend=first))
    list(complete_stream(chat, PERSON, backend=again, variant=1))
    assert (first.options[0].temperature, first.options[0].seed) == (0.0, 1)
    assert again.options[0].temperature > 0 and again.options[0].seed not in (None, 1, 2, 3)


def test_many_items_stream_before_the_answer_ends_and_a_loop_is_still_cut() -> None:
    alice, bob = '{"name":"Alice","age":31}', '{"name":"Bob","age":45}'
    looping = '{"items":[' + ",".join([alice, bob] * 4) + "]}"
    backend = Scripted(looping)
    seen_items: list[tuple[int, int]] = []  # (items shown, chunks read so far)
    result = None
    for event in localgenie.extract_stream(TEXT, "name, age int", backend=backend, multi=True):
        if isinstance(event, Partial):
            seen_items.append((len(event.value.get("items", [])), backend.read))
        else:
            result = event
    assert isinstance(result, Extraction)
    assert result.value == {"items": [{"name": "Alice", "age": 31}, {"name": "Bob", "age": 45}]}
    first_shown = next(read for count, read in seen_items if count >= 1)
    assert first_shown < len(looping) // backend.chunk // 2  # Alice showed long before the end
    assert max(count for count, _ in seen_items) == 2  # the repeated rounds were never shown


def test_a_streamed_run_is_logged_like_extract_details(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("GENIE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GENIE_LOG")  # the suite turns the log off; this test turns it on
    events = list(localgenie.extract_stream(TEXT, PERSON, backend=Scripted(GOOD), log=True))
    with pytest.raises(localgenie.BadInput):
        localgenie.extract_stream("", PERSON, backend=Scripted(GOOD), log=True)
    failed, ok = logs.recent(2)  # newest first
    final = events[-1]
    assert isinstance(final, Extraction)
    assert ok.ok and ok.value == final.value and ok.attempts == 1
    assert failed.error_type == "BadInput"


def test_streaming_on_tiny_shows_the_fields_of_the_final_answer(
    tiny: Any, person_schema: dict[str, Any]
) -> None:
    """The real model: every snapshot of the attempt that succeeded is a prefix of its answer, and the
    result is exactly what extract_details gives for the same input."""
    text = "My name is John and I am 30 years old. I live in New York, on 5th Avenue, number 10."
    events = list(localgenie.extract_stream(text, person_schema, backend=tiny))
    result = events[-1]
    assert isinstance(result, Extraction)
    assert result.value == localgenie.extract_details(text, person_schema, backend=tiny).value
    last_attempt = [e for e in events if isinstance(e, Partial) and e.attempt == result.attempts]
    assert len(last_attempt) >= 4  # it grew in steps, not all at the end
    for snap in last_attempt:
        for path in snap.complete_paths:
            assert _at(snap.value, path) == _at(result.value, path), path
    assert json.dumps(last_attempt[-1].value, sort_keys=True) == json.dumps(result.value, sort_keys=True)


def _at(value: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        value = value[part]
    return value
