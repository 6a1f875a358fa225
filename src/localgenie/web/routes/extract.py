"""Schema-guided extraction: ``POST /api/extract`` and the Extract page (runs are kept, so a reload or a
shared link shows the same result)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from localgenie import Extraction, extract_details, load_schema
from localgenie.errors import BadInput, GenieError, SchemaError, SchemaViolation
from localgenie.structured.extract import check_text

from .. import db
from ..errors import NotFound, status_for
from ..examples import BY_KEY, EXAMPLES
from ..pages import render
from ..security import verify_csrf
from ..state import AppState, get_state

api = APIRouter(prefix="/api", tags=["extract"])
pages = APIRouter(include_in_schema=False)

MAX_TEXT = 100_000
MAX_SCHEMA_TEXT = 200_000


class ExtractRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    text: str = Field(min_length=1, max_length=MAX_TEXT, description="the text to extract from")
    json_schema: dict[str, Any] | Literal[True] = Field(
        alias="schema", description="a JSON Schema (2020-12); remote $refs are refused"
    )
    max_retries: int = Field(default=2, ge=0, le=5)
    max_tokens: int = Field(default=1024, ge=16, le=4096)


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    forward_passes: int


class ExtractResponse(BaseModel):
    value: Any = Field(description="valid against the schema")
    attempts: int
    usage: UsageOut
    model: str
    seconds: float


async def run_extraction(
    state: AppState, text: str, schema: Any, max_retries: int = 2, max_tokens: int = 1024
) -> tuple[Extraction[Any], float]:
    """Check the input here (cheap), then wait for the shared model."""
    check_text(text)
    checked = load_schema(schema)
    started = time.perf_counter()
    result = await state.queue.run(
        lambda backend: extract_details(
            text, checked, backend=backend, max_retries=max_retries, max_tokens=max_tokens
        )
    )
    return result, time.perf_counter() - started


@api.post(
    "/extract",
    response_model=ExtractResponse,
    responses={
        400: {"description": "unusable text"},
        413: {"description": "text too long for the model's context"},
        422: {"description": "invalid schema, or no schema-valid answer after the retries"},
        429: {"description": "model busy: retry after the Retry-After header's seconds"},
    },
)
async def api_extract(body: ExtractRequest, request: Request) -> ExtractResponse:
    """Text + JSON Schema → JSON valid against the schema (or an error listing the failing paths)."""
    state = get_state(request)
    result, seconds = await run_extraction(
        state, body.text, body.json_schema, body.max_retries, body.max_tokens
    )
    usage = result.usage
    return ExtractResponse(
        value=result.value,
        attempts=result.attempts,
        usage=UsageOut(
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            forward_passes=usage.forward_passes,
        ),
        model=state.queue.model,
        seconds=round(seconds, 3),
    )


# ------------------------------------------------------------------ page


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _load_run(state: AppState, run_id: int) -> dict[str, Any]:
    with db.connect(state.settings.web_db) as conn:
        row = conn.execute(
            "SELECT id, schema_text, text, model, value, error, failures, attempts, seconds, created"
            " FROM extractions WHERE id = ?",
            (run_id,),
        ).fetchone()
    if row is None:
        raise NotFound(f"no extraction {run_id}")
    keys = (
        "id",
        "schema_text",
        "text",
        "model",
        "value",
        "error",
        "failures",
        "attempts",
        "seconds",
        "created",
    )
    run = dict(zip(keys, row, strict=True))
    run["failures"] = json.loads(run["failures"])
    if run["value"] is not None:
        run["value"] = json.dumps(json.loads(run["value"]), indent=2, ensure_ascii=False)
    return run


def _recent(state: AppState) -> list[tuple[int, str, str]]:
    with db.connect(state.settings.web_db) as conn:
        rows = conn.execute(
            "SELECT id, substr(text, 1, 60), created FROM extractions ORDER BY id DESC LIMIT 10"
        ).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


@pages.get("/extract", response_class=HTMLResponse)
def extract_page(request: Request, example: str = "person") -> HTMLResponse:
    state = get_state(request)
    chosen = BY_KEY.get(example, EXAMPLES[0])
    form = {"schema_text": chosen.schema_text, "text": chosen.text}
    return render(
        request,
        "extract.html",
        {
            "examples": EXAMPLES,
            "form": form,
            "run": None,
            "recent": _recent(state),
            "model": state.queue.model,
        },
    )


@pages.get("/extract/{run_id}", response_class=HTMLResponse)
def extract_run_page(request: Request, run_id: int) -> HTMLResponse:
    state = get_state(request)
    run = _load_run(state, run_id)
    form = {"schema_text": run["schema_text"], "text": run["text"]}
    return render(
        request,
        "extract.html",
        {
            "examples": EXAMPLES,
            "form": form,
            "run": run,
            "recent": _recent(state),
            "model": state.queue.model,
        },
    )


@pages.post("/extract", response_model=None)
async def extract_submit(
    request: Request,
    state: Annotated[AppState, Depends(get_state)],
    schema_text: Annotated[str, Form(max_length=MAX_SCHEMA_TEXT)],
    text: Annotated[str, Form(max_length=MAX_TEXT)],
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse | HTMLResponse:
    verify_csrf(request, csrf_token)
    value: str | None = None
    error: str | None = None
    failures: list[dict[str, str]] = []
    attempts = 0
    seconds = 0.0
    try:
        try:
            schema = json.loads(schema_text)
        except json.JSONDecodeError as exc:
            raise SchemaError(
                f"the schema is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from exc
        result, seconds = await run_extraction(state, text, schema)
        value, attempts = json.dumps(result.value, ensure_ascii=False), result.attempts
    except (BadInput, SchemaViolation) as exc:
        error = str(exc)
        if isinstance(exc, SchemaViolation):
            failures = [{"path": p, "message": m} for p, m in exc.errors]
            attempts = exc.attempts
    except GenieError as exc:  # model or backend trouble: nothing worth keeping as a run
        return render(
            request, "error.html", {"status": status_for(exc), "message": str(exc)}, status_for(exc)
        )
    with db.connect(state.settings.web_db) as conn:
        cur = conn.execute(
            "INSERT INTO extractions(schema_text, text, model, value, error, failures, attempts, seconds,"
            " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                schema_text,
                text,
                state.queue.model,
                value,
                error,
                json.dumps(failures),
                attempts,
                seconds,
                _now(),
            ),
        )
        run_id = int(cur.lastrowid or 0)
    return RedirectResponse(f"/extract/{run_id}", status_code=303)
