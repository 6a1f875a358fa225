"""The public extraction API: every way to give a schema, many items per text, and the log.

``localgenie.extract``, ``extract_details`` and ``extract_many`` are these functions, and the CLI and
the web app call them too, so a schema means the same everywhere and every run can be logged in one
place.  The retry loop underneath is `localgenie.structured.extract_details`: it takes a schema
(dict, JSON text, path or Pydantic model), never logs, and stays the core that apps build on.

Logging is off by default in the library (an import should not start writing files in the user's
data directory, and apps that extract in loops keep their own records); the CLI and the web app
pass ``log=True``.  ``GENIE_LOG=0`` turns it off everywhere, ``GENIE_LOG=1`` on for library calls.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, overload

from pydantic import BaseModel

from .cascade import AUTO, Cascade, cascade_stream, is_cascade
from .errors import BadInput, GenieError, NotFound, SchemaError, SchemaSyntaxError, SchemaViolation
from .llm import Backend, get_backend
from .store import logs
from .store import schemas as saved
from .structured import Extraction, StreamEvent
from .structured import extract_stream as core_extract_stream
from .structured.complete import run_to_end
from .structured.dsl import schema_from_dsl
from .structured.extract import DEFAULT_MAX_RETRIES
from .structured.multi import ITEMS_KEY, ItemLoopGuard, items_model, items_schema
from .structured.schema import Schema, load_schema

ModelT = TypeVar("ModelT", bound=BaseModel)
_FILE_SUFFIXES = {".json", ".txt", ".schema", ".dsl"}  # "person.json" is a missing file, not a field


@dataclass(frozen=True)
class ResolvedSchema:
    """A checked JSON Schema, with the saved name it was called by and the Pydantic model it came from."""

    schema: Schema
    name: str | None = None
    model: type[BaseModel] | None = None


SchemaSource = Schema | str | Path | bool | type[BaseModel] | ResolvedSchema


def resolve_schema(source: SchemaSource) -> Schema:
    """Any schema a user can give → a checked JSON Schema.

    In order: a Pydantic model class; a dict (or ``True``); JSON text; an existing file (JSON, or a
    concise schema in a text file); a saved name (``genie schemas save``); a concise schema such as
    ``'name, age int, bio: one sentence'``.  Raises `SchemaError` (syntax errors with line and column)
    or `NotFound` for a name that is not saved, listing the saved ones.
    """
    return resolve(source).schema


def resolve(source: SchemaSource) -> ResolvedSchema:
    """`resolve_schema`, keeping the saved name and the model class (a `ResolvedSchema` passes through,
    so a batch resolves its schema once)."""
    if isinstance(source, ResolvedSchema):
        return source
    if isinstance(source, type) and issubclass(source, BaseModel):
        return ResolvedSchema(load_schema(source), model=source)
    if isinstance(source, Path):
        return ResolvedSchema(_from_file(source))
    if isinstance(source, dict | bool):
        return ResolvedSchema(load_schema(source))
    if not isinstance(source, str):
        raise SchemaError(
            f"a schema is a dict, JSON text, a file path, a saved name, a concise schema or a Pydantic "
            f"model class, not {type(source).__name__}"
        )
    text = source.strip()
    if not text:
        raise SchemaError(
            "the schema is empty: give a JSON Schema file or text, a saved name, "
            "or fields like 'name, age int'"
        )
    if text[0] in "{[" or text in ("true", "false"):
        return ResolvedSchema(load_schema(text))
    if Path(text).is_file():
        return ResolvedSchema(_from_file(Path(text)))
    if saved.is_name(text):
        if saved.exists(text):
            return ResolvedSchema(load_schema(saved.load(text).schema), name=text)
        raise NotFound(
            saved.unknown_name_message(text) + f"; a concise schema of one text field is written '{text} str'"
        )
    if not any(c.isspace() or c == "," for c in text) and (
        "/" in text or "\\" in text or Path(text).suffix.lower() in _FILE_SUFFIXES
    ):
        raise SchemaError(f"schema file not found: {text}")
    return ResolvedSchema(load_schema(schema_from_dsl(text)))


def _from_file(path: Path) -> Schema:
    """A ``.json`` file (or any file starting with ``{``) is JSON Schema; another text file holds a
    concise schema, e.g. one field per line with descriptions."""
    if path.suffix.lower() == ".json" or not path.is_file():
        return load_schema(path)  # its messages: "schema file not found", "not valid JSON at line ..."
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"cannot read schema file {path}: {exc}") from None
    if text.lstrip()[:1] in ("{", "["):
        return load_schema(path)
    try:
        return load_schema(schema_from_dsl(text))
    except SchemaSyntaxError as exc:
        raise SchemaSyntaxError(
            f"{path}: {exc}", position=exc.position, line=exc.line, column=exc.column, expected=exc.expected
        ) from None


@overload
def extract(
    text: str, schema: type[ModelT], *, model: str | None = ..., backend: Backend | None = ..., **kwargs: Any
) -> ModelT: ...
@overload
def extract(
    text: str, schema: SchemaSource, *, model: str | None = ..., backend: Backend | None = ..., **kwargs: Any
) -> Any: ...
def extract(
    text: str,
    schema: SchemaSource,
    *,
    model: str | None = None,
    backend: Backend | None = None,
    **kwargs: Any,
) -> Any:
    """Extract data matching ``schema`` from ``text``: a Pydantic instance for a model class, else the
    parsed JSON value.

    ``schema`` is anything `resolve_schema` takes: a JSON Schema (dict, JSON text, file path), a
    Pydantic model class, a saved name or a concise schema (``"name, age int"``).  ``model`` names the
    model (``tiny``, ``default``, a ``.gguf`` path, a server's model name); ``backend`` passes one
    directly; other keyword arguments are those of `extract_details`.  Raises `BadInput` for unusable
    input and `SchemaViolation` when no valid answer came after the retries.
    """
    return extract_details(text, schema, model=model, backend=backend, **kwargs).value


def extract_stream(
    text: str,
    schema: SchemaSource,
    *,
    model: str | None = None,
    backend: Backend | None = None,
    multi: bool = False,
    log: bool | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    max_tokens: int | None = None,
    grounded_only: bool = False,
    base_url: str | None = None,
    api_key: str | None = None,
    cascade: Cascade | None = None,
    passes: int = 1,
    chunk_tokens: int | None = None,
) -> Iterator[StreamEvent]:
    """`extract_details` as the answer grows: `Partial` snapshots (completed fields with their final
    values, ``partial_path`` naming the one being written), `Retry` when an attempt failed validation
    and the next starts (its snapshots start again from empty), and last the same `Extraction`
    `extract_details` returns (or its `SchemaViolation`, raised from the iterator)::

        for event in localgenie.extract_stream(text, "name, age int, city"):
            if isinstance(event, localgenie.Partial):
                print(event.value, "writing", event.partial_path)
            elif isinstance(event, localgenie.Retry):
                print("retrying:", event.errors)
            else:
                print("done:", event.value)

    A bad schema or text is raised by this call, before anything is generated; stopping the
    iteration stops the model (and such a run is not logged).  Options are those of `extract_details`.
    """
    resolved = resolve(schema)
    chain = _cascade(model, backend, cascade, base_url, api_key, multi)
    if chain is None:
        backend = backend or get_backend(model, base_url=base_url, api_key=api_key)
        if multi:
            backend = ItemLoopGuard(backend)
    entry: dict[str, Any] | None = None
    if logs.logging_enabled(log):
        entry = {
            "schema": resolved.schema,
            "schema_name": resolved.name,
            "multi": multi,
            "backend": "cascade" if backend is None else backend.info.kind,
            "model": str(chain) if backend is None else backend.info.model,
            "text": text if isinstance(text, str) else repr(text),
        }
    options: dict[str, Any] = {"max_tokens": max_tokens, "grounded_only": grounded_only}
    if passes != 1 or chunk_tokens is not None:  # long documents (`localgenie.structured.long`)
        options.update(passes=passes, chunk_tokens=chunk_tokens)
    started = time.perf_counter()
    try:  # bad text, or a text too long for the context, is refused here: logged as a failed run
        if chain is not None:
            target = answer_target(resolved, multi)
            events = cascade_stream(
                text, target, chain, core_extract_stream, max_retries=max_retries, **options
            )
        else:
            events = core_extract_stream(
                text, answer_target(resolved, multi), backend=backend, max_retries=max_retries, **options
            )
    except GenieError as error:
        if entry is not None:
            _log_failure(entry, started, error)
        raise
    return events if entry is None else _logged(events, entry, started)


extract_details = run_to_end(
    extract_stream,
    "extract_details",
    """`extract`, returning the `Extraction` record (attempts, usage, raw text; per leaf its ``spans``
    in ``text`` and its ``confidence``).  ``grounded_only``: every copied string must be found in the
    text (see `localgenie.structured.extract_details`).

    ``multi=True``: ``schema`` describes one item and the value is ``{"items": [...]}`` (for a model
    class, an instance of the wrapper model ``<Model>Items``); an answer that starts repeating the same
    run of items is ended after the first run (`ItemLoopGuard`).  ``log``: write the run to the
    extraction log (`localgenie.store.logs`); None (the default) means only when ``GENIE_LOG=1``.
    `extract_stream` takes the same parameters and yields the answer as it grows.

    A text longer than the model's context is read in overlapping chunks and their answers merged by
    code (`localgenie.structured.long`: items deduplicated, each field from the chunk that grounds it,
    ``conflicts`` and ``chunks`` on the result, spans into the whole text).  ``chunk_tokens`` caps a
    chunk's size; ``passes=2`` reads the text again with the cuts moved, for recall.
    """,
)


def _logged(events: Iterator[StreamEvent], entry: dict[str, Any], started: float) -> Iterator[StreamEvent]:
    """Pass the stream through and write its outcome (the result, or the error) to the log."""
    try:
        for event in events:
            if isinstance(event, Extraction):
                answered = [report.stage for report in event.stages if report.outcome == "accepted"]
                logs.record(
                    **({**entry, "model": f"{answered[0]} ({entry['model']})"} if answered else entry),
                    seconds=time.perf_counter() - started,
                    value=event.value,
                    raw=event.raw,
                    attempts=event.attempts,
                    usage=event.usage,
                    failures=event.failures,
                )
            yield event
    except GenieError as error:
        _log_failure(entry, started, error)
        raise


def _log_failure(entry: dict[str, Any], started: float, error: GenieError) -> None:
    # `raw` and `usage` are read when the exception carries them (SchemaViolation may grow both).
    last = error.errors if isinstance(error, SchemaViolation) else []
    logs.record(
        **entry,
        seconds=time.perf_counter() - started,
        error=error,
        attempts=getattr(error, "attempts", 0),
        raw=getattr(error, "raw", None),
        usage=getattr(error, "usage", None),
        failures=[last] if last else [],
    )


@overload
def extract_many(text: str, schema: type[ModelT], **kwargs: Any) -> list[ModelT]: ...
@overload
def extract_many(text: str, schema: SchemaSource, **kwargs: Any) -> list[Any]: ...
def extract_many(text: str, schema: SchemaSource, **kwargs: Any) -> list[Any]:
    """Every item ``schema`` describes that ``text`` mentions, in order (Pydantic instances for a
    model class): `extract_details` with ``multi=True``, returning the items."""
    value = extract_details(text, schema, multi=True, **kwargs).value
    if isinstance(value, BaseModel):
        items: list[Any] = getattr(value, ITEMS_KEY)
        return items
    return list(value[ITEMS_KEY])


def _cascade(
    model: str | None,
    backend: Backend | None,
    cascade: Cascade | None,
    base_url: str | None,
    api_key: str | None,
    multi: bool,
) -> Cascade | None:
    """The cascade a request asks for (``cascade=``, or ``model="auto"`` / ``"tiny,default"``), if any."""
    if cascade is None and not is_cascade(model):
        return None
    if backend is not None:
        raise BadInput("pass a backend or a cascade (model='auto', a chain such as 'tiny,default'), not both")
    chain = cascade or Cascade.parse(model or AUTO, base_url=base_url, api_key=api_key)
    if multi:
        stages = chain.backend
        chain = replace(chain, backends=lambda stage: ItemLoopGuard(stages(stage)))
    return chain


def answer_target(resolved: ResolvedSchema, multi: bool) -> Schema | type[BaseModel]:
    """What the answer is held to: the schema (or model class), or its many-items wrapper."""
    if not multi:
        return resolved.model or resolved.schema
    if resolved.model is not None:
        return items_model(resolved.model)
    return items_schema(resolved.schema)
