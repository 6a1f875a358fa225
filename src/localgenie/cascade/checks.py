"""The checks an earlier stage's answer must pass before a cascade returns it, all done by code.

An answer is *accepted* only when it is schema-valid (the core guarantees that, or raises), every
value it copied is found in the text, and every leaf's weakest token is at least ``min_confidence``
probable.  "Copied" is strict for a cheap stage: every string that is not one of the schema's own
words (``enum`` / ``const``) and every number must stand in the text (as is, or in a form the
grounding code reads: "thirty" → 30, "5th Ave." → "5th Avenue"), unless the schema marks the field
``"x-grounded": false`` (a summary, a translation).  A small model that writes a value the text does
not hold has usually invented it.

`early_reasons` applies the copy check to a `Partial` while the answer is being written, so a stage
that has already written an invented value is stopped there instead of paid to the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..structured import Extraction, Partial
from ..structured.grounding import ground, must_ground
from ..structured.partial import pointer as path_pointer
from ..structured.pointers import leaves
from ..structured.schema import Schema


def copied(schema: Schema, value: Any) -> list[str]:
    """The pointers of ``value``'s leaves a cheap stage must have copied from the text: its strings
    and numbers, less the schema's own words and the fields marked ``"x-grounded": false``."""
    return must_ground(schema, _numbers_as_text(value), all_strings=True)


def _numbers_as_text(value: Any) -> Any:
    """Numbers written as strings, so `must_ground` (which judges strings) judges them too."""
    if isinstance(value, dict):
        return {key: _numbers_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_as_text(item) for item in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _quote(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def not_in_text(text: str, schema: Schema, value: Any, only: Iterable[str] | None = None) -> list[str]:
    """One reason per copied leaf (of ``only``, when given) that the text does not hold."""
    found = leaves(value)
    spans = ground(text, value)
    wanted = set(only) if only is not None else None
    return [
        f"{pointer} {_quote(found[pointer])} is not in the text"
        for pointer in copied(schema, value)
        if spans.get(pointer) is None and (wanted is None or pointer in wanted)
    ]


def early_reasons(text: str, schema: Schema, partial: Partial) -> list[str]:
    """`not_in_text` for the values this snapshot holds complete (a value being written is not judged)."""
    done = {path_pointer(path) for path in partial.complete_paths}
    if not done:
        return []
    return not_in_text(text, schema, partial.value, only=done)


def answer_reasons(text: str, schema: Schema, result: Extraction[Any], min_confidence: float) -> list[str]:
    """Why an earlier stage's finished answer is not good enough (empty: accept it)."""
    reasons: list[str] = []
    must = set(copied(schema, json.loads(result.raw))) if result.raw else set()
    for pointer, span in result.spans.items():
        if span is None and pointer in must:
            reasons.append(f"{pointer} {_quote(result.leaves.get(pointer))} is not in the text")
    for pointer, known in result.unsure(min_confidence).items():
        if known is None:
            reasons.append(f"{pointer}: the model gave no confidence for it")
        else:
            value = _quote(result.leaves.get(pointer))
            reasons.append(f"{pointer} {value}: confidence {known.min:.2f} < {min_confidence:.2f}")
    return reasons
