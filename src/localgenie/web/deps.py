"""What route handlers depend on (FastAPI's "dependencies" module of a bigger application): the shared app
state, a kitchen database connection per request, the CSRF check every page router runs, and the words
the API docs give each error status (the statuses themselves are looked up in `errors`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi import Path as PathParam

from localgenie.kitchen import db as kitchen_db
from localgenie.kitchen.db import MAX_ROWID

from .jobs import JobRunner, JobStore
from .queue import ModelQueue
from .security import CSRF_FIELD, UNSAFE_METHODS, verify_csrf
from .settings import WebSettings


@dataclass
class AppState:
    """Settings, the model queue and the job runner, shared by every request (kept on ``app.state``)."""

    settings: WebSettings
    queue: ModelQueue
    jobs: JobStore
    runner: JobRunner


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.genie
    return state


State = Annotated[AppState, Depends(get_state)]


def kitchen_conn(state: State) -> Iterator[sqlite3.Connection]:
    """A kitchen database connection for one request (the same file the CLI uses).

    FastAPI opens it on one thread (sync dependencies run in the threadpool) and the route uses it on
    another (the event loop for async routes, maybe another worker for sync ones), one after the other:
    so SQLite's same-thread check is off, and the connection is never shared between requests."""
    conn = kitchen_db.connect(state.settings.kitchen_db, check_same_thread=False)
    try:
        yield conn
    finally:
        conn.close()


KitchenConn = Annotated[sqlite3.Connection, Depends(kitchen_conn)]
# Pantry items, drafts and recipes are SQLite rows: a larger id is refused before it reaches SQLite.
RowId = Annotated[int, PathParam(ge=1, le=MAX_ROWID)]


async def check_csrf(request: Request) -> None:
    """Every page router's dependency: a form that changes something must carry this browser's token.

    The body is parsed once: Starlette caches the form, and the route's own ``Form()`` fields read it."""
    if request.method in UNSAFE_METHODS:
        form = await request.form()
        submitted = form.get(CSRF_FIELD)
        verify_csrf(request, submitted if isinstance(submitted, str) else None)


CSRF = [Depends(check_csrf)]

# ------------------------------------------------------------------ the API docs' error table

# What the API docs say about each status an endpoint can answer.
DESCRIPTIONS: Mapping[int, str] = {
    400: "bad input (the message says what to fix)",
    404: "not found",
    409: "the stored state does not allow it now",
    413: "the request is over a size limit",
    415: "the upload is not a kind of file this endpoint reads",
    422: "invalid request",
    429: "model busy: retry after the Retry-After header's seconds",
}


def responses(
    *statuses: int, say: Mapping[int, str] | None = None, ok: Mapping[str, Any] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for these error statuses, in the shared words unless ``say`` has better
    ones for this endpoint (``responses(400, 404, say={404: "no such recipe"})``); ``ok`` describes a
    200 that is not the response model (a stream, a file)."""
    words = {**DESCRIPTIONS, **(say or {})}
    out: dict[int | str, dict[str, Any]] = {status: {"description": words[status]} for status in statuses}
    if ok is not None:
        out[200] = dict(ok)
    return out


__all__ = [
    "CSRF",
    "AppState",
    "KitchenConn",
    "RowId",
    "State",
    "check_csrf",
    "get_state",
    "kitchen_conn",
    "responses",
]
