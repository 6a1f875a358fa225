"""Many items from one text: a schema for *one* item becomes ``{"items": [ITEM, ...]}``.

The model is told what an item is through the schema itself: the ``items`` array carries a
description ("every ... the text mentions, once each, in order; none invented") that the prompt's
field list shows next to the item's own fields.  That is the only channel a wrapper has into the
prompt without changing it, and it keeps the instruction with the schema on every backend.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field, create_model

from ..errors import SchemaError
from ..llm.base import Backend, GenerationOptions, Message, Response, Token
from .partial import StringState
from .schema import Schema, load_schema

ITEMS_KEY = "items"


def items_description(item_schema: Schema) -> str:
    """What the ``items`` array holds, in words the model reads in its field list."""
    what = item_schema.get("title") or item_schema.get("description")
    noun = f"{what!s}" if isinstance(what, str) and len(what) <= 80 else "item"
    return (
        f"every {noun} the text mentions, each once, in the order they appear; "
        "an empty list when there is none; never invent one"
    )


def items_schema(item_schema: Schema, *, max_items: int | None = None) -> Schema:
    """Wrap a checked JSON Schema for one item as an object with an ``items`` array of them.

    ``$defs`` move to the new root so that ``#/$defs/...`` references keep pointing at them; any other
    reference into the item (``#``, ``#/properties/...``) would change meaning, and is refused.
    """
    item = copy.deepcopy(item_schema)
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        if isinstance(item.get(key), dict):
            defs[key] = item.pop(key)
    for ref in _refs(item) + _refs(defs):
        if not any(ref.startswith(f"#/{key}/") for key in defs):
            raise SchemaError(
                f"this schema refers to itself with $ref {ref!r}, which cannot be kept when it is wrapped "
                "for many items: put the referenced part under $defs and refer to it as '#/$defs/NAME'"
            )
    item.pop("$schema", None)
    array: Schema = {"type": "array", "description": items_description(item_schema), "items": item}
    if max_items is not None:
        array["maxItems"] = max_items
    wrapper: Schema = {"type": "object", "properties": {ITEMS_KEY: array}, "required": [ITEMS_KEY]}
    if "$schema" in item_schema:
        wrapper = {"$schema": item_schema["$schema"], **wrapper}
    wrapper.update(defs)
    return load_schema(wrapper)


def items_model(model: type[BaseModel], *, max_items: int | None = None) -> type[BaseModel]:
    """The Pydantic counterpart of `items_schema`: a model with ``items: list[model]``."""
    description = items_description(model.model_json_schema())
    field: Any = Field(description=description, max_length=max_items)
    wrapper: type[BaseModel] = create_model(f"{model.__name__}Items", items=(list[model], field))  # type: ignore[valid-type]
    return wrapper


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        for key, value in node.items():
            if key not in ("enum", "const", "examples", "default"):
                found.extend(_refs(value))
        return found
    if isinstance(node, list):
        return [ref for child in node for ref in _refs(child)]
    return []


LOOP_REPEATS = 3  # the same run of items three times over is a loop, not a text that lists it thrice


class ItemLoopGuard:
    """A backend wrapper that ends a many-items answer once the model starts going round in circles.

    Small models asked for a list often write the right items and then start again from the first
    (``Alice, Bob, Alice, Bob, ...``) until the token cap cuts the JSON off, and the whole answer is
    lost.  The same run of items written `LOOP_REPEATS` times in a row is taken as such a loop: the
    answer is ended after the first run (``]}`` closes it, and the validator still checks it).  A text
    that really lists the same item two times in a row keeps both.

    The answer streams up to the end of the last item that repeats no earlier one (`ItemScanner.safe`):
    no cut can reach back before such an item, so what was shown always stays.  An item equal to an
    earlier one is held back until the list moves on to something new (or ends).
    """

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.info = backend.info

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        inner = self._backend.prompt(messages, options)
        return Response(lambda outer: self._guarded(inner, outer), inner.usage)

    def count_tokens(self, text: str) -> int | None:
        return self._backend.count_tokens(text)

    def _guarded(self, inner: Response, outer: Response) -> Iterator[Token]:
        """The inner answer's tokens (their log-probabilities feed each leaf's confidence), passed on up
        to `ItemScanner.safe`; after a cut, those before it and a ``]}`` that code wrote ("forced")."""
        scanner = ItemScanner()
        stream = inner.tokens()
        held: list[Token] = []  # tokens not passed on yet
        sent = 0  # characters passed on
        try:
            for token in stream:
                held.append(token)
                cut = scanner.feed(token.text)
                if cut is not None:
                    outer.finish_reason = "stop"
                    if not inner.usage.completion_tokens:  # the backend counts only when it finishes
                        inner.usage.completion_tokens = self._backend.count_tokens(scanner.text) or 0
                    yield from _prefix(held, len(cut) - len(CLOSE) - sent)
                    yield Token(CLOSE, None, 0.0, "forced")
                    return
                while held and sent + len(held[0].text) <= scanner.safe:
                    sent += len(held[0].text)
                    yield held.pop(0)
            outer.finish_reason = inner.finish_reason
            yield from held
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stop the model now (and free it), not when the generator is collected


CLOSE = "]}"


def _prefix(tokens: list[Token], length: int) -> Iterator[Token]:
    """The tokens that spell the first ``length`` characters (the last one cut to fit)."""
    at = 0
    for token in tokens:
        if at + len(token.text) <= length:
            yield token
            at += len(token.text)
            continue
        if at < length:
            yield Token(token.text[: length - at], None, token.logprob, token.kind)
        return


class ItemScanner:
    """Follows compact ``{"items":[...]}`` JSON as it streams and notices a repeated run of items."""

    def __init__(self) -> None:
        self.text = ""
        self._pos = 0
        self._depth = 0
        self._string = StringState()
        self._start: int | None = None
        self._items: list[str] = []
        self._ends: list[int] = []
        self._distinct: set[str] = set()
        self.safe = 0  # the text up to here is kept whatever follows (the end of the last new item)

    @property
    def items(self) -> list[str]:
        """The raw JSON of each complete item so far."""
        return list(self._items)

    def feed(self, chunk: str) -> str | None:
        """Add generated text; returns the answer cut after the first run once a loop shows, else None."""
        self.text += chunk
        text = self.text
        while self._pos < len(text):
            char, at = text[self._pos], self._pos
            self._pos += 1
            if self._string.inside:
                self._string.closes(char)
                continue
            if char in "{[":
                self._begin(at)
                self._depth += 1
                if char == "{" or self._depth != 2:
                    continue
            elif char in "}]":
                self._depth -= 1
                if self._depth == 2 and self._start is not None:
                    cut = self._finish(at + 1)  # an object or array item just closed
                elif self._depth == 1 and char == "]" and self._start is not None:
                    cut = self._finish(at)  # the list closed after a scalar item
                else:
                    continue
                if cut is not None:
                    return cut
            elif char == ",":
                if self._depth == 2 and self._start is not None:
                    cut = self._finish(at)
                    if cut is not None:
                        return cut
            elif char == '"':
                self._begin(at)
                self._string.inside = True
            elif not char.isspace():
                self._begin(at)
        return None

    def _begin(self, at: int) -> None:
        if self._depth == 2 and self._start is None:
            self._start = at

    def _finish(self, end: int) -> str | None:
        assert self._start is not None
        self._items.append(self.text[self._start : end])
        self._ends.append(end)
        self._start = None
        items = self._items
        for run in range(1, len(items) // LOOP_REPEATS + 1):
            tail = [items[len(items) - (i + 1) * run : len(items) - i * run] for i in range(LOOP_REPEATS)]
            if all(part == tail[0] for part in tail):
                keep = len(items) - (LOOP_REPEATS - 1) * run
                return self.text[: self._ends[keep - 1]] + "]}"
        # A cut keeps every item up to the last one that repeats no earlier item (the items it drops
        # are copies of the ones a run before them), so the text up to a new item's end is safe.
        if items[-1] not in self._distinct:
            self._distinct.add(items[-1])
            self.safe = end
        return None
