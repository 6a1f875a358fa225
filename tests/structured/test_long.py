"""Texts longer than the context: chunked, each chunk extracted, the answers merged by code."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import BaseModel

import localgenie
from localgenie import ContextOverflow, SchemaViolation
from localgenie.structured.long import ChunkPartial

from .scripted import ReadingBackend

FILLER = "The weather was calm and nothing of note happened on that day. "
RETRY_ROOM = 340  # what each chunk's prompt leaves for a retry's feedback (long.RETRY_*_TOKENS)
LIVES = re.compile(r"([A-Z][a-z]+) lives in ([A-Z][a-z]+)\.")


def people(text: str) -> str:
    """A reader that finds every "NAME lives in CITY." of its text (a model with perfect recall)."""
    found = [{"name": name, "city": city} for name, city in LIVES.findall(text)]
    return json.dumps({"items": found})


def document(*sentences: str, filler: int = 30) -> str:
    return "\n\n".join(sentence + "\n\n" + FILLER * filler for sentence in sentences)


def spans_of(result: Any, field: str) -> list[tuple[int, int]]:
    return [span for pointer, span in result.spans.items() if pointer.endswith(f"/{field}") and span]


def test_items_from_the_start_middle_and_end_of_a_text_longer_than_the_context_are_all_found() -> None:
    text = document("Alice lives in Paris.", "Bob lives in Rome.", "Carol lives in Oslo.")
    backend = ReadingBackend(people, context_length=900 + RETRY_ROOM)
    assert backend.count_tokens(text) > 900 + RETRY_ROOM
    result = localgenie.extract_details(text, "name, city", backend=backend, multi=True)
    assert result.value == {
        "items": [
            {"name": "Alice", "city": "Paris"},
            {"name": "Bob", "city": "Rome"},
            {"name": "Carol", "city": "Oslo"},
        ]
    }
    assert len(result.chunks) == len(backend.calls) > 3
    # Spans are offsets into the whole text, not into a chunk.
    assert [text[a:b] for a, b in spans_of(result, "name")] == ["Alice", "Bob", "Carol"]
    assert [text[a:b] for a, b in spans_of(result, "city")] == ["Paris", "Rome", "Oslo"]
    assert text.index("Carol") > 2 * len(text) // 3  # really at the end
    for call in backend.calls:  # every prompt fitted, with its answer's room
        prompt = sum(backend.count_tokens(m.content) for m in call.messages)
        assert prompt + call.options.max_tokens <= 900 + RETRY_ROOM


def test_a_chunk_leaves_room_for_its_retry_in_the_context() -> None:
    text = document("Alice lives in Paris.", "Bob lives in Rome.", "Carol lives in Oslo.")
    calls: list[str] = []

    def first_wrong(chunk: str) -> str:
        calls.append(chunk)
        if len(calls) % 2 == 0:  # the retry
            return people(chunk)
        return '{"items":[{"name":"' + "x " * 400 + '"}]}'  # long and invalid: shown back on the retry

    backend = ReadingBackend(first_wrong, context_length=900 + RETRY_ROOM)
    result = localgenie.extract_details(text, "name, city", backend=backend, multi=True, max_retries=1)
    assert [item["name"] for item in result.value["items"]] == ["Alice", "Bob", "Carol"]
    assert [report.attempts for report in result.chunks] == [2] * len(result.chunks), result.chunks


def test_items_read_twice_in_the_overlap_of_two_chunks_are_kept_once() -> None:
    names = [
        a + b
        for a in ("Ann", "Ben", "Cid")
        for b in ("ie", "o", "a", "y", "el", "us", "ik", "on", "er", "is")
    ]
    text = " ".join(f"{name} lives in Rome. {FILLER}" for name in names)
    backend = ReadingBackend(people, context_length=800 + RETRY_ROOM)
    result = localgenie.extract_details(text, "name, city", backend=backend, multi=True)
    read = [item["name"] for t in backend.texts for item in json.loads(people(t))["items"]]
    assert len(read) > 30  # the overlaps were read twice ...
    items = result.value["items"]
    assert [item["name"] for item in items] == names  # ... but each person is one item, in order
    assert [text[a:b] for a, b in spans_of(result, "name")] == [i["name"] for i in items]
    starts = [span[0] for span in spans_of(result, "name")]
    assert starts == sorted(starts) and len(set(starts)) == 30


def test_the_same_item_from_two_chunks_fills_its_missing_fields_and_equal_keys_dedupe() -> None:
    # Different mentions of one person (same name, the key field) in two chunks are one item.
    text = document("Alice Smith signed up.", "Her email is alice@example.com, wrote Alice Smith.")

    def reader(chunk: str) -> str:
        items = []
        if "signed up" in chunk:
            items.append({"name": "Alice Smith"})
        if "email" in chunk:
            items.append({"name": "alice  smith", "email": "alice@example.com"})
        return json.dumps({"items": items})

    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
        "required": ["name"],
    }
    result = localgenie.extract_details(
        text, schema, backend=ReadingBackend(reader, context_length=700 + RETRY_ROOM), multi=True
    )
    assert result.value == {"items": [{"name": "Alice Smith", "email": "alice@example.com"}]}
    span = result.spans["/items/0/email"]
    assert span is not None and text[span[0] : span[1]] == "alice@example.com"


def test_a_single_object_takes_each_field_from_the_chunk_that_grounds_it_and_reports_conflicts() -> None:
    text = document(
        "Customer: Dana Reyes.", "Account number 48213 was opened.", "Dana moved to Lisbon.", "Or Porto."
    )

    def reader(chunk: str) -> str:
        answer: dict[str, Any] = {"name": None, "account": None, "city": None}
        if "Dana Reyes" in chunk:
            answer["name"] = "Dana Reyes"
        elif "Dana" in chunk:
            answer["name"] = "Dana Q"  # a guess, not in the text: the grounded name wins
        if "48213" in chunk:
            answer["account"] = 48213
        for city in ("Lisbon", "Porto"):
            if city in chunk:
                answer["city"] = city
        return json.dumps(answer)

    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "account": {"type": "integer"},
            "city": {"type": "string"},
        },
        "required": ["name", "account", "city"],
    }
    backend = ReadingBackend(reader, context_length=700 + RETRY_ROOM)
    result = localgenie.extract_details(text, schema, backend=backend)
    assert result.value == {"name": "Dana Reyes", "account": 48213, "city": "Lisbon"}
    for pointer, value in (("/name", "Dana Reyes"), ("/account", "48213"), ("/city", "Lisbon")):
        span = result.spans[pointer]
        assert span is not None and text[span[0] : span[1]] == value
    assert [(c.pointer, c.kept, c.other) for c in result.conflicts] == [("/city", "Lisbon", "Porto")]
    assert text[slice(*result.conflicts[0].other_span)] == "Porto"
    assert 'kept "Lisbon"' in result.conflicts[0].describe()
    # Each chunk was asked with the fields optional: a chunk may not mention them.
    system = backend.calls[0].messages[0].content
    assert "name: string, optional" in system


def test_a_required_field_that_no_chunk_gives_is_a_violation_naming_it() -> None:
    text = document("Customer: Dana Reyes.", "Nothing else.", "The end.")
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "account": {"type": "integer"}},
        "required": ["name", "account"],
    }

    def reader(chunk: str) -> str:
        return json.dumps({"name": "Dana Reyes" if "Dana" in chunk else None, "account": None})

    with pytest.raises(SchemaViolation, match="'account' is a required property") as caught:
        localgenie.extract_details(
            text, schema, backend=ReadingBackend(reader, context_length=700 + RETRY_ROOM)
        )
    assert caught.value.errors == [("$", "'account' is a required property")]
    assert "no chunk gives" in str(caught.value)


def test_a_chunk_without_a_valid_answer_is_reported_and_the_others_kept() -> None:
    text = document("Alice lives in Paris.", "Bob lives in Rome.", "Carol lives in Oslo.")

    def reader(chunk: str) -> str:
        return "not json" if "Bob" in chunk else people(chunk)

    result = localgenie.extract_details(
        text,
        "name, city",
        backend=ReadingBackend(reader, context_length=900 + RETRY_ROOM),
        multi=True,
        max_retries=1,
    )
    assert [item["name"] for item in result.value["items"]] == ["Alice", "Carol"]
    failed = [report for report in result.chunks if report.error]
    assert failed and all("Bob" in text[r.start : r.end] for r in failed)
    assert all(r.attempts == 2 and "not valid JSON" in (r.error or "") for r in failed)
    with pytest.raises(SchemaViolation, match="no chunk of the text"):
        localgenie.extract_details(
            text,
            "name, city",
            backend=ReadingBackend(lambda _: "{", context_length=900 + RETRY_ROOM),
            multi=True,
        )


def test_a_second_pass_with_moved_cuts_finds_what_the_first_lost_in_the_middle() -> None:
    names = ["Ann", "Ben", "Cid", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kim", "Lou"]
    text = "\n\n".join(f"{name} lives in Rome. {FILLER}" for name in names)

    def forgetful(chunk: str) -> str:
        """Finds people only in the first and last quarter of what it reads (lost in the middle)."""
        found = [
            {"name": m.group(1), "city": m.group(2)}
            for m in LIVES.finditer(chunk)
            if m.start() < len(chunk) / 4 or m.start() > 3 * len(chunk) / 4
        ]
        return json.dumps({"items": found})

    once = localgenie.extract_details(
        text, "name, city", backend=ReadingBackend(forgetful, context_length=900 + RETRY_ROOM), multi=True
    )
    twice = localgenie.extract_details(
        text,
        "name, city",
        backend=ReadingBackend(forgetful, context_length=900 + RETRY_ROOM),
        multi=True,
        passes=2,
    )
    found_once = {item["name"] for item in once.value["items"]}
    found_twice = [item["name"] for item in twice.value["items"]]
    assert found_once < set(found_twice)
    assert found_twice == [n for n in names if n in found_twice]  # in the text's order, once each
    assert {report.pass_number for report in twice.chunks} == {1, 2}
    second = [r.start for r in twice.chunks if r.pass_number == 2]
    assert second[0] > 0 and all(s not in {r.start for r in once.chunks} for s in second)


def test_chunk_tokens_chunks_a_text_that_would_fit_and_a_pydantic_model_comes_back() -> None:
    class Person(BaseModel):
        name: str
        city: str

    text = document("Alice lives in Paris.", "Bob lives in Rome.", filler=10)
    backend = ReadingBackend(people, context_length=100_000)
    whole = localgenie.extract_details(text, Person, backend=backend, multi=True)
    assert len(backend.calls) == 1 and whole.chunks == []
    chunked = localgenie.extract_details(text, Person, backend=backend, multi=True, chunk_tokens=150)
    assert len(backend.calls) > 3 and len(chunked.chunks) == len(backend.calls) - 1
    assert [(p.name, p.city) for p in chunked.value.items] == [("Alice", "Paris"), ("Bob", "Rome")]


def test_the_stream_says_which_chunk_it_reads() -> None:
    text = document("Alice lives in Paris.", "Bob lives in Rome.")
    events = list(
        localgenie.extract_stream(
            text, "name, city", backend=ReadingBackend(people, context_length=700 + RETRY_ROOM), multi=True
        )
    )
    chunks = [e for e in events if isinstance(e, ChunkPartial)]
    total = chunks[0].chunks
    assert total > 1 and {e.chunk for e in chunks} == set(range(1, total + 1))
    starts = [e for e in chunks if e.value is None]
    assert [e.chunk for e in starts] == list(range(1, total + 1))
    assert all(text[e.start : e.end] for e in starts)
    assert isinstance(events[-1], localgenie.Extraction) and len(events[-1].value["items"]) == 2
    said = starts[1].as_json()  # what the web page's stream sends
    assert said["chunk"] == {
        "index": 2,
        "of": total,
        "start": starts[1].start,
        "end": starts[1].end,
        "pass": 1,
    }
    assert said["value"] is None and said["attempt"] == 1


def test_a_backend_that_does_not_say_its_context_reads_in_chunks_only_when_asked() -> None:
    text = document("Alice lives in Paris.", "Bob lives in Rome.", filler=200)
    backend = ReadingBackend(people)  # no context length: a server that does not say
    assert backend.count_tokens(text) > 6000
    once = localgenie.extract_details(text, "name, city", backend=backend, multi=True)
    assert once.chunks == [] and len(backend.calls) == 1
    twice = localgenie.extract_details(text, "name, city", backend=backend, multi=True, passes=2)
    assert len(twice.chunks) > 2 and [i["name"] for i in twice.value["items"]] == ["Alice", "Bob"]


def test_a_schema_too_big_for_any_chunk_is_a_context_overflow_before_any_model_call() -> None:
    schema = {
        "type": "object",
        "properties": {f"field_{i}": {"type": "string", "description": FILLER} for i in range(30)},
    }
    backend = ReadingBackend(people, context_length=900 + RETRY_ROOM)
    with pytest.raises(ContextOverflow, match="no chunk of the text fits"):
        localgenie.extract_details(document("Alice lives in Paris."), schema, backend=backend)
    assert backend.calls == []


def test_bad_passes_and_chunk_sizes_are_refused() -> None:
    backend = ReadingBackend(people, context_length=900 + RETRY_ROOM)
    with pytest.raises(localgenie.BadInput, match="passes must be 1 to 3"):
        localgenie.extract_details("Alice lives in Paris.", "name str", backend=backend, passes=0)
    with pytest.raises(localgenie.BadInput, match="chunk_tokens must be at least 64"):
        localgenie.extract_details("Alice lives in Paris.", "name str", backend=backend, chunk_tokens=10)


def test_offsets_are_python_characters_in_a_text_with_emoji_and_cjk() -> None:
    text = document("🎉 Zoë lives in Köln.", "東京の話。 Mia lives in Kyoto.", filler=25)

    def reader(chunk: str) -> str:
        found = [{"name": n, "city": c} for n, c in re.findall(r"(\w+) lives in (\w+)\.", chunk)]
        return json.dumps({"items": found})

    result = localgenie.extract_details(
        text, "name, city", backend=ReadingBackend(reader, context_length=800 + RETRY_ROOM), multi=True
    )
    assert len(result.chunks) > 1
    assert [text[a:b] for a, b in spans_of(result, "name")] == ["Zoë", "Mia"]
    assert [text[a:b] for a, b in spans_of(result, "city")] == ["Köln", "Kyoto"]


def test_chunks_that_hold_only_blank_space_are_not_asked() -> None:
    text = "Alice lives in Paris.\n\n" + "\n\n".join(["   \t  "] * 400) + "\n\nBob lives in Rome."
    backend = ReadingBackend(people, context_length=700 + RETRY_ROOM)
    result = localgenie.extract_details(text, "name, city", backend=backend, multi=True)
    assert [item["name"] for item in result.value["items"]] == ["Alice", "Bob"]
    assert all(chunk.strip() for chunk in backend.texts)
    covered = sum(report.end - report.start for report in result.chunks)
    assert covered < len(text)  # the blank chunks between were left out
