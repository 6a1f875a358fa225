"""Run a cascade: each stage in turn, until one's answer passes the checks (`checks`).

    stage 1 (tiny) ──answer──▶ checks ──pass──▶ result (stages: [accepted])
         │ error / rejected                │ fail
         ▼                                 ▼
    stage 2 (default) ── … the last stage's valid answer is the result, whatever its confidence

What each stage costs is bounded: an earlier stage gets ``retries`` extra attempts (0 by default), and
is stopped as soon as a completed value is not in the text (`checks.early_reasons`) or a string grows
longer than the text (`guard.StringCap`), so an invented value costs the tokens up to it, not a full
answer.  A stage that cannot run (model missing, server
down, the text too long for its context) is skipped with a `GenieWarning`; past runs that show a stage
gets a field of this schema wrong skip it too (`store.field_checks`).  Only when every stage failed is
an error raised, naming each stage's reason; input that is wrong whatever the model (an empty text, a
bad schema) is raised at once.

The events are those of `extract_stream`: an earlier stage's snapshots are shown as it writes, and an
`Escalation` (a `Retry`, so every reader that starts over on a retry does the right thing) says the
next stage starts and why.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..errors import (
    BackendError,
    BadInput,
    ContextOverflow,
    GenieError,
    GenieWarning,
    ModelError,
    ModelNotFound,
    SchemaViolation,
)
from ..llm import Usage
from ..store import field_checks, logs
from ..store.schemas import schema_hash
from ..structured import Extraction, Partial, Retry, StreamEvent, check_text
from ..structured.complete import StageReport
from ..structured.partial import pointer
from ..structured.pointers import leaves
from ..structured.schema import Schema, load_schema
from .chain import Cascade
from .checks import answer_reasons, early_reasons
from .draft import DraftFrom
from .guard import StringCap

# Errors that mean "this stage cannot answer now", not "this input is wrong".
_STAGE_ERRORS = (ModelNotFound, ContextOverflow, ModelError, BackendError)


@dataclass(frozen=True)
class Escalation(Retry):
    """The answer of stage ``stage`` was not accepted and ``next_stage`` starts (its snapshots start
    again from empty); ``errors`` say why, as for a `Retry`."""

    stage: str = ""
    next_stage: str = ""


Stream = Callable[..., Iterator[StreamEvent]]


def cascade_stream(
    text: str,
    target: Schema | type[BaseModel],
    cascade: Cascade,
    stream: Stream,
    *,
    max_retries: int,
    **options: Any,
) -> Iterator[StreamEvent]:
    """The events of the first stage whose answer passes, ending with its `Extraction` (``stages``
    filled in).  ``stream(text, target, backend=..., max_retries=..., **options)`` runs one stage (the
    core's `extract_stream`).  Bad input is raised by this call, before any model runs."""
    check_text(text)
    schema = load_schema(target)
    return _stages(text, target, schema, cascade, stream, max_retries, options)


def _stages(
    text: str,
    target: Schema | type[BaseModel],
    schema: Schema,
    cascade: Cascade,
    stream: Stream,
    max_retries: int,
    options: dict[str, Any],
) -> Iterator[StreamEvent]:
    digest = schema_hash(schema)
    last = len(cascade.stages) - 1
    reports: list[StageReport] = []
    errors: list[GenieError] = []
    candidates: list[tuple[str, dict[str, Any]]] = []  # earlier stages' values, checked against the answer
    written: list[str] = []  # what the last stage that ran wrote, for the next one to draft from
    for index, stage in enumerate(cascade.stages):
        final = index == last
        if not final and (weak := field_checks.weak_field(digest, stage)) is not None:
            why = (
                f"{stage} wrote {weak.pointer} unlike the answer in {weak.disagreed} of {weak.checked} "
                "checked runs of this schema"
            )
            reports.append(StageReport(stage, "skipped", (why,)))
            continue
        started = time.perf_counter()
        outcome = yield from _one_stage(
            text,
            target,
            schema,
            cascade,
            stage,
            final,
            stream,
            max_retries,
            options,
            started,
            candidates,
            written,
        )
        reports.append(outcome.report)
        if outcome.error is not None:
            errors.append(outcome.error)
        if outcome.result is not None:
            outcome.result.stages = reports
            if candidates and logs.logging_enabled(cascade.learn):
                for earlier, values in candidates:
                    field_checks.record(digest, earlier, field_checks.compare(values, outcome.result.leaves))
            yield outcome.result
            return
        if not final:
            reasons = [("$", reason) for reason in outcome.report.reasons[:3]]
            yield Escalation(1, reasons, stage, cascade.stages[index + 1])
    raise _all_failed(reports, errors[-1] if errors else None)


@dataclass
class _Outcome:
    report: StageReport
    result: Extraction[Any] | None = None
    error: GenieError | None = None


def _one_stage(
    text: str,
    target: Schema | type[BaseModel],
    schema: Schema,
    cascade: Cascade,
    stage: str,
    final: bool,
    stream: Stream,
    max_retries: int,
    options: dict[str, Any],
    started: float,
    candidates: list[tuple[str, dict[str, Any]]],
    written: list[str],
) -> Generator[StreamEvent, None, _Outcome]:
    """Run one stage, passing its events on; return (as the generator's value) what became of it.
    ``written`` holds what the stage before wrote (drafted from, with ``cascade.draft``), and is left
    holding what this one wrote."""

    def seconds() -> float:
        return time.perf_counter() - started

    cap: StringCap | None = None
    try:
        backend = cascade.backend(stage)
        if cascade.draft and written and written[-1].strip():
            backend = DraftFrom(backend, written[-1])
        if not final:
            backend = cap = StringCap.for_text(backend, text)
        retries = max_retries if final else cascade.retries
        events = stream(text, target, backend=backend, max_retries=retries, **options)
    except GenieError as error:
        return _failed(stage, error, seconds())
    last_partial: Partial | None = None
    try:
        for event in events:
            if isinstance(event, Extraction):
                reasons = [] if final else answer_reasons(text, schema, event, cascade.min_confidence)
                if not reasons:
                    return _Outcome(StageReport(stage, "accepted", (), seconds(), event.usage), event)
                candidates.append((stage, dict(event.leaves)))
                return _Outcome(StageReport(stage, "rejected", tuple(reasons), seconds(), event.usage))
            if isinstance(event, Partial) and not final:
                last_partial = event
                reasons = early_reasons(text, schema, event)
                if reasons:
                    candidates.append((stage, completed_leaves(event)))
                    report = StageReport(stage, "rejected", (*reasons, "stopped while writing"), seconds())
                    return _Outcome(report)
            yield event
    except SchemaViolation as error:
        if last_partial is not None:
            candidates.append((stage, completed_leaves(last_partial)))
        usage = error.usage if isinstance(error.usage, Usage) else Usage()
        why = str(error)
        if cap is not None and cap.tripped:
            why = f"a value ran past {cap.limit} characters, longer than any line of the text: stopped"
        return _Outcome(StageReport(stage, "failed", (why,), seconds(), usage), error=error)
    except GenieError as error:
        return _failed(stage, error, seconds())
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()  # a stage stopped early stops its model now
        if cap is not None:
            written[:] = [cap.written]
    raise AssertionError("a stage's stream ended without its result")  # pragma: no cover


def completed_leaves(partial: Partial) -> dict[str, Any]:
    """The leaves of a snapshot that were written to the end (pointer → value)."""
    done = {pointer(path) for path in partial.complete_paths}
    return {p: v for p, v in leaves(partial.value).items() if p in done}


def _failed(stage: str, error: GenieError, seconds: float) -> _Outcome:
    """A stage that could not run (model missing, server down, text too long for it): warned, skipped.
    Input that no model could use is raised instead."""
    if isinstance(error, BadInput) and not isinstance(error, _STAGE_ERRORS):
        raise error
    warnings.warn(f"cascade stage {stage} skipped: {error}", GenieWarning, stacklevel=5)
    return _Outcome(StageReport(stage, "failed", (str(error),), seconds), error=error)


def _all_failed(reports: list[StageReport], last: GenieError | None) -> GenieError:
    """One error naming every stage's reason, of the last stage's error type (its exit code)."""
    listing = "; ".join(f"{r.stage} {r.outcome}: {r.reasons[0] if r.reasons else '-'}" for r in reports)
    message = f"no stage of the cascade answered ({listing})"
    if isinstance(last, SchemaViolation):
        return SchemaViolation(message, last.errors, last.attempts, usage=last.usage, raw=last.raw)
    if last is not None:
        try:
            return type(last)(message)
        except TypeError:  # pragma: no cover - an error class with another signature
            pass
    return GenieError(message)
