"""Text + schema → data that is valid against the schema, or a clear error.

`extract_details` builds the extraction prompt and runs the validate-and-retry
loop of `localgenie.structured.complete`.  Invalid data is never returned.
`Extractor` is its shape, the one apps take as a parameter.  The public
``localgenie.extract`` (schema in any form, logging) is built on it in
``localgenie.api``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from ..errors import BadInput
from ..llm import Backend, get_backend
from .complete import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_TOKENS,
    Extraction,
    StreamEvent,
    complete_stream,
    fits,
    run_to_end,
)
from .long import MAX_PASSES, MIN_CHUNK_TOKENS, chunk_schema, chunked_stream, needs_chunks, plan
from .prompt import extraction_messages
from .schema import Schema, load_schema, resolve_local_ref

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_TOKENS",
    "Extraction",
    "Extractor",
    "answer_budget",
    "check_text",
    "extract_details",
    "extract_stream",
]

# The answer's token budget when the caller sets none: room for every value copied from the text, plus
# the keys and punctuation the schema needs, with margin.  A fixed 1,024 cut off a complex answer whose
# text alone was longer; a larger fixed cap lets a loop run for minutes (the loop guard stops most).
BUDGET_FLOOR = 256
BUDGET_CEILING = 4096


def check_text(text: object) -> str:
    """Reject input that cannot be meant as text, with the reason."""
    if not isinstance(text, str):
        raise BadInput(f"text must be a string, not {type(text).__name__}")
    if not text.strip():
        raise BadInput("the text is empty: give the text to extract from")
    nul = text.find("\x00")
    if nul >= 0:
        raise BadInput(
            f"the text contains a NUL byte at character {nul}: it looks like binary data, not text"
        )
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(8, len(text) // 100):
        raise BadInput(f"the text has {controls} control characters: it looks like binary data, not text")
    return text


class Extractor(Protocol):
    """What an app asks of the model: ``text`` + ``schema`` → an `Extraction` (or an error).

    `extract_details` here and ``localgenie.extract_details`` are extractors; an app takes one as a
    parameter, so the same code runs on the embedded model, on a shared backend (the web app's queue,
    with its own token bounds) or on a scripted answer in tests.  The value is the parsed JSON, an
    instance for a Pydantic model class; ``usage`` and ``attempts`` say what it cost.
    """

    def __call__(
        self,
        text: str,
        schema: Schema | type[BaseModel],
        *,
        model: str | None = None,
        max_tokens: int | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> Extraction[Any]: ...


def extract_stream(
    text: str,
    schema: Schema | str | Path | bool | type[BaseModel],
    *,
    model: str | None = None,
    backend: Backend | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    max_tokens: int | None = None,
    grounded_only: bool = False,
    passes: int = 1,
    chunk_tokens: int | None = None,
) -> Iterator[StreamEvent]:
    """`extract_details` as a stream: `Partial` snapshots of the answer as it grows, a `Retry` when an
    attempt failed, then the `Extraction` (see `complete_stream`).  Bad input and a bad schema are
    raised here, before anything is generated; so is a schema too big for any chunk of the text to
    fit beside it (`ContextOverflow`).  A text read in chunks yields `long.ChunkPartial` snapshots."""
    check_text(text)
    if not 1 <= passes <= MAX_PASSES:
        raise BadInput(f"passes must be 1 to {MAX_PASSES}, not {passes}")
    if chunk_tokens is not None and chunk_tokens < MIN_CHUNK_TOKENS:
        raise BadInput(f"chunk_tokens must be at least {MIN_CHUNK_TOKENS}, not {chunk_tokens}")
    json_schema = load_schema(schema)
    backend = backend or get_backend(model)
    messages = extraction_messages(json_schema, text)
    text_tokens = backend.count_tokens(text) or len(text) // 3
    budget = max_tokens or answer_budget(json_schema, text_tokens)
    if needs_chunks(text_tokens, lambda: fits(backend, messages, budget), chunk_tokens, passes):
        reading = plan(
            text,
            chunk_schema(json_schema),
            backend,
            max_tokens=max_tokens,
            chunk_tokens=chunk_tokens,
            passes=passes,
            retries=max_retries > 0,
        )
        return chunked_stream(
            text,
            schema if isinstance(schema, type) else json_schema,
            backend,
            reading,
            max_retries=max_retries,
            grounded_only=grounded_only,
        )
    return complete_stream(
        messages,
        schema if isinstance(schema, type) else json_schema,
        backend=backend,
        max_retries=max_retries,
        max_tokens=budget,
        lookup_text=text,
        source_text=text,
        grounded_only=grounded_only,
    )


extract_details = run_to_end(
    extract_stream,
    "extract_details",
    """Extract data matching ``schema`` from ``text``: the `Extraction` record (value, attempts, usage,
    raw text, completed formats, token facts, and per leaf its span in ``text`` and its confidence).

    ``schema`` is a JSON Schema (dict, JSON text or a file path) or a Pydantic model class; with a
    model class the value is an instance of it.  ``model`` names the model (``tiny``, ``default``, a
    ``.gguf`` path, or the model name on a remote server); ``backend`` passes a backend directly.
    ``max_tokens`` defaults to a budget sized from the schema and the text.  Raises `BadInput` for
    unusable input and `SchemaViolation` when no valid answer came after the retries.

    A text too long for the model's context is read in overlapping chunks whose answers are merged
    (`localgenie.structured.long`); ``chunk_tokens`` caps a chunk's size (a longer text is chunked even
    when it would fit), ``passes=2`` reads the text a second time with the cuts moved, for recall.

    Fields the schema marks ``"x-grounded": true`` must be found in ``text``; ``grounded_only=True``
    asks that of every string that is not an enum as well (``"x-grounded": false`` exempts a field).  A
    value that is not in the text is retried with a message naming the field, then `SchemaViolation`.
    """,
)


def answer_budget(schema: Schema, text_tokens: int) -> int:
    """Tokens to allow for an extraction's answer: the text's values, the schema's keys, margin.

    Values are mostly copied, so they are bounded by the text (twice it, for
    numbers and dates rewritten longer); keys and punctuation cost about a token
    per three characters of property name, once per object, and an array of
    objects repeats them for every item the text may hold.
    """
    keys, repeated = _key_chars(schema, schema, 0)
    items = max(1, text_tokens // 12) if repeated else 0
    budget = 64 + 2 * text_tokens + (keys + repeated * items) // 3
    return max(BUDGET_FLOOR, min(BUDGET_CEILING, budget))


def _key_chars(root: Schema, node: Any, depth: int) -> tuple[int, int]:
    """(characters of keys written once, characters of keys written once per array item)."""
    if not isinstance(node, dict) or depth > 8:
        return 0, 0
    node = resolve_local_ref(root, node)
    once = repeated = 0
    properties = node.get("properties")
    if isinstance(properties, dict):
        for key, child in properties.items():
            once += len(key) + 4
            a, b = _key_chars(root, child, depth + 1)
            once, repeated = once + a, repeated + b
    items = node.get("items")
    if isinstance(items, dict):
        a, b = _key_chars(root, items, depth + 1)
        repeated += a + b
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(key, []) if isinstance(node.get(key), list) else []:
            a, b = _key_chars(root, branch, depth + 1)
            once, repeated = once + a, repeated + b
    return once, repeated
