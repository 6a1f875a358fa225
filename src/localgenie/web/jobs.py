"""Background jobs (TubeTalk analyses, …) stored in SQLite: progress, result and error survive a reload and
a restart.

Jobs run one at a time on a worker thread (each is CPU-heavy; two at once on two cores only make both
slower).  A job that was queued or running when the server stopped is run again at the next start, from
the input it stored; its result stays in the database until deleted.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from . import db
from .errors import NotFound, status_for
from .queue import QueueFull

log = logging.getLogger("localgenie.web.jobs")

Status = Literal["queued", "running", "done", "failed"]
_COLUMNS = (
    "id, kind, status, title, params, stage, done, total, fraction, result, error, error_status, "
    "created, updated"
)


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    status: Status
    title: str
    params: dict[str, Any]
    stage: str
    done: int
    total: int
    fraction: float
    result: str | None
    error: str | None
    error_status: int | None
    created: str
    updated: str

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _job(row: tuple[Any, ...]) -> Job:
    (
        id_,
        kind,
        status,
        title,
        params,
        stage,
        done,
        total,
        fraction,
        result,
        error,
        error_status,
        created,
        updated,
    ) = row
    return Job(
        str(id_),
        str(kind),
        status,
        str(title),
        json.loads(params),
        str(stage),
        int(done),
        int(total),
        float(fraction),
        result,
        error,
        error_status,
        str(created),
        str(updated),
    )


class JobStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def create(self, kind: str, title: str, params: dict[str, Any]) -> Job:
        job_id = uuid.uuid4().hex
        now = _now()
        with db.connect(self.path) as conn:
            conn.execute(
                "INSERT INTO jobs(id, kind, status, title, params, created, updated)"
                " VALUES (?, ?, 'queued', ?, ?, ?, ?)",
                (job_id, kind, title, json.dumps(params), now, now),
            )
        return self.get(job_id)

    def get(self, job_id: str, kind: str | None = None) -> Job:
        with db.connect(self.path) as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or (kind is not None and row[1] != kind):
            raise NotFound(f"no job {job_id!r}: it never existed or was deleted")
        return _job(row)

    def recent(self, kind: str, limit: int = 20) -> list[Job]:
        with db.connect(self.path) as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE kind = ? ORDER BY created DESC LIMIT ?", (kind, limit)
            ).fetchall()
        return [_job(r) for r in rows]

    def unfinished(self) -> list[Job]:
        with db.connect(self.path) as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE status IN ('queued', 'running') ORDER BY created"
            ).fetchall()
        return [_job(r) for r in rows]

    def active_count(self) -> int:
        with db.connect(self.path) as conn:
            return int(
                conn.execute("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()[0]
            )

    def _update(self, job_id: str, **fields: Any) -> None:
        fields["updated"] = _now()
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with db.connect(self.path) as conn:
            conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*fields.values(), job_id))

    def progress(self, job_id: str, stage: str, done: int, total: int, fraction: float) -> None:
        self._update(job_id, stage=stage, done=done, total=total, fraction=min(1.0, max(0.0, fraction)))

    def start(self, job_id: str) -> None:
        self._update(job_id, status="running")

    def finish(self, job_id: str, result: str) -> None:
        self._update(job_id, status="done", result=result, fraction=1.0, stage="done")

    def fail(self, job_id: str, message: str, status: int) -> None:
        self._update(job_id, status="failed", error=message, error_status=status)

    def delete(self, job_id: str) -> None:
        with db.connect(self.path) as conn:
            conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))


Progress = Callable[[str, int, int, float], None]
# A handler turns a job's stored params into its result text (JSON); it reports progress as it goes.
Handler = Callable[[Job, Progress], str]


class JobRunner:
    def __init__(self, store: JobStore, max_jobs: int) -> None:
        self.store = store
        self.max_jobs = max_jobs
        self.handlers: dict[str, Handler] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="genie-job")

    def register(self, kind: str, handler: Handler) -> None:
        self.handlers[kind] = handler

    def submit(self, kind: str, title: str, params: dict[str, Any]) -> Job:
        active = self.store.active_count()
        if active >= self.max_jobs:
            raise QueueFull(retry_after=30, waiting=active)
        job = self.store.create(kind, title, params)
        self._executor.submit(self._run, job.id)
        return job

    def resume(self) -> int:
        """Queue again the jobs a previous server left unfinished; returns how many."""
        jobs = self.store.unfinished()
        for job in jobs:
            self._executor.submit(self._run, job.id)
        return len(jobs)

    def _run(self, job_id: str) -> None:
        try:
            job = self.store.get(job_id)
        except NotFound:
            return  # deleted while queued
        handler = self.handlers.get(job.kind)
        if handler is None:
            self.store.fail(job_id, f"this server cannot run {job.kind!r} jobs", 500)
            return
        self.store.start(job_id)

        def progress(stage: str, done: int, total: int, fraction: float) -> None:
            self.store.progress(job_id, stage, done, total, fraction)

        try:
            result = handler(job, progress)
        except Exception as exc:  # a failed job is recorded, never lost in a thread
            status = status_for(exc)
            if status == 500:
                log.exception("job %s (%s) failed", job_id, job.kind)
                message = f"internal error ({type(exc).__name__}): the server log has the details"
            else:
                message = str(exc)
            self.store.fail(job_id, message, status)
            return
        self.store.finish(job_id, result)

    def close(self) -> None:
        """Stop taking jobs; unfinished ones stay queued in the database and resume at the next start."""
        old, self._executor = (
            self._executor,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="genie-job"),
        )
        old.shutdown(wait=False, cancel_futures=True)
