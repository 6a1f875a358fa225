"""The validate-and-retry loop: a chat in, data valid against the schema out (or `SchemaViolation`).

generate (under the schema's `Constraint`: a token grammar on the embedded
backend, the server's JSON mode on remote ones) → parse → leave out optional
fields written as null (`optional.drop_absent`) → complete near-miss formats
(`formats.normalise`) → validate against the *full* original schema → given
the source text, find each value's span in it (`grounding`) and require one
where the schema says ``"x-grounded": true`` (or for every copied string, with
``grounded_only``) → if anything fails, show the model its answer and what is
wrong and try again, a bounded number of times → `SchemaViolation` listing
the failing paths, with the last raw answer and the usage.  Invalid data is
never returned.  A returned answer carries each leaf's span and confidence.

A server that drops the connection after part of an answer was streamed
(`AnswerInterrupted`) costs an attempt like an invalid answer: the same chat is
asked again (a `Retry` tells a reader that the snapshots start over), and when no
attempt is left the `AnswerInterrupted` itself is raised.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, ParamSpec, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import AnswerInterrupted, BadInput, ContextOverflow, SchemaViolation
from ..llm import Backend, GenerationOptions, Message, Token, Usage, get_backend
from .chunks import ChunkReport
from .confidence import Confidence, leaf_confidence
from .formats import Normalisation, normalise
from .grammar import json_constraint
from .grounding import Span, ground, must_ground
from .merge import Conflict
from .optional import drop_absent
from .partial import Partial, PartialBuilder, Retry
from .partial import json_path as field_path_text
from .pointers import json_path, leaves
from .prompt import RETRY_ANSWER_CHARS, retry_messages
from .schema import Schema, load_schema
from .validate import schema_errors

ValueT = TypeVar("ValueT")
ParamsT = ParamSpec("ParamsT")

DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_TOKENS = 1024
RETRY_TEMPERATURE = 0.3  # a retry at temperature 0 with the same prompt would repeat the same mistake
RAW_KEPT_CHARS = 2000  # of the last answer, on a SchemaViolation
RETRY_ANSWER_MIN_CHARS = 40  # of a failed answer, shown back even when the context is short
VARIANT_SEEDS = 1000  # seeds per `variant`: attempts of different variants never share one


@dataclass(frozen=True)
class StageReport:
    """What one model of a cascade (``model="auto"``, `localgenie.cascade`) did with a request:
    ``outcome`` is ``accepted`` (its answer is the result), ``rejected`` (an answer that failed the
    cascade's checks, ``reasons`` say which), ``failed`` (an error: no valid answer, model missing,
    server down) or ``skipped`` (not run: past runs of this schema say it gets a field wrong)."""

    stage: str
    outcome: str
    reasons: tuple[str, ...] = ()
    seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)


@dataclass
class Extraction(Generic[ValueT]):
    """The result plus what it cost, how it was reached, where each value came from and how sure it was.

    ``attempts`` (1 = no retry), summed ``usage``, the ``raw`` JSON text of the
    answer, the problems of each failed attempt (``failures``), the values code
    completed to their format (``normalised``), and the final answer's
    ``tokens`` (id, log-probability, forced / drafted / sampled).

    Per leaf, keyed by JSON pointer (``/address/city``, ``/items/0/name``; for a
    Pydantic model, of its JSON form, aliases and all): ``leaves`` the values,
    ``spans`` the ``(start, end)`` Python-character offsets into the input text
    the value was read from, or None when it is not in the text (empty when no
    input text was given: `complete_details` without ``source_text``), and
    ``confidence`` the probabilities of the value's tokens (`Confidence`: min and
    mean); a leaf is missing from ``confidence`` when the backend reported no
    log-probabilities for its tokens.  Optional fields left out by code have no
    leaf.  ``stages`` is filled by a cascade: one `StageReport` per model it asked, in order.

    A text read in chunks (longer than the context, `localgenie.structured.long`) fills ``chunks``
    (one `ChunkReport` per chunk read, a failed one with its error) and ``conflicts`` (fields two chunks
    found different values for in the text: the first is the value, both are reported); spans are
    offsets into the whole text.  Both are empty for a text read in one prompt.
    """

    value: ValueT
    attempts: int
    usage: Usage
    raw: str
    failures: list[list[tuple[str, str]]] = field(default_factory=list)
    normalised: list[Normalisation] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    leaves: dict[str, Any] = field(default_factory=dict)
    spans: dict[str, Span | None] = field(default_factory=dict)
    confidence: dict[str, Confidence] = field(default_factory=dict)
    stages: list[StageReport] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    chunks: list[ChunkReport] = field(default_factory=list)

    def unsure(self, threshold: float) -> dict[str, Confidence | None]:
        """The leaves whose weakest token is below ``threshold`` (probability, 0..1), and those with no
        confidence at all (None: the backend gave no log-probabilities), in the answer's order."""
        found: dict[str, Confidence | None] = {}
        for pointer in self.leaves:
            known = self.confidence.get(pointer)
            if known is None or known.min < threshold:
                found[pointer] = known
        return found


StreamEvent = Partial | Retry | Extraction[Any]
"""What `complete_stream` yields: snapshots of the answer, a retry starting, then the result."""


def final_result(events: Iterator[StreamEvent]) -> Extraction[Any]:
    """Run a stream to its end and return its `Extraction` (its `SchemaViolation` is raised)."""
    for event in events:
        if isinstance(event, Extraction):
            return event
    raise AssertionError("a stream of the answer ended without its result")  # pragma: no cover


def run_to_end(
    stream: Callable[ParamsT, Iterator[StreamEvent]], name: str, doc: str
) -> Callable[ParamsT, Extraction[Any]]:
    """The blocking form of a streaming function: the same parameters, the stream run to its end
    (`final_result`).  ``complete_details`` / ``complete_stream`` and each other such pair are one
    definition of their parameters, so the two forms cannot drift apart."""

    def run(*args: ParamsT.args, **kwargs: ParamsT.kwargs) -> Extraction[Any]:
        return final_result(stream(*args, **kwargs))

    run.__name__ = run.__qualname__ = name
    run.__module__ = stream.__module__
    run.__doc__ = doc
    run.__signature__ = inspect.signature(stream).replace(  # type: ignore[attr-defined]
        return_annotation="Extraction[Any]"
    )
    return run


def complete_stream(
    messages: list[Message],
    schema: Schema | str | Path | bool | type[BaseModel],
    *,
    model: str | None = None,
    backend: Backend | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    lookup_text: str | None = None,
    source_text: str | None = None,
    grounded_only: bool = False,
    on_text: Callable[[str], None] | None = None,
    stop_loops: bool = False,
    variant: int = 0,
) -> Iterator[StreamEvent]:
    """`complete_details`, yielding the answer as it grows: a `Partial` each time a value opens or
    closes, a `Retry` when an attempt failed and the next starts, and last the validated `Extraction`
    (or `SchemaViolation`, raised from the iterator).  ``model`` names a model (`get_backend`);
    ``backend`` passes one directly.

    The schema and the context size are checked here, before the first item is asked for.
    ``stop_loops`` ends an attempt as soon as one list holds the same item `LOOP_REPEATS` times (see
    `PartialBuilder`), for answers whose lists should never repeat (a recipe's ingredients and steps).
    ``variant`` 0 is the reproducible run (the first attempt greedy, retries sampled); another number
    samples every attempt with seeds of its own, so a person asking again gets another answer rather
    than the same one.  Stopping the iteration stops the model at once.
    """
    if grounded_only and source_text is None:
        raise BadInput("grounded_only needs the source_text the values must be found in")
    model_class = schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None
    json_schema = load_schema(schema)
    backend = backend or get_backend(model)
    check_fits(backend, messages, max_tokens)
    # What every attempt is generated with; each sets its own temperature and seed.
    generation = GenerationOptions(
        max_tokens=max_tokens,
        constraint=json_constraint(json_schema),
        lookup_text=lookup_text,
        logprobs=True,  # for each leaf's confidence; servers that refuse them are asked once
    )
    return _attempts(
        messages,
        json_schema,
        model_class,
        backend,
        generation,
        max_retries=max_retries,
        grounding=_Grounding(source_text, grounded_only),
        on_text=on_text,
        stop_loops=stop_loops,
        variant=variant,
    )


complete_details = run_to_end(
    complete_stream,
    "complete_details",
    """Answer a chat of your own with schema-valid JSON: the loop behind `extract`, for callers whose
    prompt is not "extract from this text" (writing a recipe, labelling a theme, describing a photo).

    ``messages`` must say what to write; the schema is enforced and validated here, and a failed answer
    is shown back to the model with the validator's message, up to ``max_retries`` times.  ``on_text``
    receives the raw JSON as it is generated (every attempt), for showing progress; `complete_stream`
    (the same parameters) gives the answer as a growing object instead.

    ``source_text`` is the text the answer is read from: each leaf's span is found in it, and a leaf
    the schema marks ``"x-grounded": true`` (every string leaf that is not an enum, with
    ``grounded_only``) that is not in it is a failure like a validation error: retried with a message
    naming the field, then `SchemaViolation`.
    """,
)


@dataclass(frozen=True)
class _Grounding:
    """The text an answer's values are read from (None: no spans are found), and whether every copied
    string must be found in it (``grounded_only``) or only the fields marked ``"x-grounded"``."""

    source_text: str | None
    every_string: bool


def _attempts(
    messages: list[Message],
    json_schema: Schema,
    model_class: type[BaseModel] | None,
    backend: Backend,
    generation: GenerationOptions,
    *,
    max_retries: int,
    grounding: _Grounding,
    on_text: Callable[[str], None] | None,
    stop_loops: bool,
    variant: int,
) -> Iterator[StreamEvent]:
    """The attempts of one answer, each generated with ``generation`` at its own temperature and seed."""
    source_text, grounded_only = grounding.source_text, grounding.every_string
    max_tokens = generation.max_tokens
    first = list(messages)
    usage = Usage()
    failures: list[list[tuple[str, str]]] = []
    raw = ""
    wanted = "schema-valid answer"
    corrected = False  # has the model been shown a mistake? (a dropped connection is none)
    for attempt in range(1, max_retries + 2):
        options = replace(
            generation,
            temperature=0.0 if not corrected and variant == 0 else RETRY_TEMPERATURE,
            seed=attempt + VARIANT_SEEDS * variant,
        )
        response = backend.prompt(messages, options)
        builder = PartialBuilder(json_schema, attempt, stop_loops=stop_loops)
        try:
            for token in response.tokens():
                if not token.text:
                    continue
                if on_text is not None:
                    on_text(token.text)
                partial = builder.feed(token.text)
                if partial is not None:
                    yield partial
                if builder.loop is not None:
                    break  # what follows a loop is thrown away: stop paying for it
        except AnswerInterrupted as cut:
            usage += response.usage
            if attempt > max_retries:
                raise
            # Not the model's mistake: the same chat again, as greedy as before, nothing to correct.
            failures.append([("$", str(cut))])
            yield Retry(attempt + 1, failures[-1])
            continue
        finally:
            if not response.done:  # a loop, or a reader that stopped early: stop the model now
                response.close()
        if builder.loop is None and (closed := builder.finish()) is not None:
            yield closed
        raw = response.text()
        usage += response.usage
        problem, wanted = "That JSON does not match the schema", "schema-valid answer"
        spans: dict[str, Span | None] = {}
        if builder.loop is not None:
            checked = CheckedAnswer(None, [builder.loop.error()])
        else:
            checked = check_answer(raw, json_schema, model_class, response.finish_reason, max_tokens)
            where = builder.scanner.path
            stopped = response.finish_reason in ("repetition", "length")
            if stopped and where and checked.errors and checked.errors[0][0] == "$":
                # Say where it stopped ("$.steps[2]"): the model and the person both need to know.
                checked.errors[0] = (field_path_text(where), checked.errors[0][1])
        if not checked.errors and source_text is not None:
            written = {n.pointer if n.pointer != "/" else "": n.written for n in checked.normalised}
            spans = ground(source_text, checked.data, written)
            checked.errors = ungrounded(json_schema, checked.data, spans, all_strings=grounded_only)
            problem, wanted = "Some values of that JSON are not in the text", "answer found in the text"
        if not checked.errors:
            found = leaves(checked.data)
            tokens = list(response.tokens())
            yield Extraction(
                checked.value,
                attempt,
                usage,
                raw,
                failures,
                checked.normalised,
                tokens,
                leaves=found,
                spans=spans,
                confidence=leaf_confidence(raw, tokens, found),
            )
            return
        failures.append(checked.errors)
        corrected = True
        messages = _fitting_retry(backend, first, raw, checked.errors, problem, max_tokens)
        if attempt <= max_retries:
            yield Retry(attempt + 1, checked.errors)
    last = failures[-1]
    listing = "; ".join(f"{path}: {message}" for path, message in last)
    raise SchemaViolation(
        f"no {wanted} after {len(failures)} attempts ({usage.completion_tokens} tokens); "
        f"last problems: {listing}",
        errors=last,
        attempts=len(failures),
        usage=usage,
        raw=raw[:RAW_KEPT_CHARS],
    )


def _fitting_retry(
    backend: Backend,
    first: list[Message],
    raw: str,
    errors: list[tuple[str, str]],
    problem: str,
    max_tokens: int,
) -> list[Message]:
    """The retry's chat (`retry_messages`), the failed answer shown shorter while it would not fit the
    context: a prompt that filled the context (a long text's chunk) still has room for its retry."""
    messages = retry_messages(first, raw, errors, problem=problem)
    shown = RETRY_ANSWER_CHARS
    while shown > RETRY_ANSWER_MIN_CHARS and not fits(backend, messages, max_tokens):
        shown //= 2
        messages = retry_messages(first, raw[:shown] + "…", errors, problem=problem)
    return messages


def fits(backend: Backend, messages: list[Message], max_tokens: int) -> bool:
    """Whether the prompt and room for an answer of ``max_tokens`` fit the backend's context."""
    try:
        check_fits(backend, messages, max_tokens)
    except ContextOverflow:
        return False
    return True


def check_fits(backend: Backend, messages: list[Message], max_tokens: int) -> None:
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


def ungrounded(
    schema: Schema, data: Any, spans: dict[str, Span | None], *, all_strings: bool = False
) -> list[tuple[str, str]]:
    """``(json_path, message)`` for each leaf that must be found in the text (`grounding.must_ground`)
    and was not."""
    found = leaves(data)
    return [
        (
            json_path(pointer, data),
            f"{json.dumps(found[pointer], ensure_ascii=False)} is not in the text: "
            "copy the value as the text writes it",
        )
        for pointer in must_ground(schema, data, all_strings=all_strings)
        if spans.get(pointer) is None
    ]


@dataclass
class CheckedAnswer:
    """A parsed answer: ``value`` (a model instance for a Pydantic schema), ``data`` (its JSON form,
    optional fields left out and formats completed: what spans and confidence are keyed by), and what
    is wrong with it."""

    value: Any
    errors: list[tuple[str, str]]
    normalised: list[Normalisation] = field(default_factory=list)
    data: Any = None


def check_answer(
    raw: str, schema: Schema, model_class: type[BaseModel] | None, finish_reason: str | None, max_tokens: int
) -> CheckedAnswer:
    """Parse, complete near-miss formats, validate: the value, or what is wrong with it."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        if finish_reason == "repetition":
            return CheckedAnswer(
                None, [("$", "the answer got stuck repeating itself; write each value once")]
            )
        if finish_reason == "length":
            return CheckedAnswer(
                None, [("$", f"the answer was cut off at {max_tokens} tokens before the JSON was complete")]
            )
        return CheckedAnswer(
            None, [("$", f"the answer is not valid JSON ({exc.msg} at character {exc.pos})")]
        )
    value, normalised = normalise(schema, drop_absent(schema, value))
    errors = schema_errors(schema, value)
    if errors or model_class is None:
        return CheckedAnswer(value, errors, normalised, value)
    try:
        return CheckedAnswer(model_class.model_validate(value), [], normalised, value)
    except ValidationError as exc:
        return CheckedAnswer(
            value,
            [("$." + ".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()],
            normalised,
            value,
        )
