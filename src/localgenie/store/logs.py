"""The extraction log: one SQLite row per extraction, successful or not (``genie logs``).

What is kept: when, which backend and model, the schema (by hash, its JSON once per hash, and the
saved name it was called by), the input text, the raw answer, the parsed value, attempts, tokens,
seconds and the error.  The log is a convenience, never a reason for an extraction to fail: when
the file is locked, corrupt or from a newer Genie, `record` warns once (`GenieWarning`) and the
process stops logging.

``GENIE_LOG=0`` turns logging off everywhere; ``GENIE_LOG=1`` turns it on for library calls too
(which otherwise log only when asked, ``log=True``, as the CLI does).
"""

from __future__ import annotations

import json
import os
import sqlite3
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..config import data_dir
from ..errors import BadInput, GenieWarning
from ..llm.base import Usage
from ..structured.schema import Schema
from .schemas import schema_hash
from .sqlite import migrate, script

LOCK_TIMEOUT = 3.0  # seconds to wait for another writer before giving up on logging (never on extracting)
_OFF = {"0", "false", "no", "off"}
_ON = {"1", "true", "yes", "on"}


def log_path() -> Path:
    return data_dir() / "logs.sqlite"


def logging_enabled(requested: bool | None) -> bool:
    """``GENIE_LOG=0`` wins over everything; ``requested=None`` (the library default) means off unless
    ``GENIE_LOG=1``."""
    setting = os.environ.get("GENIE_LOG", "").strip().lower()
    if setting in _OFF:
        return False
    if requested is None:
        return setting in _ON
    return requested


@dataclass(frozen=True)
class LogEntry:
    """One logged extraction.  ``value`` is the parsed answer (for a many-items run ``{"items": [...]}``),
    None when it failed; ``error`` and ``error_type`` say why."""

    id: int
    created: str
    backend: str
    model: str
    schema_hash: str
    schema_name: str | None
    multi: bool
    text: str
    raw: str | None
    value: Any
    attempts: int
    prompt_tokens: int | None
    completion_tokens: int | None
    seconds: float
    error: str | None
    error_type: str | None
    failures: list[list[list[str]]]

    @property
    def ok(self) -> bool:
        return self.error is None

    def items(self) -> list[Any]:
        """The extracted objects: the value, or each item of a many-items run; none for a failed run."""
        if self.value is None:
            return []
        if self.multi and isinstance(self.value, dict) and isinstance(self.value.get("items"), list):
            return list(self.value["items"])
        return [self.value]


def _v1(conn: sqlite3.Connection) -> None:
    script(
        conn,
        """
        CREATE TABLE schemas (hash TEXT PRIMARY KEY, schema TEXT NOT NULL);
        CREATE TABLE extractions (
            id INTEGER PRIMARY KEY,
            created TEXT NOT NULL,
            backend TEXT NOT NULL,
            model TEXT NOT NULL,
            schema_hash TEXT NOT NULL REFERENCES schemas(hash),
            schema_name TEXT,
            multi INTEGER NOT NULL DEFAULT 0,
            text TEXT NOT NULL,
            raw TEXT,
            value TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            seconds REAL NOT NULL,
            error TEXT,
            error_type TEXT,
            failures TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX extractions_schema_hash ON extractions(schema_hash);
        CREATE INDEX extractions_schema_name ON extractions(schema_name);
        """,
    )


def _v2(conn: sqlite3.Connection) -> None:
    # Per schema, cascade stage and field: how often the stage's value matched the later stage's answer.
    script(
        conn,
        """
        CREATE TABLE field_checks (
            schema_hash TEXT NOT NULL,
            stage TEXT NOT NULL,
            pointer TEXT NOT NULL,
            agreed INTEGER NOT NULL DEFAULT 0,
            disagreed INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (schema_hash, stage, pointer)
        );
        """,
    )


# Append only: a released migration never changes, or existing log files would diverge.
MIGRATIONS = [_v1, _v2]


def connect(path: Path | None = None) -> sqlite3.Connection:
    """Open (creating and migrating) the log; `sqlite3.Error` / `OSError` / `BadInput` when unusable."""
    target = path or log_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, isolation_level=None, timeout=LOCK_TIMEOUT)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn, MIGRATIONS, what=f"extraction log {target}")
    except BaseException:
        conn.close()
        raise
    return conn


# Paths whose log failed in this process, with the reason: warn once, then stay quiet and fast.
_broken: dict[Path, str] = {}


def record(
    *,
    schema: Schema,
    schema_name: str | None,
    multi: bool,
    backend: str,
    model: str,
    text: str,
    seconds: float,
    value: Any = None,
    raw: str | None = None,
    attempts: int = 0,
    usage: Usage | None = None,
    error: BaseException | None = None,
    failures: list[list[tuple[str, str]]] | None = None,
    path: Path | None = None,
) -> int | None:
    """Append one extraction; returns its id, or None when the log is off or unusable (warned once)."""
    target = (path or log_path()).resolve()
    if target in _broken:
        return None
    digest = schema_hash(schema)
    row = (
        datetime.now(UTC).isoformat(timespec="milliseconds"),
        backend,
        model,
        digest,
        schema_name,
        int(multi),
        text,
        raw,
        None if value is None else json.dumps(_plain(value), ensure_ascii=False),
        attempts,
        usage.prompt_tokens if usage else None,
        usage.completion_tokens if usage else None,
        round(seconds, 3),
        None if error is None else str(error),
        None if error is None else type(error).__name__,
        json.dumps(failures or []),
    )
    try:
        conn = connect(target)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT OR IGNORE INTO schemas(hash, schema) VALUES (?, ?)",
                (digest, json.dumps(schema, sort_keys=True, ensure_ascii=False)),
            )
            cur = conn.execute(
                "INSERT INTO extractions(created, backend, model, schema_hash, schema_name, multi, text, raw,"
                " value, attempts, prompt_tokens, completion_tokens, seconds, error, error_type, failures)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            conn.execute("COMMIT")
            return int(cur.lastrowid or 0)
        finally:
            conn.close()
    except (sqlite3.Error, OSError, BadInput) as exc:
        broken(target, exc, stacklevel=3)
        return None


def broken(target: Path, exc: BaseException, stacklevel: int = 2) -> None:
    """Stop using the log at ``target`` in this process, with one warning saying why."""
    _broken[target] = str(exc)
    warnings.warn(
        f"logging is off: the extraction log {target} cannot be written ({exc}); "
        "the extraction itself is unaffected (set GENIE_LOG=0 to silence this)",
        GenieWarning,
        stacklevel=stacklevel,
    )


def is_broken(target: Path) -> bool:
    return target in _broken


def entries(
    n: int | None = 10,
    *,
    schema_hash: str | None = None,
    schema_name: str | None = None,
    path: Path | None = None,
) -> list[LogEntry]:
    """The last ``n`` logged extractions (all with ``n=None``), oldest first; filtered by schema hash
    and / or saved name (either matches).  `BadInput` when the log cannot be read."""
    target = path or log_path()
    if not target.exists():
        return []
    where, params = "", []
    filters = [(c, v) for c, v in (("schema_hash", schema_hash), ("schema_name", schema_name)) if v]
    if filters:
        where = "WHERE " + " OR ".join(f"{column} = ?" for column, _ in filters)
        params = [value for _, value in filters]
    limit = "" if n is None else f"LIMIT {int(n)}"
    try:
        conn = connect(target)
        try:
            rows = conn.execute(
                "SELECT id, created, backend, model, schema_hash, schema_name, multi, text, raw, value,"
                " attempts, prompt_tokens, completion_tokens, seconds, error, error_type, failures"
                f" FROM extractions {where} ORDER BY id DESC {limit}",
                params,
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BadInput(
            f"the extraction log {target} cannot be read ({exc}): move it away to start a new log"
        ) from None
    return [_entry(row) for row in reversed(rows)]


def recent(n: int = 10, *, schema: Schema | None = None, path: Path | None = None) -> list[LogEntry]:
    """The web Extract page's list: the last ``n`` runs (of ``schema`` when given), newest first."""
    found = entries(n, schema_hash=schema_hash(schema) if schema is not None else None, path=path)
    return list(reversed(found))


def _entry(row: tuple[Any, ...]) -> LogEntry:
    return LogEntry(
        id=int(row[0]),
        created=row[1],
        backend=row[2],
        model=row[3],
        schema_hash=row[4],
        schema_name=row[5],
        multi=bool(row[6]),
        text=row[7],
        raw=row[8],
        value=None if row[9] is None else json.loads(row[9]),
        attempts=int(row[10]),
        prompt_tokens=row[11],
        completion_tokens=row[12],
        seconds=float(row[13]),
        error=row[14],
        error_type=row[15],
        failures=json.loads(row[16]),
    )


def _plain(value: Any) -> Any:
    """Pydantic instances (a model class as the schema) are logged as the JSON they came from."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value
