"""Schema-guided extraction: ``POST /api/extract`` and the Extract page (runs are kept, so a reload or a
shared link shows the same result)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from localgenie import Extraction, extract_details, load_schema
from localgenie.errors import BadInput, SchemaError, SchemaViolation
from localgenie.structured.extract import check_text

from .. import db
from ..deps import CSRF, AppState, State, responses
from ..errors import NotFound
from ..examples import BY_KEY, EXAMPLES
from ..models import MAX_SCHEMA_TEXT, MAX_TEXT, ConfidenceOut, ExtractRequest, ExtractResponse
from ..pages import render

api = APIRouter(prefix="/api", tags=["extract"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)


async def run_extraction(
    state: AppState,
    text: str,
    schema: Any,
    max_retries: int = 2,
    max_tokens: int = 1024,
    grounded_only: bool = False,
) -> tuple[Extraction[Any], float]:
    """Check the input here (cheap), then wait for the shared model."""
    check_text(text)
    checked = load_schema(schema)
    started = time.perf_counter()
    result = await state.queue.run(
        lambda backend: extract_details(
            text,
            checked,
            backend=backend,
            max_retries=max_retries,
            max_tokens=max_tokens,
            grounded_only=grounded_only,
        ),
        kind="extract",
    )
    return result, time.perf_counter() - started


@api.post(
    "/extract",
    response_model=ExtractResponse,
    responses=responses(
        400,
        413,
        422,
        429,
        say={
            400: "unusable text",
            413: "text too long for the model's context",
            422: "invalid schema, or no schema-valid answer after the retries",
        },
    ),
)
async def api_extract(body: ExtractRequest, state: State) -> ExtractResponse:
    """Text + JSON Schema → JSON valid against the schema (or an error listing the failing paths)."""
    result, seconds = await run_extraction(
        state, body.text, body.json_schema, body.max_retries, body.max_tokens, body.grounded_only
    )
    return ExtractResponse(
        value=result.value,
        attempts=result.attempts,
        usage=result.usage,
        model=state.queue.model,
        seconds=seconds,
        spans=result.spans,
        confidence={pointer: ConfidenceOut.model_validate(c) for pointer, c in result.confidence.items()},
    )


# ------------------------------------------------------------------ page


def _page(
    request: Request,
    state: AppState,
    form: dict[str, str],
    run: db.ExtractionRun | None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "examples": EXAMPLES,
        "form": form,
        "form_error": error,
        "max_text": MAX_TEXT,
        "max_schema_text": MAX_SCHEMA_TEXT,
        "run": run,
        "recent": db.recent_extractions(state.settings.web_db),
        "model": state.queue.model,
    }
    return render(request, "extract.html", context, status=status)


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


@pages.post("/extract", response_model=None)
async def extract_submit(
    request: Request,
    state: State,
    schema_text: Annotated[str, Form()],
    text: Annotated[str, Form()],
) -> RedirectResponse | HTMLResponse:
    """Run and keep the extraction (its answer or its failure), then show it at its own address.  Model or
    backend trouble is not kept: the error page says what happened.  A text over the limit is not run:
    the form comes back with it, and says why (the request's size is capped by the server's body limit)."""
    too_long = _too_long(schema_text, text)
    if too_long is not None:
        form = {"schema_text": schema_text, "text": text}
        return _page(request, state, form, None, error=too_long, status=413)
    run = db.ExtractionRun(schema_text=schema_text, text=text, model=state.queue.model)
    try:
        try:
            schema = json.loads(schema_text)
        except json.JSONDecodeError as exc:
            raise SchemaError(
                f"the schema is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from exc
        result, seconds = await run_extraction(state, text, schema)
        value = json.dumps(result.value, ensure_ascii=False)
        run = replace(run, value=value, attempts=result.attempts, seconds=seconds)
    except SchemaViolation as exc:
        failures = [{"path": p, "message": m} for p, m in exc.errors]
        run = replace(run, error=str(exc), failures=failures, attempts=exc.attempts)
    except BadInput as exc:
        run = replace(run, error=str(exc))
    run_id = db.add_extraction(state.settings.web_db, run)
    return RedirectResponse(f"/extract/{run_id}", status_code=303)
