"""Texts longer than the model's context: read in overlapping chunks, the answers merged by code.

Never one giant prompt.  When the prompt for the whole text would not fit the context (counted before
the model is asked: the instructions, the text and room for the answer), or when the caller caps the
chunk size, the text is cut by `chunks.split` into chunks that each fit with room for their answer,
on paragraph, then sentence, then word boundaries, overlapping by a tenth of a chunk.  Each chunk is
an ordinary extraction (the same prompt, grammar, validation, grounding and retries) under the same
schema with one change: the fields of the top-level object (and of objects inside it, not inside
lists) are optional, so a chunk that does not mention a field says so with ``null`` instead of
inventing a value.  Lists stay required: an empty list is a chunk's "none here".

The chunks' answers are merged by `merge.merge_answers` (lists: union with duplicates merged; values:
the first chunk that grounds one gives it; different grounded values: a `Conflict` on the result),
their spans moved to offsets into the *whole* text.  The merged value is validated against the
caller's full schema by the same code as a single answer (`complete.check_answer`): a required field
that no chunk gives is a `SchemaViolation` naming it, never invalid data.  A chunk that gets no valid
answer after its retries is reported (`Extraction.chunks`, with its error) and the others are kept;
when none does, its `SchemaViolation` is raised.

``passes=2`` reads the text a second time, its chunks starting half a chunk later (cuts between the
first reading's), and merges what it finds the same way: values near a cut, or lost in the middle of
a chunk, get a second chance, as LangExtract's extraction passes do.  A text that fits one prompt is
read once whole and, with ``passes=2``, again from near its middle.

The stream of a chunked run yields, for each chunk, a `ChunkPartial` when it starts (no value yet)
and that chunk's own snapshots as `ChunkPartial` s (the chunk's answer as it grows; ``chunk`` /
``chunks`` say which), its `Retry` s, and last the merged `Extraction`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..errors import ContextOverflow, SchemaViolation
from ..llm import Backend, Token, Usage
from .chunks import Chunk, ChunkReport, boundary_near, split
from .complete import RAW_KEPT_CHARS, Extraction, StreamEvent, check_answer, complete_stream
from .merge import Node, annotate, merge_answers
from .partial import Partial
from .pointers import leaves
from .prompt import extraction_messages
from .schema import Schema, load_schema, resolve_local_ref

MIN_CHUNK_TOKENS = 64  # a chunk shorter than this holds too little text to be worth a prompt
# The chunk size for a backend that does not say its context length (a server), when the caller asks
# for passes but sets no size: what most servers' models hold with room for an answer.
UNKNOWN_CONTEXT_CHUNK_TOKENS = 3000
MAX_PASSES = 3
# Room kept free in each prompt: the chat template's tokens and a tokenizer that joins the fence and the
# text differently than it counts them apart.
MARGIN_TOKENS = 32
MARGIN_SHARE = 0.02
# A retry shows the model its answer (at most `RETRY_ANSWER_CHARS` of it) and what was wrong: a chunk
# leaves room for that too, or its retry would not fit where its first attempt did.
RETRY_ANSWER_TOKENS = 240
RETRY_FEEDBACK_TOKENS = 100


@dataclass(frozen=True)
class ChunkPartial(Partial):
    """A snapshot of one chunk's answer (`Partial`), with which chunk: ``chunk`` of ``chunks`` (counted
    over all passes, from 1), at ``start``-``end`` in the whole text, in reading ``pass_number``.  The
    first one of each chunk has no value yet: the chunk starts."""

    chunk: int = 1
    chunks: int = 1
    start: int = 0
    end: int = 0
    pass_number: int = 1

    def as_json(self) -> dict[str, Any]:
        """`Partial.as_json` with ``chunk``: which chunk, of how many, where, in which pass."""
        place = {"index": self.chunk, "of": self.chunks, "start": self.start, "end": self.end}
        return {**super().as_json(), "chunk": {**place, "pass": self.pass_number}}


@dataclass(frozen=True)
class Plan:
    """How a long text is read: the chunks of every pass, in order, and each chunk's answer budget."""

    chunks: list[tuple[int, Chunk]]  # (pass number, chunk)
    chunk_tokens: int
    max_tokens: int | None


def chunk_schema(schema: Schema) -> Schema:
    """``schema`` with the fields of its top-level object (and of objects under it, not under lists)
    optional, lists excepted: what one chunk is asked, since a chunk may not mention a field."""
    root = copy.deepcopy(dict(schema))
    _relax(root, resolve_local_ref(root, root), 0)
    return load_schema(root)


def _relax(root: dict[str, Any], node: dict[str, Any], depth: int) -> None:
    properties = node.get("properties")
    if not isinstance(properties, dict) or depth > 8:
        return
    required = node.get("required")
    kept: list[str] = []
    for key, child in list(properties.items()):
        if not isinstance(child, dict):
            continue
        resolved = resolve_local_ref(root, child)
        if "$ref" in child and isinstance(resolved.get("properties"), dict):
            resolved = properties[key] = copy.deepcopy(resolved)  # changed here, not in $defs
            resolved.pop("$ref", None)
        if _is_list(resolved) and isinstance(required, list) and key in required:
            kept.append(key)
        _relax(root, resolved, depth + 1)
    if isinstance(required, list):
        if kept:
            node["required"] = kept
        else:
            node.pop("required")


def _is_list(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def plan(
    text: str,
    schema: Schema,
    backend: Backend,
    *,
    max_tokens: int | None,
    chunk_tokens: int | None,
    passes: int,
    retries: bool = True,
    overlap: int | None = None,
) -> Plan:
    """The chunks of every pass.  Raises `ContextOverflow` when not even a short chunk fits beside the
    instructions and the answer's room (the schema alone is too big for the context).  With
    ``retries``, each chunk also leaves room for a retry's feedback."""
    from .extract import answer_budget  # the extraction's budget rule, shared (extract imports this)

    limit = backend.info.context_length
    size = chunk_tokens or 0
    if limit is not None:
        overhead = sum(_count(backend, m.content) for m in extraction_messages(schema, "")) + 16
        overhead += MARGIN_TOKENS + int(limit * MARGIN_SHARE)

        def fits(tokens: int) -> bool:
            answer = max_tokens or answer_budget(schema, tokens)
            retry = min(answer, RETRY_ANSWER_TOKENS) + RETRY_FEEDBACK_TOKENS if retries else 0
            return overhead + tokens + answer + retry <= limit

        low, high = 0, limit
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(middle) else (low, middle - 1)
        size = min(size, low) if size else low
        if size < MIN_CHUNK_TOKENS:
            answer = max_tokens or answer_budget(schema, MIN_CHUNK_TOKENS)
            raise ContextOverflow(
                f"the instructions for this schema take {overhead:,} tokens and its answer needs room for "
                f"{answer:,}: with the model's context of {limit:,} tokens no chunk of the text fits "
                "beside them; use a smaller schema, a lower --max-tokens or a longer-context model"
            )
    size = size or UNKNOWN_CONTEXT_CHUNK_TOKENS

    def count(piece: str) -> int | None:
        return backend.count_tokens(piece)

    first = split(text, size, count, overlap=overlap)
    chunks = [(1, chunk) for chunk in first]
    for number in range(2, max(1, min(passes, MAX_PASSES)) + 1):
        start = boundary_near(text, first[0].end * (number - 1) // passes)
        if start <= 0 or start >= len(text):
            continue
        later = split(text[start:], size, count, overlap=overlap)
        chunks.extend((number, Chunk(c.start + start, c.end + start)) for c in later)
    return Plan([(n, c) for n, c in chunks if text[c.start : c.end].strip()], size, max_tokens)


def _count(backend: Backend, text: str) -> int:
    found = backend.count_tokens(text)
    return found if found is not None else len(text) // 3


def chunked_stream(
    text: str,
    schema: Schema | type[BaseModel],
    backend: Backend,
    the_plan: Plan,
    *,
    max_retries: int,
    grounded_only: bool,
) -> Iterator[StreamEvent]:
    """Run the plan's chunks one after another and merge their answers (the module docstring)."""
    model_class = schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None
    full = load_schema(schema)
    part = chunk_schema(full)
    from .extract import answer_budget

    usage = Usage()
    attempts = 0
    tokens: list[Token] = []
    failures: list[list[tuple[str, str]]] = []
    reports: list[ChunkReport] = []
    answers: list[Node] = []
    last_error: SchemaViolation | None = None
    total = len(the_plan.chunks)
    for index, (number, chunk) in enumerate(the_plan.chunks, 1):
        piece = text[chunk.start : chunk.end]

        def tagged(
            partial: Partial, index: int = index, number: int = number, chunk: Chunk = chunk
        ) -> Partial:
            return ChunkPartial(
                partial.value,
                partial.complete_paths,
                partial.partial_path,
                partial.attempt,
                chunk=index,
                chunks=total,
                start=chunk.start,
                end=chunk.end,
                pass_number=number,
            )

        yield tagged(Partial(None, (), ()))
        budget = the_plan.max_tokens or answer_budget(part, _count(backend, piece))
        events = complete_stream(
            extraction_messages(part, piece),
            part,
            backend=backend,
            max_retries=max_retries,
            max_tokens=budget,
            lookup_text=piece,
            source_text=piece,
            grounded_only=grounded_only,
        )
        try:
            for event in events:
                if isinstance(event, Extraction):
                    usage += event.usage
                    attempts += event.attempts
                    tokens.extend(event.tokens)
                    failures.extend(event.failures)
                    reports.append(ChunkReport(chunk.start, chunk.end, number, event.attempts))
                    # A dict schema: the value is the answer's JSON form, what spans are keyed by.
                    answers.append(annotate(event.value, event.spans, event.confidence, chunk.start))
                elif isinstance(event, Partial):
                    yield tagged(event)
                else:
                    yield event
        except SchemaViolation as error:
            last_error = error
            if error.usage is not None:
                usage += error.usage
            attempts += error.attempts
            failures.extend([error.errors] if error.errors else [])
            reports.append(ChunkReport(chunk.start, chunk.end, number, error.attempts, str(error)))
    if not answers:
        assert last_error is not None
        raise SchemaViolation(
            f"no chunk of the text ({total} chunks) gave a valid answer; the last: {last_error}",
            errors=last_error.errors,
            attempts=attempts,
            usage=usage,
            raw=last_error.raw,
        )
    yield _merged(full, model_class, answers, usage, attempts, tokens, failures, reports)


def _merged(
    full: Schema,
    model_class: type[BaseModel] | None,
    answers: list[Node],
    usage: Usage,
    attempts: int,
    tokens: list[Token],
    failures: list[list[tuple[str, str]]],
    reports: list[ChunkReport],
) -> Extraction[Any]:
    merged = merge_answers(full, answers)
    raw = json.dumps(merged.data, ensure_ascii=False, separators=(",", ":"))
    checked = check_answer(raw, full, model_class, "stop", 0)
    if checked.errors:
        listing = "; ".join(f"{path}: {message}" for path, message in checked.errors)
        raise SchemaViolation(
            f"the answers of the {len(reports)} chunks of the text, merged, do not match the schema "
            f"(a required field that no chunk gives is missing): {listing}",
            errors=checked.errors,
            attempts=attempts,
            usage=usage,
            raw=raw[:RAW_KEPT_CHARS],
        )
    found = leaves(checked.data)
    return Extraction(
        checked.value,
        attempts,
        usage,
        raw,
        failures,
        [],
        tokens,
        leaves=found,
        spans={pointer: merged.spans.get(pointer) for pointer in found},
        confidence={p: merged.confidence[p] for p in found if p in merged.confidence},
        conflicts=merged.conflicts,
        chunks=reports,
    )


def needs_chunks(text_tokens: int, fits: Callable[[], bool], chunk_tokens: int | None, passes: int) -> bool:
    """Whether a text is read in chunks: it does not fit one prompt, is longer than the chunk size the
    caller set, or is to be read more than once."""
    return passes > 1 or (chunk_tokens is not None and text_tokens > chunk_tokens) or not fits()
