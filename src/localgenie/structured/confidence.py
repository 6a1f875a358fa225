"""How sure the model was of each value: its tokens' probabilities, read from the decoder's own facts.

Every answer token is a `Token` with the log-probability the model gave it
under the grammar's mask and where it came from (``sampled``, ``forced``,
``drafted``).  A leaf's tokens are the ones whose characters overlap the
characters that spell its value in the raw JSON answer: a string's content
inside its quotes (its quotes when it is empty), a number's digits, a
literal's letters.  A token split inside a multi-byte character (empty
``text``) belongs with the token that completes the character.

Tokens that touch only a string's quotes or the punctuation around a value
(``":"``, ``","``) do not count, although the model chose them: the grammar
lets the same characters be written as different tokens (``":"`` or ``":`` then
``"``), so the chosen token's probability is mostly a choice between spellings
of one text, not between values.  (On the seed example the token ``":"``
before the street, a required string, had probability 0.57, though every
alternative spelled the same characters.)  The cost: the decision where a
value ends ("30", not "300") is not measured.

**Forced** tokens do not count: the grammar allowed nothing else, so they say
nothing about the model (their probability is 1).  A leaf made of forced
tokens only (a ``const``, the rest of an enum value) has confidence 1.0.
**Drafted** tokens count: the decoder verifies a draft on the batch's own logits and keeps a drafted token
only where it is the masked argmax, and records that row's log-probability,
the same number greedy decoding would have recorded for it.  Sampled tokens of
a retry (temperature 0.3) report the model's unscaled distribution.

Probabilities are under the mask: the model's distribution renormalised over
the tokens the grammar allowed, so a value is "sure" relative to the other
values the schema would accept, not to free text.  A backend that gives no
log-probabilities (some servers) gives no confidence: the leaf is absent from
the result, never filled in.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..llm.base import Token
from .pointers import escape

Range = tuple[int, int]

_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")
_WHITESPACE = " \t\n\r"
# The standard library's string reader (C-accelerated): (the decoded string, the index after its quote).
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Confidence:
    """The probabilities of one value's tokens that the model chose (forced tokens left out).

    ``min`` is the weakest token (what a threshold should look at: one unsure
    digit makes a wrong number), ``mean`` the average, ``tokens`` how many
    counted (0 when every token was forced: then both are 1.0).
    """

    min: float
    mean: float
    tokens: int


def value_ranges(raw: str) -> dict[str, Range]:
    """The character range of every scalar in the JSON text ``raw``, by JSON pointer; empty when ``raw``
    is not JSON (an answer is only ever read here after it parsed)."""
    ranges: dict[str, Range] = {}
    try:
        end = _scan(raw, _skip(raw, 0), "", ranges)
    except (ValueError, IndexError):
        return {}
    return ranges if _skip(raw, end) == len(raw) else {}


def token_ranges(tokens: Sequence[Token]) -> list[Range]:
    """Where each token's text stands in the joined text; an empty-text token (part of a multi-byte
    character) shares the range of the token that completes the character."""
    ranges: list[Range] = []
    pending = 0
    at = 0
    for token in tokens:
        if not token.text:
            pending += 1
            continue
        end = at + len(token.text)
        ranges.extend([(at, end)] * (pending + 1))
        pending = 0
        at = end
    ranges.extend([(at, at)] * pending)
    return ranges


def leaf_confidence(raw: str, tokens: Sequence[Token], pointers: Iterable[str]) -> dict[str, Confidence]:
    """`Confidence` for each pointer whose value's tokens all carry a log-probability.

    Empty when the tokens do not spell ``raw`` (nothing to align) or the
    backend reported no log-probabilities.
    """
    if "".join(token.text for token in tokens) != raw:
        return {}
    values = value_ranges(raw)
    spans = token_ranges(tokens)
    ends = [end for _, end in spans]
    result: dict[str, Confidence] = {}
    for pointer in pointers:
        where = values.get(pointer)
        if where is None:
            continue
        start, end = where
        if raw[start] == '"' and end - start > 2:
            start, end = start + 1, end - 1
        chosen: list[Token] = []
        for i in range(bisect_right(ends, start), len(tokens)):
            if spans[i][0] >= end:
                break
            if tokens[i].kind != "forced":
                chosen.append(tokens[i])
        found = _confidence(chosen)
        if found is not None:
            result[pointer] = found
    return result


def _confidence(tokens: list[Token]) -> Confidence | None:
    if not tokens:
        return Confidence(1.0, 1.0, 0)
    logprobs = [token.logprob for token in tokens]
    if any(lp is None for lp in logprobs):
        return None
    probabilities = [math.exp(lp) for lp in logprobs if lp is not None]
    return Confidence(min(probabilities), sum(probabilities) / len(probabilities), len(probabilities))


def _skip(raw: str, at: int) -> int:
    while at < len(raw) and raw[at] in _WHITESPACE:
        at += 1
    return at


def _scan(raw: str, at: int, pointer: str, ranges: dict[str, Range]) -> int:
    """Read the JSON value at ``at``; record scalars' ranges; return the index after the value."""
    char = raw[at]
    if char == "{":
        at = _skip(raw, at + 1)
        if raw[at] == "}":
            return at + 1
        while True:
            if raw[at] != '"':
                raise ValueError("expected a key")
            key, at = _scanstring(raw, at + 1)
            at = _skip(raw, at)
            if raw[at] != ":":
                raise ValueError("expected ':'")
            at = _skip(raw, _scan(raw, _skip(raw, at + 1), f"{pointer}/{escape(key)}", ranges))
            if raw[at] == "}":
                return at + 1
            if raw[at] != ",":
                raise ValueError("expected ',' or '}'")
            at = _skip(raw, at + 1)
    if char == "[":
        at = _skip(raw, at + 1)
        if raw[at] == "]":
            return at + 1
        index = 0
        while True:
            at = _skip(raw, _scan(raw, at, f"{pointer}/{index}", ranges))
            if raw[at] == "]":
                return at + 1
            if raw[at] != ",":
                raise ValueError("expected ',' or ']'")
            at = _skip(raw, at + 1)
            index += 1
    if char == '"':
        _, end = _scanstring(raw, at + 1)
        ranges[pointer] = (at, end)
        return end
    match = _SCALAR.match(raw, at)
    if match is None:
        raise ValueError(f"unexpected {char!r}")
    ranges[pointer] = match.span()
    return match.end()
