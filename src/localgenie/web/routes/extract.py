"""Schema-guided extraction: ``POST /api/extract`` and the Extract page (runs are kept, so a reload or a
shared link shows the same result).

Both also stream (`..streaming`): ``POST /api/extract/stream`` and the page's ``POST /extract/stream``
answer server-sent events: ``partial`` (the object so far: `localgenie.Partial.as_json`, paths as JSON
pointers) each time a field opens or completes, ``retry`` when an attempt failed validation and the
next starts, then the result (``result`` for the API; ``done`` with the kept run's address for the
page, whose script then shows it) or ``error``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sse_starlette.sse import EventSourceResponse

from localgenie import Extraction, Partial, Retry, StreamEvent, extract_stream, load_schema
from localgenie.cascade import Cascade, Escalation
from localgenie.errors import BadInput, SchemaViolation
from localgenie.llm import Backend
from localgenie.structured import DEFAULT_MAX_RETRIES, DEFAULT_MAX_TOKENS, Schema
from localgenie.structured.extract import check_text
from localgenie.structured.schema import parse_json

from .. import db
from ..deps import CSRF, AppState, State, responses
from ..errors import NotFound
from ..examples import BY_KEY, EXAMPLES
from ..models import (
    MAX_SCHEMA_TEXT,
    MAX_TEXT,
    ConfidenceOut,
    ExtractForm,
    ExtractRequest,
    ExtractResponse,
    StageOut,
)
from ..pages import render
from ..queue import QueueFull
from ..streaming import Channel, Event
from .review import fragment, stored

api = APIRouter(prefix="/api", tags=["extract"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)


# What an extraction request is refused with, in this endpoint's words (and 429 when the queue is full).
REFUSED = {
    400: "unusable text",
    413: "text too long for the model's context",
    422: "invalid schema",
}


def _emit_progress(event: StreamEvent, emit: Callable[[str, str], None]) -> Extraction[Any] | None:
    """Send a snapshot or a retry as an event; the `Extraction` that ends the stream is returned."""
    if isinstance(event, Partial):
        emit("partial", json.dumps(event.as_json(), ensure_ascii=False))
    elif isinstance(event, Escalation):
        reasons = [message for _, message in event.errors]
        data = {"stage": event.stage, "next": event.next_stage, "reasons": reasons}
        emit("stage", json.dumps(data, ensure_ascii=False))
    elif isinstance(event, Retry):
        errors = [{"path": path, "message": message} for path, message in event.errors]
        emit("retry", json.dumps({"attempt": event.attempt, "errors": errors}, ensure_ascii=False))
    else:
        return event
    return None


@dataclass(frozen=True)
class Job:
    """One extraction for the shared model: the text and schema checked here, before it waits in the
    queue (cheap, and a bad request should not hold a place); `run` on the model thread."""

    text: str
    schema: Schema
    max_retries: int = DEFAULT_MAX_RETRIES
    max_tokens: int | None = DEFAULT_MAX_TOKENS
    grounded_only: bool = False

    @classmethod
    def checked(cls, text: str, schema: Any, **options: Any) -> Job:
        return cls(check_text(text), load_schema(schema), **options)

    @classmethod
    def of(cls, body: ExtractRequest) -> Job:
        return cls.checked(
            body.text,
            body.json_schema,
            max_retries=body.max_retries,
            max_tokens=body.max_tokens,
            grounded_only=body.grounded_only,
        )

    def run(
        self,
        backend: Backend,
        emit: Callable[[str, str], None] | None = None,
        cascade: Cascade | None = None,
    ) -> Extraction[Any]:
        """`extract_details` on ``backend`` (or through ``cascade``, the queue's ``auto``), its progress
        sent as events when there is an ``emit``."""
        events = extract_stream(
            self.text,
            self.schema,
            backend=None if cascade else backend,
            cascade=cascade,
            max_retries=self.max_retries,
            max_tokens=self.max_tokens,
            grounded_only=self.grounded_only,
        )
        try:
            for event in events:
                if isinstance(event, Extraction):
                    return event
                if emit is not None:
                    _emit_progress(event, emit)
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # a client that left (emit raised): stop the model now
        raise AssertionError("the stream ended without its result")  # pragma: no cover


async def run_extraction(state: AppState, job: Job) -> tuple[Extraction[Any], float]:
    """Wait for the shared model, run the job: its result and the seconds it took, waiting included."""
    started = time.perf_counter()
    result = await state.queue.run(lambda backend: job.run(backend, cascade=_cascade(state)), kind="extract")
    return result, time.perf_counter() - started


@api.post(
    "/extract",
    response_model=ExtractResponse,
    responses=responses(
        *REFUSED, 429, say={**REFUSED, 422: "invalid schema, or no schema-valid answer after the retries"}
    ),
)
async def api_extract(body: ExtractRequest, state: State) -> ExtractResponse:
    """Text + JSON Schema → JSON valid against the schema (or an error listing the failing paths)."""
    result, seconds = await run_extraction(state, Job.of(body))
    return _response(result, state.queue.model, seconds)


def _cascade(state: AppState) -> Cascade | None:
    return state.queue.cascade("extract")


def answered_by(result: Extraction[Any], model: str) -> str:
    """The model that answered: ``model``, or with a cascade the stage whose answer was kept."""
    kept = [report.stage for report in result.stages if report.outcome == "accepted"]
    return f"{kept[0]} ({model})" if kept else model


def _response(result: Extraction[Any], model: str, seconds: float) -> ExtractResponse:
    return ExtractResponse(
        value=result.value,
        attempts=result.attempts,
        usage=result.usage,
        model=answered_by(result, model),
        stages=[StageOut.model_validate(report) for report in result.stages],
        seconds=seconds,
        spans=result.spans,
        confidence={pointer: ConfidenceOut.model_validate(c) for pointer, c in result.confidence.items()},
    )


@api.post(
    "/extract/stream",
    responses=responses(
        *REFUSED,
        429,
        say=REFUSED,
        ok={
            "content": {"text/event-stream": {}},
            "description": "events: partial ({attempt, value, complete, partial}: the object so far, "
            "paths as JSON pointers), retry ({attempt, errors}), stage ({stage, next, reasons}: with the "
            "model auto, an earlier model's answer was not kept and the next one starts), then result "
            "(as /api/extract answers) or error ({status, error, message, errors})",
        },
    ),
)
async def api_extract_stream(body: ExtractRequest, state: State) -> EventSourceResponse:
    """`/api/extract`, streamed: the object as it grows, field by field, then the validated result."""
    job = Job.of(body)
    started = time.perf_counter()
    channel: Channel[Extraction[Any]] = Channel()
    future = state.queue.submit(
        lambda backend: job.run(backend, channel.emit, _cascade(state)), kind="extract"
    )

    def last(result: Extraction[Any]) -> Event:
        out = _response(result, state.queue.model, time.perf_counter() - started)
        return {"event": "result", "data": out.model_dump_json()}

    return await channel.respond(state.queue, future, last)


# ------------------------------------------------------------------ page


def _page(
    request: Request,
    state: AppState,
    form: dict[str, str],
    run: db.ExtractionRun | None,
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "examples": EXAMPLES,
        "form": form,
        "form_error": error,
        "max_text": MAX_TEXT,
        "max_schema_text": MAX_SCHEMA_TEXT,
        "run": run,
        "review": fragment(run),
        "recent": db.recent_extractions(state.settings.web_db),
        "model": state.queue.model,
    }
    return render(request, "extract.html", context, status=status, headers=headers)


def _too_long(schema_text: str, text: str) -> str | None:
    """Why the form cannot be run, in words a user can act on (the form itself shows a live count)."""
    for what, value, limit in (("text", text, MAX_TEXT), ("schema", schema_text, MAX_SCHEMA_TEXT)):
        if len(value) > limit:
            return (
                f"The {what} is {len(value):,} characters; Extract takes at most {limit:,} in one go "
                f"({len(value) - limit:,} too many). Shorten it, or split it and extract each part."
            )
    return None


@pages.get("/extract", response_class=HTMLResponse)
def extract_page(request: Request, state: State, example: str = "person") -> HTMLResponse:
    chosen = BY_KEY.get(example, EXAMPLES[0])
    return _page(request, state, {"schema_text": chosen.schema_text, "text": chosen.text}, None)


@pages.get("/extract/{run_id}", response_class=HTMLResponse)
def extract_run_page(request: Request, state: State, run_id: int) -> HTMLResponse:
    run = db.get_extraction(state.settings.web_db, run_id)
    if run is None:
        raise NotFound(f"no extraction {run_id}")
    if run.value is not None:
        run = replace(run, value=json.dumps(json.loads(run.value), indent=2, ensure_ascii=False))
    return _page(request, state, {"schema_text": run.schema_text, "text": run.text}, run)


def _prepare(
    request: Request, state: AppState, form: ExtractForm
) -> tuple[db.ExtractionRun, Job] | HTMLResponse | RedirectResponse:
    """The form's run and its checked job; or, for input refused before the model is asked, the answer:
    the form again for a text over the limit (kept, with why), else the refusal kept as a failed run."""
    schema_text, text = form.schema_text, form.text
    too_long = _too_long(schema_text, text)
    if too_long is not None:
        return _page(request, state, form.model_dump(), None, error=too_long, status=413)
    run = db.ExtractionRun(schema_text=schema_text, text=text, model=state.queue.model)
    try:
        return run, Job.checked(text, parse_json(schema_text, "the schema is not JSON"))
    except BadInput as exc:
        run_id = db.add_extraction(state.settings.web_db, _failed(run, exc))
        return RedirectResponse(f"/extract/{run_id}", status_code=303)


@pages.post("/extract", response_model=None)
async def extract_submit(
    request: Request, state: State, form: Annotated[ExtractForm, Form()]
) -> RedirectResponse | HTMLResponse:
    """Run and keep the extraction (its answer or its failure), then show it at its own address.  Model or
    backend trouble is not kept: the error page says what happened.  A text over the limit is not run, nor
    one that finds the model's line full: the form comes back with it, and says why and for how long."""
    prepared = _prepare(request, state, form)
    if not isinstance(prepared, tuple):
        return prepared
    run, job = prepared
    try:
        result, seconds = await run_extraction(state, job)
        run = _succeeded(run, result, seconds)
    except QueueFull as exc:
        busy = f"{str(exc).capitalize()}. Your text and schema are kept below: press Extract again then."
        headers = {"Retry-After": str(exc.retry_after)}
        return _page(request, state, form.model_dump(), None, error=busy, status=429, headers=headers)
    except (SchemaViolation, BadInput) as exc:
        run = _failed(run, exc)
    run_id = db.add_extraction(state.settings.web_db, run)
    return RedirectResponse(f"/extract/{run_id}", status_code=303)


@pages.post("/extract/stream", response_model=None)
async def extract_stream_page(
    request: Request, state: State, form: Annotated[ExtractForm, Form()]
) -> EventSourceResponse | RedirectResponse | HTMLResponse:
    """The page's script: the form's run, streamed, and kept the same way (``done`` gives its address).
    Input refused before the model is asked is kept and shown at once, as the form does (a redirect)."""
    prepared = _prepare(request, state, form)
    if not isinstance(prepared, tuple):
        return prepared
    run, job = prepared
    started = time.perf_counter()
    channel: Channel[db.ExtractionRun] = Channel()

    def work(backend: Backend) -> db.ExtractionRun:
        try:
            result = job.run(backend, channel.emit, _cascade(state))
        except (SchemaViolation, BadInput) as exc:
            return _failed(run, exc)
        return _succeeded(run, result, time.perf_counter() - started)

    future = state.queue.submit(work, kind="extract")

    def last(finished: db.ExtractionRun) -> Event:
        run_id = db.add_extraction(state.settings.web_db, finished)
        return {"event": "done", "data": json.dumps({"id": run_id, "url": f"/extract/{run_id}"})}

    return await channel.respond(state.queue, future, last)


def _succeeded(run: db.ExtractionRun, result: Extraction[Any], seconds: float) -> db.ExtractionRun:
    value = json.dumps(result.value, ensure_ascii=False)
    model = answered_by(result, run.model)
    return replace(
        run, value=value, attempts=result.attempts, seconds=seconds, model=model, review=stored(result)
    )


def _failed(run: db.ExtractionRun, exc: SchemaViolation | BadInput) -> db.ExtractionRun:
    if isinstance(exc, SchemaViolation):
        failures = [{"path": p, "message": m} for p, m in exc.errors]
        return replace(run, error=str(exc), failures=failures, attempts=exc.attempts)
    return replace(run, error=str(exc))
