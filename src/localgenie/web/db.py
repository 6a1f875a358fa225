"""The web app's own SQLite file: background jobs, saved extractions, pantry drafts awaiting confirmation,
cook results, generated recipes' checks, the shopping-list selection and preferences.  Separate from the
kitchen database, which the CLI shares.

Every query the routes need is a function here (the job store's are in `jobs`).  Each call opens a
short-lived connection: requests run on many threads, and SQLite in WAL mode handles one writer plus
readers without a process-wide lock of ours.  What a row holds as JSON (a draft's items, a cook's
result) is the routes' business: these functions store and return the text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from localgenie.errors import BadInput

SCHEMA = [
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        title TEXT NOT NULL,
        params TEXT NOT NULL,
        stage TEXT NOT NULL DEFAULT '',
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        fraction REAL NOT NULL DEFAULT 0,
        result TEXT,
        error TEXT,
        error_status INTEGER,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE INDEX jobs_created ON jobs(created);
    CREATE TABLE extractions (
        id INTEGER PRIMARY KEY,
        schema_text TEXT NOT NULL,
        text TEXT NOT NULL,
        model TEXT NOT NULL,
        value TEXT,
        error TEXT,
        failures TEXT NOT NULL DEFAULT '[]',
        attempts INTEGER NOT NULL DEFAULT 0,
        seconds REAL NOT NULL DEFAULT 0,
        created TEXT NOT NULL
    );
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        source_text TEXT NOT NULL,
        items TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE prefs (name TEXT PRIMARY KEY, value TEXT NOT NULL)
    """,
    # Kitchen page state: what a cook took and warned about (shown again after a reload), and the
    # recipes chosen for the shopping list.
    """
    CREATE TABLE cook_results (
        cook_id INTEGER PRIMARY KEY,
        recipe_id INTEGER NOT NULL,
        result TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE shopping (
        recipe_id INTEGER PRIMARY KEY,
        servings REAL,
        scale REAL,
        added TEXT NOT NULL
    )
    """,
    # What the model wrote and what code checked, for recipes generated from the Kitchen page.
    """
    CREATE TABLE generated (
        recipe_id INTEGER PRIMARY KEY,
        result TEXT NOT NULL,
        created TEXT NOT NULL
    )
    """,
    # Where each value of an Extract run stands in its text and how sure the model was (its review).
    """
    ALTER TABLE extractions ADD COLUMN review TEXT
    """,
]


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection in autocommit mode; ``with conn:`` blocks are not used, each statement commits."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def migrate(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with connect(path) as conn:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{path} is not a usable SQLite database: {exc}") from exc
        if version > len(SCHEMA):
            raise BadInput(f"{path} was written by a newer Genie (schema {version}): upgrade Genie")
        for number in range(version + 1, len(SCHEMA) + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in SCHEMA[number - 1].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise


def get_pref(path: Path, name: str) -> str | None:
    with connect(path) as conn:
        row = conn.execute("SELECT value FROM prefs WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row[0])


def set_pref(path: Path, name: str, value: str) -> None:
    with connect(path) as conn:
        conn.execute(
            "INSERT INTO prefs(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = ?",
            (name, value, value),
        )


def now() -> str:
    """When a row was written: UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


# ------------------------------------------------------------------ extractions (the Extract page's runs)


@dataclass(frozen=True)
class ExtractionRun:
    """One run of the Extract page: the value as JSON text, or the error and failing paths; ``review``
    (JSON text) the spans and confidence of the value's leaves (None for a failed run, or one kept before
    reviews were)."""

    schema_text: str
    text: str
    model: str
    value: str | None = None
    error: str | None = None
    failures: list[dict[str, str]] = field(default_factory=list)
    attempts: int = 0
    seconds: float = 0.0
    id: int = 0
    created: str = ""
    review: str | None = None


_RUN_COLUMNS = "schema_text, text, model, value, error, failures, attempts, seconds, id, created, review"


def add_extraction(path: Path, run: ExtractionRun) -> int:
    with connect(path) as conn:
        cur = conn.execute(
            "INSERT INTO extractions(schema_text, text, model, value, error, failures, attempts, seconds,"
            " created, review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run.schema_text,
                run.text,
                run.model,
                run.value,
                run.error,
                json.dumps(run.failures),
                run.attempts,
                run.seconds,
                now(),
                run.review,
            ),
        )
        return int(cur.lastrowid or 0)


def get_extraction(path: Path, run_id: int) -> ExtractionRun | None:
    with connect(path) as conn:
        row = conn.execute(f"SELECT {_RUN_COLUMNS} FROM extractions WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return None
    schema_text, text, model, value, error, failures, attempts, seconds, id_, created, review = row
    return ExtractionRun(
        schema_text, text, model, value, error, json.loads(failures), attempts, seconds, id_, created, review
    )


def recent_extractions(path: Path, limit: int = 10) -> list[tuple[int, str, str]]:
    """(id, the text's first 60 characters, when), newest first."""
    with connect(path) as conn:
        rows = conn.execute(
            "SELECT id, substr(text, 1, 60), created FROM extractions ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


# ------------------------------------------------------------------ pantry drafts (awaiting confirmation)


def add_draft(path: Path, source_text: str, items_json: str) -> int:
    with connect(path) as conn:
        cur = conn.execute(
            "INSERT INTO drafts(source_text, items, created) VALUES (?, ?, ?)",
            (source_text, items_json, now()),
        )
        return int(cur.lastrowid or 0)


def get_draft(path: Path, draft_id: int) -> tuple[str, str] | None:
    """(source text, items as JSON), or None once it was stored or discarded."""
    with connect(path) as conn:
        row = conn.execute("SELECT source_text, items FROM drafts WHERE id = ?", (draft_id,)).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


def delete_draft(path: Path, draft_id: int) -> None:
    with connect(path) as conn:
        conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))


# ------------------------------------------------------------------ what a cook took, what the model wrote


def put_cook_result(path: Path, cook_id: int, recipe_id: int, result_json: str) -> None:
    with connect(path) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO cook_results(cook_id, recipe_id, result, created) VALUES (?, ?, ?, ?)",
            (cook_id, recipe_id, result_json, now()),
        )


def get_cook_result(path: Path, cook_id: int, recipe_id: int) -> str | None:
    with connect(path) as conn:
        row = conn.execute(
            "SELECT result FROM cook_results WHERE cook_id = ? AND recipe_id = ?", (cook_id, recipe_id)
        ).fetchone()
    return None if row is None else str(row[0])


def put_generated(path: Path, recipe_id: int, result_json: str) -> None:
    with connect(path) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO generated(recipe_id, result, created) VALUES (?, ?, ?)",
            (recipe_id, result_json, now()),
        )


def get_generated(path: Path, recipe_id: int) -> str | None:
    with connect(path) as conn:
        row = conn.execute("SELECT result FROM generated WHERE recipe_id = ?", (recipe_id,)).fetchone()
    return None if row is None else str(row[0])


# ------------------------------------------------------------------ the recipes chosen for the shopping list


def shopping_selection(path: Path) -> list[tuple[int, float | None, float | None]]:
    """(recipe id, servings, scale) in the order they were chosen."""
    with connect(path) as conn:
        rows = conn.execute(
            "SELECT recipe_id, servings, scale FROM shopping ORDER BY added, recipe_id"
        ).fetchall()
    return [(int(r[0]), r[1], r[2]) for r in rows]


def shopping_count(path: Path, *, besides: int) -> int:
    """Recipes on the list other than ``besides``."""
    with connect(path) as conn:
        row = conn.execute("SELECT count(*) FROM shopping WHERE recipe_id != ?", (besides,)).fetchone()
    return int(row[0])


def shopping_put(path: Path, recipe_id: int, servings: float | None, scale: float | None) -> None:
    """Choose a recipe (again: with the new amount; it keeps its place on the list)."""
    with connect(path) as conn:
        conn.execute(
            "INSERT INTO shopping(recipe_id, servings, scale, added) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(recipe_id) DO UPDATE SET servings = excluded.servings, scale = excluded.scale",
            (recipe_id, servings, scale, now()),
        )


def shopping_remove(path: Path, recipe_id: int) -> None:
    with connect(path) as conn:
        conn.execute("DELETE FROM shopping WHERE recipe_id = ?", (recipe_id,))
