"""Training items are what extraction runs: its prompt tokens, the answer its grammar writes.

No training here: the tiny model is loaded for its tokenizer and vocabulary only (under a second).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from localgenie.errors import BadInput
from localgenie.evaluation import exact_match
from localgenie.llm.llamacpp import LlamaCppBackend
from localgenie.llm.models import tiny_model_path
from localgenie.structured import json_constraint
from localgenie.structured.optional import drop_absent
from localgenie.structured.prompt import extraction_messages
from localgenie.tune import MIN_EXAMPLES, generation_target, prepare

DATA = Path(__file__).parent / "data"
THIRTY = DATA / "thirty.jsonl"

NESTED: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "address": {"$ref": "#/$defs/address"},
        "pets": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"kind": {"type": "string"}, "name": {"type": "string"}},
            },
        },
        "note": {"type": ["string", "null"]},
    },
    "required": ["name"],
    "$defs": {
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "street": {"type": "string"}},
            "required": ["city"],
        }
    },
}


@pytest.fixture(scope="module")
def backend() -> LlamaCppBackend:
    return LlamaCppBackend(tiny_model_path(), n_ctx=512)


def test_the_target_is_the_generation_form_every_key_in_order_null_where_absent() -> None:
    expected = {"pets": [{"name": "Rex"}], "address": {"city": "Oslo"}, "name": "Ana"}
    assert generation_target(NESTED, expected) == (
        '{"name":"Ana","age":null,"address":{"city":"Oslo","street":null},'
        '"pets":[{"kind":null,"name":"Rex"}],"note":null}'
    )


@pytest.mark.parametrize(
    "expected",
    [
        {"name": "Ana"},
        {"name": "Åsa Ñúñez", "age": 41, "address": {"city": "Oslo", "street": "Karl Johans gate 1"}},
        {"name": "Bo", "pets": [{"kind": "cat", "name": "Mo"}, {"kind": "dog"}], "note": 'likes "quotes"'},
    ],
)
def test_the_grammar_writes_the_target_and_code_turns_it_back_into_expected(
    backend: LlamaCppBackend, expected: dict[str, Any]
) -> None:
    target = generation_target(NESTED, expected)
    tokens = backend.tokenize_plain(target)
    matcher = backend.matcher_for(json_constraint(NESTED))
    assert matcher.validate_tokens(tokens) == len(tokens), target
    matcher.consume_tokens(tokens)
    assert matcher.is_accepting()
    # What extraction does with the answer (parse, drop absent optional values) gives back expected, as
    # the scorer reads it (a nullable field written as null is absent).
    assert exact_match(expected, drop_absent(NESTED, json.loads(target)))
    assert drop_absent(NESTED, json.loads(target)).keys() - {"note"} == expected.keys() - {"note"}


def test_items_are_the_extraction_prompt_then_the_answer_and_end_of_turn(backend: LlamaCppBackend) -> None:
    data = prepare(THIRTY, backend)
    item = data.train[0]
    schema = item.example.schema.schema
    assert list(item.prompt) == backend.format_prompt(extraction_messages(schema, item.example.text))
    assert backend.detokenize(item.prompt).endswith(">>>\nassistant\n")  # the generation prompt
    assert item.target[-1] == backend.end_of_turn
    assert (
        backend.detokenize(item.target[:-1])
        == item.answer
        == generation_target(schema, item.example.expected)
    )


def test_the_split_holds_out_a_fifth_of_each_schema(backend: LlamaCppBackend) -> None:
    data = prepare(THIRTY, backend, eval_split=0.2, seed=3)
    assert (len(data.train), len(data.eval)) == (24, 6)
    assert {i.example.label for i in data.eval} == {i.example.label for i in data.train}
    assert not {i.example.line for i in data.eval} & {i.example.line for i in data.train}
    assert prepare(THIRTY, backend, seed=3).eval == data.eval  # same seed, same split


def test_bad_lines_are_skipped_by_number_with_the_reason(tmp_path: Path, backend: LlamaCppBackend) -> None:
    lines = THIRTY.read_text().splitlines()
    good = json.loads(lines[0])
    invalid = dict(good, expected={"name": "Ann"})  # email is required
    refused = dict(good, expected=None, expect_error=True)
    file = tmp_path / "examples.jsonl"
    file.write_text("\n".join([*lines[:3], json.dumps(invalid), "not json", json.dumps(refused), *lines[3:]]))
    data = prepare(file, backend)
    reasons = {s.line: s.reason for s in data.skipped}
    assert sorted(reasons) == [4, 5, 6]
    assert "expected is not valid against its schema" in reasons[4]
    assert "not JSON" in reasons[5]
    assert "expect_error" in reasons[6]
    assert len(data.train) + len(data.eval) == 30


def test_fewer_than_twenty_examples_are_refused_with_the_reason(
    tmp_path: Path, backend: LlamaCppBackend
) -> None:
    file = tmp_path / "few.jsonl"
    file.write_text("\n".join(THIRTY.read_text().splitlines()[: MIN_EXAMPLES - 1]))
    with pytest.raises(BadInput, match=r"19 usable example\(s\).*at least 20.*held out"):
        prepare(file, backend)


def test_too_long_items_are_skipped(tmp_path: Path, backend: LlamaCppBackend) -> None:
    full = prepare(THIRTY, backend)
    lengths = sorted(item.length for item in [*full.train, *full.eval])
    limit = lengths[len(lengths) // 2]
    data = prepare(THIRTY, backend, max_length=limit, minimum=1)
    assert len(data.skipped) == sum(1 for n in lengths if n > limit) > 0
    assert all("too long" in s.reason for s in data.skipped)
    assert all(item.length <= limit for item in [*data.train, *data.eval])
