"""TubeTalk over HTTP: a comments file (or a YouTube URL) becomes a background job whose progress streams
to the page (SSE) and whose report stays in the database after a reload or a restart.  The job itself, and
the checks of an upload before it is queued, are in `web.tubetalk_jobs`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sse_starlette.sse import EventSourceResponse

from localgenie import tubetalk
from localgenie.errors import BadInput
from localgenie.tubetalk.pipeline import STAGE_LABELS

from ..deps import CSRF, AppState, State, responses
from ..errors import NotFound, Unsupported
from ..models import JobOut
from ..pages import render
from ..tubetalk_jobs import KIND, PickColumn, create_job

api = APIRouter(prefix="/api", tags=["tubetalk"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)

STAGE_NAMES = {**STAGE_LABELS, "import": "importing recipes", "done": "done"}
SSE_POLL_SECONDS = 0.25
REPORT_FILE = "tubetalk-report-{job_id}.html"  # job ids are hex: safe in a header and a file name


def _report(state: AppState, job_id: str) -> tubetalk.TubeTalkReport:
    job = state.jobs.get(job_id, KIND)
    if job.status == "failed":
        raise BadInput(f"the job failed: {job.error}")
    if job.status != "done" or job.result is None:
        raise NotFound(f"job {job_id} is {job.status}: the report is not ready yet")
    return tubetalk.TubeTalkReport.model_validate_json(job.result)


# ------------------------------------------------------------------ API

ERRORS = responses(
    400,
    404,
    413,
    415,
    429,
    say={404: "no such job, or its report is not ready", 429: "too many jobs queued: retry later"},
)


@api.post("/tubetalk/jobs", response_model=JobOut, status_code=202, responses=ERRORS)
async def api_create_job(
    state: State,
    file: Annotated[UploadFile | None, File(description="comments: CSV, JSON or JSONL")] = None,
    url: Annotated[str | None, Form(description="a YouTube video URL (needs network)")] = None,
    themes: Annotated[int | None, Form(description="number of themes (default: by comment count)")] = None,
    llm: Annotated[bool, Form(description="label themes with the server's model")] = False,
    text_column: Annotated[
        str | None,
        Form(description="CSV column of the comment text, when its name is not a usual one", max_length=200),
    ] = None,
) -> JSONResponse:
    """Start an analysis; poll the job, or stream its progress from /api/jobs/{id}/events."""
    job = await create_job(state, file, url, themes, llm, text_column=text_column)
    headers = {"Location": f"/api/tubetalk/jobs/{job.id}"}
    return JSONResponse(JobOut.model_validate(job).model_dump(), status_code=202, headers=headers)


@api.get("/tubetalk/jobs", response_model=list[JobOut])
def api_list_jobs(state: State) -> list[JobOut]:
    return [JobOut.model_validate(j) for j in state.jobs.recent(KIND)]


@api.get("/tubetalk/jobs/{job_id}", response_model=JobOut, responses=ERRORS)
def api_get_job(job_id: str, state: State) -> JobOut:
    return JobOut.model_validate(state.jobs.get(job_id, KIND))


@api.delete("/tubetalk/jobs/{job_id}", status_code=204, responses=ERRORS)
def api_delete_job(job_id: str, state: State) -> Response:
    state.jobs.get(job_id, KIND)
    state.jobs.delete(job_id)
    return Response(status_code=204)


@api.get("/tubetalk/jobs/{job_id}/report", responses=ERRORS)
def api_report(job_id: str, state: State) -> Response:
    """The report as JSON (the TubeTalkReport model of `localgenie.tubetalk`)."""
    return Response(_report(state, job_id).model_dump_json(), media_type="application/json")


@api.get("/tubetalk/jobs/{job_id}/report.html", response_class=HTMLResponse, responses=ERRORS)
def api_report_html(
    job_id: str,
    state: State,
    download: Annotated[bool, Query(description="as a file to save (an attachment)")] = False,
) -> HTMLResponse:
    """The self-contained HTML report (inline SVG charts, no scripts): one file to keep or send."""
    html = tubetalk.to_html(_report(state, job_id))
    # The report carries its own styles and nothing else: no script, no image, no request anywhere.
    csp = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    headers = {"Content-Security-Policy": csp}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{REPORT_FILE.format(job_id=job_id)}"'
    return HTMLResponse(html, headers=headers)


@api.get("/jobs/{job_id}/events", responses={404: {"description": "no such job"}})
async def api_job_events(job_id: str, request: Request, state: State) -> EventSourceResponse:
    """Server-sent events: ``progress`` (the job as JSON) whenever it changes, then one ``end``."""
    state.jobs.get(job_id)

    async def events() -> AsyncIterator[dict[str, str]]:
        last = None
        while True:
            job = await asyncio.to_thread(state.jobs.get, job_id)
            public = JobOut.model_validate(job).model_dump()
            if public != last:
                last = public
                shown = {**public, "stage_name": STAGE_NAMES.get(job.stage, job.stage)}
                yield {"event": "progress", "data": json.dumps(shown)}
            if job.finished:
                yield {"event": "end", "data": json.dumps({"status": job.status})}
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(SSE_POLL_SECONDS)

    return EventSourceResponse(events(), ping=15)


# ------------------------------------------------------------------ pages


@pages.get("/tubetalk", response_class=HTMLResponse)
def tubetalk_page(request: Request, state: State) -> HTMLResponse:
    return _tubetalk_page(request, state, error=None)


def _tubetalk_page(
    request: Request,
    state: AppState,
    *,
    error: str | None,
    status: int = 200,
    pick: PickColumn | None = None,
    themes: str = "",
) -> HTMLResponse:
    context = {
        "jobs": state.jobs.recent(KIND),
        "error": error,
        "max_mb": state.settings.max_upload_bytes // (1024 * 1024),
        "pick": pick,
        "themes": themes,
    }
    return render(request, "tubetalk.html", context, status=status)


@pages.post("/tubetalk", response_model=None)
async def tubetalk_submit(
    request: Request,
    state: State,
    file: Annotated[UploadFile | None, File()] = None,
    url: Annotated[str | None, Form()] = None,
    themes: Annotated[str, Form()] = "",
    text_column: Annotated[str, Form(max_length=200)] = "",
    upload: Annotated[str, Form(max_length=64)] = "",
    upload_name: Annotated[str, Form(max_length=300)] = "",
) -> RedirectResponse | HTMLResponse:
    """Start an analysis from the form; a CSV whose comment column cannot be told shows the form again
    with a select of its columns (the upload kept), instead of an error naming a CLI flag."""
    try:
        count = int(themes) if themes.strip() else None
        job = await create_job(
            state,
            file,
            url,
            count,
            False,
            text_column=text_column,
            pending=upload or None,
            pending_name=upload_name,
            ask_column=True,
        )
    except PickColumn as exc:
        return _tubetalk_page(request, state, error=str(exc), status=400, pick=exc, themes=themes)
    except (BadInput, ValueError) as exc:
        message = "themes must be a whole number" if isinstance(exc, ValueError) else str(exc)
        return _tubetalk_page(
            request, state, error=message, status=415 if isinstance(exc, Unsupported) else 400
        )
    return RedirectResponse(f"/tubetalk/jobs/{job.id}", status_code=303)


@pages.get("/tubetalk/jobs/{job_id}", response_class=HTMLResponse)
def tubetalk_job_page(request: Request, state: State, job_id: str) -> HTMLResponse:
    job = state.jobs.get(job_id, KIND)
    report = _report(state, job_id) if job.status == "done" else None
    return render(
        request,
        "tubetalk_job.html",
        {"job": job, "report": report, "stage_name": STAGE_NAMES.get(job.stage, job.stage)},
    )
