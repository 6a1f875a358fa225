"""What every route shares: settings, the model queue and the job runner, kept on ``app.state``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Request

from localgenie.kitchen import db as kitchen_db

from .jobs import JobRunner, JobStore
from .queue import ModelQueue
from .settings import WebSettings


@dataclass
class AppState:
    settings: WebSettings
    queue: ModelQueue
    jobs: JobStore
    runner: JobRunner


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.genie
    return state


def kitchen_conn(request: Request) -> Iterator[sqlite3.Connection]:
    """A kitchen database connection for one request (the same file the CLI uses).

    FastAPI opens it on one thread (sync dependencies run in the threadpool) and the route uses it on
    another (the event loop for async routes, maybe another worker for sync ones), one after the other:
    so SQLite's same-thread check is off, and the connection is never shared between requests."""
    conn = kitchen_db.connect(get_state(request).settings.kitchen_db, check_same_thread=False)
    try:
        yield conn
    finally:
        conn.close()
