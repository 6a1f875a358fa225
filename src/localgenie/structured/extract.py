"""Text + schema → data that is valid against the schema, or a clear error.

The loop: generate (constrained by the grammar on the embedded backend, by the
server's JSON mode on remote ones) → parse → validate against the *full*
schema → if anything fails, show the model its answer and the validator's
message and try again, a bounded number of times → `SchemaViolation` listing
the failing paths.  Invalid data is never returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from pydantic import BaseModel, ValidationError

from ..errors import BadInput, ContextOverflow, SchemaViolation
from ..llm import Backend, GenerationOptions, Message, Usage, get_backend
from .prompt import extraction_messages, retry_messages
from .schema import Schema, load_schema
from .validate import schema_errors

ModelT = TypeVar("ModelT", bound=BaseModel)
ValueT = TypeVar("ValueT")

DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_TOKENS = 1024
RETRY_TEMPERATURE = 0.3  # a retry at temperature 0 with the same prompt would repeat the same mistake


@dataclass
class Extraction(Generic[ValueT]):
    """The result plus what it cost: attempts (1 = no retry) and summed token usage."""

    value: ValueT
    attempts: int
    usage: Usage
    raw: str
    failures: list[list[tuple[str, str]]] = field(default_factory=list)


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


@overload
def extract(
    text: str, schema: type[ModelT], *, model: str | None = ..., backend: Backend | None = ..., **kwargs: Any
) -> ModelT: ...
@overload
def extract(
    text: str,
    schema: Schema | str | Path | bool,
    *,
    model: str | None = ...,
    backend: Backend | None = ...,
    **kwargs: Any,
) -> Any: ...
def extract(
    text: str,
    schema: Schema | str | Path | bool | type[BaseModel],
    *,
    model: str | None = None,
    backend: Backend | None = None,
    **kwargs: Any,
) -> Any:
    """Extract data matching ``schema`` from ``text``.

    ``schema`` is a JSON Schema (dict, JSON text or a file path) or a Pydantic
    model class; with a model class the result is an instance of it, otherwise
    the parsed JSON value.  ``model`` names the model (``tiny``, ``default``,
    a ``.gguf`` path, or the model name on a remote server); ``backend`` passes
    a backend directly.  Raises `BadInput` for unusable input and
    `SchemaViolation` when no valid answer came after the retries.
    """
    return extract_details(text, schema, model=model, backend=backend, **kwargs).value


def extract_details(
    text: str,
    schema: Schema | str | Path | bool | type[BaseModel],
    *,
    model: str | None = None,
    backend: Backend | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    base_url: str | None = None,
    api_key: str | None = None,
) -> Extraction[Any]:
    """`extract`, returning the `Extraction` record (attempts, usage, raw text)."""
    check_text(text)
    json_schema = load_schema(schema)
    return complete_details(
        extraction_messages(json_schema, text),
        schema,
        model=model,
        backend=backend,
        max_retries=max_retries,
        max_tokens=max_tokens,
        lookup_text=text,
        base_url=base_url,
        api_key=api_key,
    )


def complete_details(
    messages: list[Message],
    schema: Schema | str | Path | bool | type[BaseModel],
    *,
    model: str | None = None,
    backend: Backend | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    lookup_text: str | None = None,
    on_text: Callable[[str], None] | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
) -> Extraction[Any]:
    """Answer a chat of your own with schema-valid JSON: the loop behind `extract`, for callers whose
    prompt is not "extract from this text" (writing a recipe, labelling a theme, describing a photo).

    ``messages`` must say what to write; the schema is enforced and validated here, and a failed answer
    is shown back to the model with the validator's message, up to ``max_retries`` times.  ``on_text``
    receives the raw JSON as it is generated (every attempt), for showing progress.
    """
    model_class = schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None
    json_schema = load_schema(schema)
    backend = backend or get_backend(model, base_url=base_url, api_key=api_key)
    _check_fits(backend, messages, max_tokens)
    first = list(messages)
    usage = Usage()
    failures: list[list[tuple[str, str]]] = []
    for attempt in range(1, max_retries + 2):
        options = GenerationOptions(
            max_tokens=max_tokens,
            temperature=0.0 if attempt == 1 else RETRY_TEMPERATURE,
            seed=attempt,
            json_schema=json_schema,
            lookup_text=lookup_text,
        )
        response = backend.prompt(messages, options)
        if on_text is None:
            raw = response.text()
        else:
            for chunk in response:
                on_text(chunk)
            raw = response.text()
        usage += response.usage
        value, errors = _check_answer(raw, json_schema, model_class, response.finish_reason, max_tokens)
        if not errors:
            return Extraction(value, attempt, usage, raw, failures)
        failures.append(errors)
        messages = retry_messages(first, raw, errors)
    last = failures[-1]
    listing = "; ".join(f"{path}: {message}" for path, message in last)
    raise SchemaViolation(
        f"no schema-valid answer after {len(failures)} attempts ({usage.completion_tokens} tokens); "
        f"last problems: {listing}",
        errors=last,
        attempts=len(failures),
    )


def _check_fits(backend: Backend, messages: list[Message], max_tokens: int) -> None:
    limit = backend.info.context_length
    if limit is None:
        return
    prompt_tokens = sum(backend.count_tokens(m.content) or 0 for m in messages) + 16
    if prompt_tokens + max_tokens > limit:
        text_tokens = backend.count_tokens(messages[-1].content) or 0
        raise ContextOverflow(
            f"the text is {text_tokens:,} tokens; with the instructions ({prompt_tokens - text_tokens:,} "
            f"tokens) and room for the answer ({max_tokens:,}) it needs {prompt_tokens + max_tokens:,}, "
            f"but the model's context is {limit:,} tokens: split the text or use a longer-context model"
        )


def _check_answer(
    raw: str, schema: Schema, model_class: type[BaseModel] | None, finish_reason: str | None, max_tokens: int
) -> tuple[Any, list[tuple[str, str]]]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        if finish_reason == "repetition":
            return None, [("$", "the answer got stuck repeating itself; write each value once")]
        if finish_reason == "length":
            return None, [
                ("$", f"the answer was cut off at {max_tokens} tokens before the JSON was complete")
            ]
        return None, [("$", f"the answer is not valid JSON ({exc.msg} at character {exc.pos})")]
    errors = schema_errors(schema, value)
    if errors or model_class is None:
        return value, errors
    try:
        return model_class.model_validate(value), []
    except ValidationError as exc:
        return value, [("$." + ".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
