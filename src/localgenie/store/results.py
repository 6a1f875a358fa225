"""The result cache of batches: one SQLite row per finished extraction, keyed by what decides its answer.

``genie extract --json-lines`` and `localgenie.extract_batch` look each text up here before asking the
model and write each answer as soon as it is valid, so a batch stopped by a crash or Ctrl-C, run again,
skips the texts it finished and prints the same output.  The key (`result_key`) is the SHA-256 of the
model's identity, the canonical schema, the prompt, the text and the options that change the answer;
only successful extractions are kept (a failure is tried again next time: it may have been the
server, or an option the user has since changed).

The file is ``<data dir>/results.sqlite`` (``GENIE_DATA_DIR``), with its own migrations.  Like the
extraction log it is a convenience, never a reason for a batch to fail: a locked, corrupt or newer file
is warned about once (`GenieWarning`) and the batch runs without it.  ``GENIE_RESULT_CACHE=0`` turns it
off everywhere; deleting the file empties it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import warnings
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..config import data_dir
from ..errors import BadInput, GenieWarning
from ..llm.base import Usage
from ..structured.complete import Extraction, StageReport
from ..structured.confidence import Confidence
from ..structured.formats import Normalisation
from .sqlite import migrate, script

KEY_FORMAT = 1  # part of every key: a change to what a record holds starts a fresh cache
LOCK_TIMEOUT = 3.0
_OFF = {"0", "false", "no", "off"}


def results_path() -> Path:
    return data_dir() / "results.sqlite"


def cache_enabled(requested: bool) -> bool:
    """``GENIE_RESULT_CACHE=0`` wins over ``requested``."""
    return requested and os.environ.get("GENIE_RESULT_CACHE", "").strip().lower() not in _OFF


def result_key(parts: dict[str, Any]) -> str:
    """SHA-256 of ``parts`` as canonical JSON (sorted keys, no spaces): the same request, one key."""
    canonical = json.dumps(
        {"format": KEY_FORMAT, **parts}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _v1(conn: sqlite3.Connection) -> None:
    script(
        conn,
        """
        CREATE TABLE results (
            key TEXT PRIMARY KEY,
            created TEXT NOT NULL,
            model TEXT NOT NULL,
            record TEXT NOT NULL
        );
        """,
    )


# Append only: a released migration never changes.
MIGRATIONS = [_v1]


class ResultCache:
    """The cache file, opened once per batch and shared by its worker threads (one connection, one
    lock).  `get` and `put` never raise: the first problem turns the cache off for this batch, warned.
    After `close` both do nothing (a worker finishing after its batch was stopped)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or results_path()
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._broken = False
        self._closed = False

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, isolation_level=None, timeout=LOCK_TIMEOUT, check_same_thread=False
            )
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                migrate(conn, MIGRATIONS, what=f"result cache {self.path}")
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def get(self, key: str) -> dict[str, Any] | None:
        """The record stored under ``key``, or None."""
        with self._lock:
            if self._broken or self._closed:
                return None
            try:
                row = (
                    self._connection().execute("SELECT record FROM results WHERE key = ?", (key,)).fetchone()
                )
                return None if row is None else dict(json.loads(row[0]))
            except (sqlite3.Error, OSError, BadInput, ValueError) as exc:
                self._stop(exc)
                return None

    def put(self, key: str, model: str, record: dict[str, Any]) -> None:
        """Keep ``record`` under ``key`` (committed at once: a crash right after loses nothing)."""
        text = json.dumps(record, ensure_ascii=False)
        with self._lock:
            if self._broken or self._closed:
                return
            try:
                self._connection().execute(
                    "INSERT OR REPLACE INTO results(key, created, model, record) VALUES (?, ?, ?, ?)",
                    (key, datetime.now(UTC).isoformat(timespec="milliseconds"), model, text),
                )
            except (sqlite3.Error, OSError, BadInput) as exc:
                self._stop(exc)

    def count(self) -> int:
        with self._lock:
            return int(self._connection().execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _stop(self, exc: BaseException) -> None:
        self._broken = True
        warnings.warn(
            f"the result cache {self.path} cannot be used ({exc}): this batch runs without it, so a rerun "
            "extracts every line again (set GENIE_RESULT_CACHE=0 to silence this)",
            GenieWarning,
            stacklevel=3,
        )


def to_record(result: Extraction[Any]) -> dict[str, Any]:
    """What is kept of an `Extraction`: all but its token facts (``tokens`` is empty when read back)."""
    return {
        "data": result.value.model_dump(mode="json", by_alias=True)
        if isinstance(result.value, BaseModel)
        else result.value,
        "attempts": result.attempts,
        "usage": asdict(result.usage),
        "raw": result.raw,
        "failures": result.failures,
        "normalised": [asdict(n) for n in result.normalised],
        "leaves": result.leaves,
        "spans": result.spans,
        "confidence": {pointer: [c.min, c.mean, c.tokens] for pointer, c in result.confidence.items()},
        "stages": [{**asdict(s), "usage": asdict(s.usage)} for s in result.stages],
    }


def from_record(record: dict[str, Any], model_class: type[BaseModel] | None) -> Extraction[Any]:
    """The `Extraction` `to_record` kept (its value an instance of ``model_class`` when one is given)."""
    data = record["data"]
    return Extraction(
        model_class.model_validate(data) if model_class is not None else data,
        int(record["attempts"]),
        Usage(**record["usage"]),
        str(record["raw"]),
        [[(str(path), str(message)) for path, message in failure] for failure in record["failures"]],
        [Normalisation(**n) for n in record["normalised"]],
        [],
        leaves=dict(record["leaves"]),
        spans={p: None if s is None else (int(s[0]), int(s[1])) for p, s in record["spans"].items()},
        confidence={p: Confidence(c[0], c[1], int(c[2])) for p, c in record["confidence"].items()},
        stages=[
            StageReport(
                s["stage"], s["outcome"], tuple(s["reasons"]), float(s["seconds"]), Usage(**s["usage"])
            )
            for s in record["stages"]
        ],
    )
