"""TubeTalk's background job and what comes before it: a comments upload is checked by its first bytes,
kept while its user picks the comment column when the CSV does not say, and queued; the job loads the
comments, analyses them (theme labels from the app's one model) and stores the report as its result.
The HTTP routes are in `routes.tubetalk`."""

from __future__ import annotations

import codecs
import re
import time
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from pydantic import BaseModel

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

from .deps import AppState
from .errors import Unsupported
from .jobs import Handler, Job, Progress
from .uploads import display_name, save_upload

KIND = "tubetalk"
STAGES = list(STAGE_LABELS)
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


__all__ = ["KIND", "PickColumn", "create_job", "tubetalk_handler"]
