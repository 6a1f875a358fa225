"""TubeTalk over HTTP: a comments file (or a YouTube URL) becomes a background job whose progress streams
to the page (SSE) and whose report stays in the database after a reload or a restart."""

from __future__ import annotations

import asyncio
import codecs
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sse_starlette.sse import EventSourceResponse

import localgenie
from localgenie import tubetalk
from localgenie.errors import BadInput
from localgenie.structured import DEFAULT_MAX_RETRIES, Extraction, Schema
from localgenie.tubetalk.labels import NoDrafting
from localgenie.tubetalk.pipeline import STAGE_LABELS
from localgenie.tubetalk.sources import (
    NoTextColumn,
    check_csv_columns,
    is_youtube_reference,
    likely_text_column,
)

from ..deps import CSRF, AppState, State, responses
from ..errors import NotFound, Unsupported
from ..jobs import Handler, Job, Progress
from ..models import JobOut
from ..pages import render
from ..uploads import display_name, save_upload

api = APIRouter(prefix="/api", tags=["tubetalk"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)

KIND = "tubetalk"
STAGES = list(STAGE_LABELS)
STAGE_NAMES = {**STAGE_LABELS, "import": "importing recipes", "done": "done"}
MAX_COMMENTS = 200_000
# Binary formats people upload by mistake, recognised by their first bytes (the declared type is not trusted).
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or an Excel/Word file)",
    b"\x1f\x8b": "a gzip file",
    b"%PDF": "a PDF",
    b"SQLite format 3": "a SQLite database",
}
SSE_POLL_SECONDS = 0.25
REPORT_FILE = "tubetalk-report-{job_id}.html"  # job ids are hex: safe in a header and a file name
# An upload kept while its user picks the comment column; one never picked is deleted after this long.
PENDING_SECONDS = 3600


class PickColumn(BadInput):
    """The uploaded CSV names no column as comment text: the form asks which one, keeping the upload
    (``token``) so it is not sent again."""

    def __init__(self, message: str, *, token: str, name: str, columns: list[str], guess: str | None):
        super().__init__(message)
        self.token = token
        self.name = name
        self.columns = columns
        self.guess = guess


# ------------------------------------------------------------------ upload checks


def _sniff(head: bytes) -> None:
    """Refuse content that is not text, whatever its declared type or extension."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise Unsupported(f"the upload is {what}, not comments: send CSV, JSON or JSONL text")
    if b"\x00" in head:
        raise Unsupported("the upload contains NUL bytes: it is binary, not a CSV/JSON/JSONL comments file")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise Unsupported(f"the upload is not UTF-8 text (bad byte at offset {exc.start})") from exc


def _upload_path(state: AppState, token: str, suffix: str = "upload") -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        raise BadInput("corrupt job parameters")
    return state.settings.upload_dir / f"{token}.{suffix}"


def _forget_stale_pending(state: AppState) -> None:
    """Delete uploads kept for a column choice that never came (the form was left)."""
    folder = state.settings.upload_dir
    if not folder.is_dir():
        return
    now = time.time()
    for path in folder.glob("*.pending"):
        try:
            if now - path.stat().st_mtime > PENDING_SECONDS:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # removed meanwhile


# ------------------------------------------------------------------ the job


def tubetalk_handler(state: AppState) -> Handler:
    def run(job: Job, progress: Progress) -> str:
        params = job.params
        upload = params.get("upload")
        path = _upload_path(state, upload) if upload else None
        try:
            progress("load", 0, 1, 0.0)
            if path is not None:
                if not path.is_file():
                    raise BadInput(
                        "the uploaded file is gone (deleted from the server's data dir): upload it again"
                    )
                try:
                    loaded = tubetalk.load(
                        path,
                        columns=params.get("columns") or None,
                        max_comments=int(params.get("max_comments", MAX_COMMENTS)),
                    )
                except NoTextColumn as exc:  # the library's message names the CLI's flag
                    raise BadInput(
                        f"cannot tell which CSV column holds the comment text (columns: "
                        f"{', '.join(exc.columns)}); name it with the text_column field"
                    ) from None
            else:
                loaded = tubetalk.load(
                    str(params["url"]), max_comments=int(params.get("max_comments", MAX_COMMENTS))
                )
            loaded.source = str(params.get("name", "comments"))

            def on_progress(stage: str, done: int, total: int) -> None:
                index = STAGES.index(stage) if stage in STAGES else len(STAGES) - 1
                progress(stage, done, total, (index + done / max(total, 1)) / len(STAGES))

            report = tubetalk.analyze(
                loaded,
                llm=_shared_model_labels(state) if params.get("llm") else None,
                embedder=state.settings.embedder,
                progress=on_progress,
                k=params.get("themes"),
            )
            return report.model_dump_json()
        finally:
            if path is not None:
                path.unlink(missing_ok=True)

    return run


def _shared_model_labels(state: AppState) -> tubetalk.LLMOptions:
    """Theme labels from the app's one model, each call waiting its turn in the queue (no drafting)."""

    def shared_extract(
        text: str,
        schema: Schema | type[BaseModel],
        *,
        model: str | None = None,  # the queue's model answers, whatever is asked
        max_tokens: int | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> Extraction[Any]:
        return state.queue.run_sync(
            lambda backend: localgenie.extract_details(
                text, schema, backend=NoDrafting(backend), max_tokens=max_tokens, max_retries=max_retries
            ),
            kind="theme label",
        )

    return tubetalk.LLMOptions.from_extractor(shared_extract, model=state.queue.model)


def _report(state: AppState, job_id: str) -> tubetalk.TubeTalkReport:
    job = state.jobs.get(job_id, KIND)
    if job.status == "failed":
        raise BadInput(f"the job failed: {job.error}")
    if job.status != "done" or job.result is None:
        raise NotFound(f"job {job_id} is {job.status}: the report is not ready yet")
    return tubetalk.TubeTalkReport.model_validate_json(job.result)


async def create_job(
    state: AppState,
    file: UploadFile | None,
    url: str | None,
    themes: int | None,
    llm: bool,
    *,
    text_column: str | None = None,
    pending: str | None = None,
    pending_name: str = "",
    ask_column: bool = False,
) -> Job:
    """Check the request and queue the job.  ``text_column`` names the CSV column of the comment text;
    ``pending`` is the token of an upload kept by an earlier `PickColumn` (then no file is sent).
    ``ask_column``: a CSV whose text column cannot be told raises `PickColumn` now, before queueing (the
    form asks); otherwise the job fails saying so (API clients, which may pass ``text_column``)."""
    url = (url or "").strip() or None
    text_column = (text_column or "").strip() or None
    if themes is not None and not 2 <= themes <= 30:
        raise BadInput("themes must be between 2 and 30")
    if pending:
        path = _upload_path(state, pending, "pending")
        return _submit_upload(state, path, pending_name, themes, llm, text_column, ask_column)
    if (file is None or not file.filename) == (url is None):
        raise BadInput("give either a comments file or a YouTube URL")
    params: dict[str, Any] = {"themes": themes, "llm": llm, "max_comments": MAX_COMMENTS}
    if url is not None:
        # Only a full YouTube URL: a bare word could name a file on the server, and a request never does.
        if not url.startswith(("https://", "http://")) or not is_youtube_reference(url) or len(url) > 300:
            raise BadInput("the URL must be a https://www.youtube.com/watch?v=… or https://youtu.be/… link")
        params |= {"url": url, "name": url}
        return state.runner.submit(KIND, url, params)
    assert file is not None
    empty = "the uploaded file is empty: it holds no comments"
    saved = await save_upload(file, state.settings.upload_dir, "upload", _sniff, empty)
    return _submit_upload(state, saved, file.filename or "", themes, llm, text_column, ask_column)


def _submit_upload(
    state: AppState,
    path: Path,
    client_name: str,
    themes: int | None,
    llm: bool,
    text_column: str | None,
    ask_column: bool,
) -> Job:
    """Queue the job for an upload saved at ``path`` (a fresh ``.upload`` or a kept ``.pending``)."""
    _forget_stale_pending(state)
    if not path.is_file():
        raise BadInput("the uploaded file is gone (kept an hour while a column is picked): upload it again")
    token = path.stem
    name = display_name(client_name, "uploaded comments", 120)
    columns = {"text": text_column} if text_column else {}
    try:
        if ask_column or columns:
            check_csv_columns(path, columns)
    except NoTextColumn as exc:
        if ask_column:
            kept = path.rename(_upload_path(state, token, "pending"))
            kept.touch()  # the hour starts now
            raise PickColumn(
                "This CSV has no column named like comment text (text, comment, content, body…): "
                "pick the column that holds the comments.",
                token=token,
                name=name,
                columns=exc.columns,
                guess=likely_text_column(kept),
            ) from None
        path.unlink(missing_ok=True)
        raise
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    upload = path.rename(_upload_path(state, token)) if path.suffix == ".pending" else path
    params: dict[str, Any] = {
        "themes": themes,
        "llm": llm,
        "max_comments": MAX_COMMENTS,
        "upload": token,
        "name": name,
        "columns": columns,
    }
    try:
        return state.runner.submit(KIND, name, params)
    except BaseException:
        upload.unlink(missing_ok=True)
        raise


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
