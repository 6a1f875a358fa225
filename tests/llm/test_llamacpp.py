"""The embedded backend on the real tiny model: streaming, usage, constrained decoding, fast-forward."""

from __future__ import annotations

import json
from typing import Any

import pytest

from localgenie import BadInput, ContextOverflow, GenerationOptions, Message
from localgenie.llm.llamacpp import is_looping
from localgenie.structured import json_constraint, schema_errors
from localgenie.structured.prompt import extraction_messages

from ..conftest import SEED_TEXT

QUESTION = [Message("system", "You are terse."), Message("user", "Name three colours.")]


def test_streamed_chunks_add_up_to_the_text_and_usage_is_counted(tiny: Any) -> None:
    response = tiny.prompt(QUESTION, GenerationOptions(max_tokens=24))
    chunks = list(response)
    assert len(chunks) > 1
    assert "".join(chunks) == response.text()
    assert response.usage.completion_tokens == 24 or response.finish_reason == "stop"
    assert response.usage.prompt_tokens > 5
    assert response.usage.forward_passes >= 1


def test_greedy_answers_do_not_depend_on_what_ran_before_and_reuse_the_cache(tiny: Any) -> None:
    long_system = Message("system", "You are terse. " + "Answer in one line. " * 60)
    question = [long_system, Message("user", "Name three colours.")]
    fresh = tiny.prompt(question, GenerationOptions(max_tokens=16))
    fresh_text = fresh.text()
    tiny.prompt([long_system, Message("user", "Name a fruit.")], GenerationOptions(max_tokens=8)).text()
    again = tiny.prompt(question, GenerationOptions(max_tokens=16))
    assert again.text() == fresh_text
    assert again.usage.cached_prompt_tokens >= 128  # the shared system prompt was not evaluated again


def test_sampling_follows_the_seed(tiny: Any) -> None:
    def sample(seed: int) -> str:
        return str(tiny.prompt(QUESTION, GenerationOptions(max_tokens=12, temperature=1.0, seed=seed)).text())

    assert sample(7) == sample(7)
    assert len({sample(s) for s in range(4)}) > 1


def test_a_schema_constrains_the_output_to_compact_valid_json(
    tiny: Any, person_schema: dict[str, Any]
) -> None:
    messages = extraction_messages(person_schema, SEED_TEXT)
    text = tiny.prompt(
        messages, GenerationOptions(max_tokens=200, constraint=json_constraint(person_schema))
    ).text()
    value = json.loads(text)
    assert schema_errors(person_schema, value) == []
    assert text == json.dumps(value, separators=(",", ":"), ensure_ascii=False)  # no whitespace tokens


def test_drafting_from_the_input_saves_forward_passes(tiny: Any, person_schema: dict[str, Any]) -> None:
    """Drafted tokens are kept only where the model's own greedy choice (on the batch's logits) agrees.

    A batched pass rounds differently from a one-token pass, so on a near-tie
    the drafted answer can differ from the plain one (the tiny model has many
    near-ties); tests/test_seed_default.py checks the two agree on `default`.
    """
    messages = extraction_messages(person_schema, SEED_TEXT)
    plain = tiny.prompt(
        messages, GenerationOptions(max_tokens=200, constraint=json_constraint(person_schema))
    )
    drafted = tiny.prompt(
        messages,
        GenerationOptions(max_tokens=200, constraint=json_constraint(person_schema), lookup_text=SEED_TEXT),
    )
    for response in (plain, drafted):
        assert schema_errors(person_schema, json.loads(response.text())) == []
    drafted_rate = drafted.usage.forward_passes / drafted.usage.completion_tokens
    plain_rate = plain.usage.forward_passes / plain.usage.completion_tokens
    assert drafted_rate < plain_rate < 1  # forced keys and punctuation alone already beat one pass per token


def test_a_model_stuck_in_a_loop_is_stopped_early() -> None:
    assert is_looping([5, 9] * 16)
    assert is_looping([1, 2, 3, 4, 5, 6, 7] * 5)
    assert not is_looping([5, 9] * 15)  # 30 tokens: not yet
    assert not is_looping(list(range(40)))
    assert not is_looping([1, 2, 3, 4, 5, 6, 7, 8, 9] * 6)  # a period longer than 8 is not a stutter


def test_max_tokens_cuts_the_answer_and_says_so(tiny: Any) -> None:
    response = tiny.prompt(QUESTION, GenerationOptions(max_tokens=3))
    response.text()
    assert response.usage.completion_tokens <= 3
    assert response.finish_reason in ("length", "stop")


def test_a_prompt_longer_than_the_context_is_refused_with_token_counts(tiny: Any) -> None:
    long = [Message("user", "word " * 20_000)]
    with pytest.raises(ContextOverflow, match=r"the prompt is [\d,]+ tokens"):
        tiny.prompt(long, GenerationOptions(max_tokens=10))


def test_images_are_refused_by_the_embedded_model_not_silently_dropped(tiny: Any) -> None:
    looking = [Message("user", "What is in this photo?", images=("data:image/jpeg;base64,/9j/",))]
    with pytest.raises(BadInput, match="cannot see images"):
        tiny.prompt(looking)


def test_each_token_says_what_it_was_and_how_likely(tiny: Any, person_schema: dict[str, Any]) -> None:
    """The seam streaming, confidence and the cascade read: ids, log-probabilities, forced/drafted/sampled."""
    messages = extraction_messages(person_schema, SEED_TEXT)
    options = GenerationOptions(
        max_tokens=200, constraint=json_constraint(person_schema), lookup_text=SEED_TEXT
    )
    response = tiny.prompt(messages, options)
    tokens = list(response.tokens())
    assert "".join(t.text for t in tokens) == response.text()
    assert len(tokens) == response.usage.completion_tokens
    kinds = {t.kind for t in tokens}
    assert {"forced", "sampled"} <= kinds  # keys are forced, values chosen
    for token in tokens:
        assert token.id is not None and token.logprob is not None and token.logprob <= 0.0
        if token.kind == "forced":
            assert token.logprob == 0.0  # certain: the grammar allowed nothing else
    sampled = [t for t in tokens if t.kind != "forced"]
    assert any(t.logprob < 0 for t in sampled)
    assert response.usage.accepted_draft_tokens == sum(1 for t in tokens if t.kind == "drafted")


def test_a_response_read_in_part_ends_and_frees_the_model(tiny: Any) -> None:
    """A reader that stops early (a loop guard, a closed browser tab) must not keep the model locked."""
    response = tiny.prompt(QUESTION, GenerationOptions(max_tokens=24))
    pieces = response.tokens()
    first = next(pieces)
    pieces.close()
    assert response.done and response.finish_reason == "cancelled"
    assert response.text() == first.text  # what was read stays readable; nothing is generated again
    assert response.usage.completion_tokens == 1  # counted even though the loop never finished
    again = tiny.prompt(QUESTION, GenerationOptions(max_tokens=4))
    assert again.text()  # the lock was released: before, this call waited forever


def test_a_retry_reuses_the_whole_first_prompt_from_the_cache(
    tiny: Any, person_schema: dict[str, Any]
) -> None:
    """Prompts are evaluated in chunks that start at each message, so a longer conversation with the same
    beginning (a retry) reuses every chunk of it: not only multiples of 128 tokens."""
    messages = extraction_messages(person_schema, SEED_TEXT)
    first = tiny.prompt(messages, GenerationOptions(max_tokens=8))
    first.text()
    retry = [*messages, Message("assistant", "{}"), Message("user", "Fix it.")]
    again = tiny.prompt(retry, GenerationOptions(max_tokens=8))
    again.text()
    assert again.usage.cached_prompt_tokens >= first.usage.prompt_tokens - 4  # all but the generation prompt
