"""`genie eval` and `localgenie.evaluate`: a model measured on your own examples.

An examples file has one JSON object per line::

    {"text": "Ana, 41, lives in Lisbon.", "schema": "name, age int, city", "expected": {...}}

``schema`` is anything `localgenie.resolve_schema` takes (inline JSON Schema, a file path, a saved
name, a concise schema); ``expected`` is the answer the text must give, or ``null`` with
``"expect_error": true`` for a text that holds no valid value (then a clear refusal is right).  A
line that cannot be used — not JSON, not UTF-8, a schema that does not load, an ``expected`` that is
not valid against its own schema — is reported by number and skipped, never scored as the model's
fault.  The scores are those of the extraction quality benchmark (`localgenie.evaluation.metrics`):
one implementation.  With two models each example runs on both, one after the other, so machine
noise falls on both alike.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api import ResolvedSchema, extract_details, resolve
from ..errors import BadInput, GenieError, SchemaViolation
from ..llm import Backend, get_backend
from ..structured import schema_errors
from ..structured.extract import DEFAULT_MAX_RETRIES
from .metrics import TaskResult, summarise

LABEL_CHARS = 40


@dataclass(frozen=True)
class Example:
    """One usable line of an examples file."""

    line: int
    text: str
    schema: ResolvedSchema
    label: str  # what the figures are grouped by: the saved name, file or concise schema as written
    expected: Any
    expect_error: bool = False


@dataclass(frozen=True)
class Skipped:
    line: int
    reason: str


@dataclass
class Report:
    """Per model, one `TaskResult` per example (in file order); the lines that were skipped."""

    models: list[str]
    results: dict[str, list[TaskResult]]
    skipped: list[Skipped] = field(default_factory=list)

    def figures(self, model: str) -> dict[str, dict[str, Any]]:
        """`summarise` of one model's results: one group per schema, then ``overall``."""
        return summarise(self.results[model])


def load_examples(path: str | Path) -> tuple[list[Example], list[Skipped]]:
    """Parse an examples file; unusable lines come back as `Skipped` with the reason.  Raises
    `BadInput` when the file cannot be read or holds no usable line."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read examples file {source}: {exc.strerror or exc}") from None
    examples: list[Example] = []
    skipped: list[Skipped] = []
    schemas: dict[str, ResolvedSchema] = {}
    for number, raw in enumerate(data.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            examples.append(_example(number, raw, schemas))
        except (_Unusable, GenieError) as exc:
            skipped.append(Skipped(number, str(exc)))
    if not examples:
        reasons = "; ".join(f"line {s.line}: {s.reason}" for s in skipped[:3])
        raise BadInput(
            f"{source} holds no usable example" + (f" ({reasons})" if reasons else " (it is empty)")
        )
    return examples, skipped


class _Unusable(Exception):
    pass


def _example(number: int, raw: bytes, schemas: dict[str, ResolvedSchema]) -> Example:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _Unusable(f"not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise _Unusable(f"not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(record, dict):
        raise _Unusable("a line must be a JSON object with text, schema and expected")
    missing = [key for key in ("text", "schema", "expected") if key not in record]
    if missing:
        raise _Unusable("missing " + ", ".join(missing))
    text, given, expected = record["text"], record["schema"], record["expected"]
    if not isinstance(text, str) or not text.strip():
        raise _Unusable("text must be a non-empty string")
    key = json.dumps(given, sort_keys=True)
    if key not in schemas:
        schemas[key] = resolve(given)
    schema = schemas[key]
    expect_error = record.get("expect_error") is True
    if expect_error and expected is not None:
        raise _Unusable("expect_error lines must have expected: null")
    if not expect_error:
        problems = schema_errors(schema.schema, expected)
        if problems:
            path, message = problems[0]
            raise _Unusable(f"expected is not valid against its schema (at {path}: {message})")
    return Example(number, text, schema, _label(given, schema), expected, expect_error)


def _label(given: Any, schema: ResolvedSchema) -> str:
    if isinstance(given, str):
        label = " ".join(given.split())
        return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
    title = schema.schema.get("title") if isinstance(schema.schema, dict) else None
    if isinstance(title, str) and title.strip():
        return title.strip()[:LABEL_CHARS]
    digest = hashlib.sha256(json.dumps(given, sort_keys=True).encode()).hexdigest()[:8]
    return f"schema {digest}"


def score(example: Example, backend: Backend, *, max_retries: int = DEFAULT_MAX_RETRIES) -> TaskResult:
    """Run one example through the extractor and score it.  A refusal (`SchemaViolation`,
    `BadInput`) is an outcome; a broken model or server (`ModelError`, `BackendError`) stops the
    evaluation, since every later example would fail the same way."""
    started = time.perf_counter()
    value: Any = None
    error: GenieError | None = None
    attempts = 0
    try:
        extraction = extract_details(example.text, example.schema, backend=backend, max_retries=max_retries)
        value, attempts = extraction.value, extraction.attempts
    except (SchemaViolation, BadInput) as exc:
        error, attempts = exc, getattr(exc, "attempts", 0)
    if example.schema.model is not None and value is not None:
        value = value.model_dump(mode="json", exclude_none=True)
    return TaskResult(
        id=f"line {example.line}",
        group=example.label,
        expected=example.expected,
        got=value,
        error=type(error).__name__ if error is not None else None,
        refused=error is not None,
        expect_error=example.expect_error,
        schema_valid=error is None and not schema_errors(example.schema.schema, value),
        seconds=time.perf_counter() - started,
        attempts=attempts,
    )


def evaluate(
    examples: str | Path | Iterable[Example],
    model: str | None = None,
    *,
    compare: str | None = None,
    backends: Sequence[Backend] | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    on_result: Callable[[str, Example, TaskResult], None] | None = None,
) -> Report:
    """Measure ``model`` (and ``compare`` beside it) on an examples file or `Example`s.

    ``backends`` passes ready backends instead of model names (one per model, in order).
    ``on_result(model, example, result)`` is called after each extraction, for progress.
    """
    skipped: list[Skipped] = []
    if isinstance(examples, str | Path):
        items, skipped = load_examples(examples)
    else:
        items = list(examples)
    if backends is not None:
        runners = list(backends)
        names = [b.info.model for b in runners]
    else:
        names = [model or "default"] + ([compare] if compare else [])
        runners = [get_backend(name) for name in names]
    if len(set(names)) < len(names):
        names = [f"{name} ({n + 1})" for n, name in enumerate(names)]
    results: dict[str, list[TaskResult]] = {name: [] for name in names}
    for example in items:
        for name, backend in zip(names, runners, strict=True):
            result = score(example, backend, max_retries=max_retries)
            results[name].append(result)
            if on_result is not None:
                on_result(name, example, result)
    return Report(names, results, skipped)
