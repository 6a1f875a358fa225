"""The web app's own SQLite file: background jobs, saved extractions, pantry drafts awaiting confirmation,
cook results, generated recipes' checks, the shopping-list selection and preferences.  Separate from the
kitchen database, which the CLI shares.

Each call opens a short-lived connection: requests run on many threads, and SQLite in WAL mode handles
one writer plus readers without a process-wide lock of ours.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
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
