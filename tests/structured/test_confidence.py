"""Confidence: each leaf's tokens are found by their characters in the raw answer, and their probabilities
summed up as min and mean, forced tokens left out.  Pure code over hand-built token lists."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

from localgenie.llm.base import Token
from localgenie.llm.llamacpp import LlamaCppBackend
from localgenie.structured.confidence import Confidence, leaf_confidence, token_ranges, value_ranges


def sampled(text: str, p: float) -> Token:
    return Token(text, None, math.log(p), "sampled")


def forced(text: str) -> Token:
    return Token(text, None, 0.0, "forced")


def drafted(text: str, p: float) -> Token:
    return Token(text, None, math.log(p), "drafted")


def close(found: Confidence, low: float, mean: float, tokens: int) -> bool:
    return math.isclose(found.min, low) and math.isclose(found.mean, mean) and found.tokens == tokens


def test_a_value_scores_the_tokens_that_spell_it_min_and_mean_forced_ones_left_out() -> None:
    # {"name":"Ann","age":30}: keys forced; the values, and some punctuation, chosen by the model.
    tokens = [
        forced('{"name":"'),
        sampled("An", 0.9),
        drafted("n", 0.6),  # a verified draft: a real probability, counted like a sampled token
        sampled('","', 0.3),  # punctuation only: one spelling of '","' among several, not counted
        forced('age":'),
        sampled("3", 0.5),
        sampled("0", 0.7),
        sampled("}", 0.2),
    ]
    raw = "".join(t.text for t in tokens)
    assert raw == '{"name":"Ann","age":30}'
    found = leaf_confidence(raw, tokens, ["/name", "/age"])
    assert close(found["/name"], 0.6, (0.9 + 0.6) / 2, 2)
    assert close(found["/age"], 0.5, (0.5 + 0.7) / 2, 2)


def test_a_token_that_spells_part_of_a_value_and_punctuation_counts() -> None:
    tokens = [forced('{"a":"'), sampled('x","', 0.4), forced('b":'), sampled("7,", 0.5), forced('"c":""}')]
    raw = '{"a":"x","b":7,"c":""}'
    found = leaf_confidence(raw, tokens, ["/a", "/b", "/c"])
    assert close(found["/a"], 0.4, 0.4, 1) and close(found["/b"], 0.5, 0.5, 1)
    assert found["/c"] == Confidence(1.0, 1.0, 0)  # an empty string: its quotes, here forced


def test_a_value_the_grammar_wrote_alone_is_certain() -> None:
    tokens = [forced('{"kind":"invoice","n":'), sampled("7", 0.4), forced("}")]
    raw = '{"kind":"invoice","n":7}'
    found = leaf_confidence(raw, tokens, ["/kind", "/n"])
    assert found["/kind"] == Confidence(1.0, 1.0, 0)
    assert close(found["/n"], 0.4, 0.4, 1)


def test_a_token_split_inside_a_character_counts_with_the_one_that_completes_it() -> None:
    # "é" arrives as two byte tokens: the first has no text of its own.
    tokens = [
        forced('{"c":"'),
        sampled("Jos", 0.9),
        Token("", None, math.log(0.2), "sampled"),
        sampled("é", 0.8),
    ]
    tokens.append(sampled('"}', 0.99))
    raw = '{"c":"José"}'
    assert token_ranges(tokens) == [(0, 6), (6, 9), (9, 10), (9, 10), (10, 12)]
    found = leaf_confidence(raw, tokens, ["/c"])
    assert close(found["/c"], 0.2, (0.9 + 0.2 + 0.8) / 3, 3)


def test_items_and_nested_objects_map_by_pointer() -> None:
    raw = '{"items":[{"sku":"A1","qty":2},{"sku":"B2","qty":10}],"a/b":true}'
    ranges = value_ranges(raw)
    assert {p: raw[a:b] for p, (a, b) in ranges.items()} == {
        "/items/0/sku": '"A1"',
        "/items/0/qty": "2",
        "/items/1/sku": '"B2"',
        "/items/1/qty": "10",
        "/a~1b": "true",
    }


def test_whitespace_in_a_servers_answer_does_not_shift_the_ranges() -> None:
    raw = '{ "a" : [ 1 , "x" ] ,\n "b" : null }'
    ranges = value_ranges(raw)
    assert {p: raw[a:b] for p, (a, b) in ranges.items()} == {"/a/0": "1", "/a/1": '"x"', "/b": "null"}


def test_a_dropped_optional_field_has_no_leaf_and_so_no_confidence() -> None:
    # The model wrote "phone":null; code left it out (optional.drop_absent): only the leaves asked for count.
    tokens = [forced('{"name":"'), sampled("Bo", 0.9), sampled('","phone":', 0.7), sampled("null", 0.3)]
    tokens.append(forced("}"))
    raw = '{"name":"Bo","phone":null}'
    found = leaf_confidence(raw, tokens, ["/name"])
    assert list(found) == ["/name"]


def test_no_log_probabilities_means_no_confidence_not_a_made_up_one() -> None:
    tokens = [Token('{"a":"x"}', None, None, "sampled")]  # a server that sent none
    assert leaf_confidence('{"a":"x"}', tokens, ["/a"]) == {}


def test_tokens_that_do_not_spell_the_answer_give_nothing() -> None:
    assert leaf_confidence('{"a":1}', [sampled('{"a":2}', 0.5)], ["/a"]) == {}


def test_one_chunk_for_many_leaves_counts_for_each_of_them() -> None:
    # A server that streams whole chunks with a summed log-probability: every leaf in it shares the chunk's.
    raw = '{"a":"x","b":"y"}'
    found = leaf_confidence(raw, [sampled(raw, 0.25)], ["/a", "/b"])
    assert found["/a"] == found["/b"] == Confidence(0.25, 0.25, 1)


@pytest.mark.parametrize("raw", ["", "{", '{"a":}', "[1,]", '{"a":1} x'])
def test_value_ranges_of_something_that_is_not_json_are_empty(raw: str) -> None:
    assert value_ranges(raw) == {}


def test_a_drafted_token_keeps_the_log_probability_of_its_own_batch_row() -> None:
    """The decoder's draft check: a drafted token is kept only where it is the row's argmax, and gets
    that row's log-softmax, a real probability (not the 0.0 of a forced token)."""
    rows = [np.array(row, dtype=np.float32) for row in ([2.0, 1.0, 0.0], [0.0, 3.0, 3.5], [1.0, 0.0, 5.0])]
    unmasked = types.SimpleNamespace(_allowed=lambda matcher: None)
    kept = LlamaCppBackend._verify(unmasked, [0, 2, 1], rows, None)  # type: ignore[arg-type]
    # The third token (1) is not row 2's argmax (2): the draft is cut there.
    assert [token for token, _ in kept] == [0, 2]
    for (token, logprob), row in zip(kept, rows, strict=False):
        exact = float(row[token] - np.log(np.exp(row.astype(np.float64)).sum()))
        assert math.isclose(logprob, exact, rel_tol=1e-6)
    assert math.exp(kept[0][1]) == pytest.approx(0.665, abs=1e-3)  # 0.665: unsure, and reported so
