"""The kitchen database: one SQLite file (pantry, staples, cook log, imported recipes) with migrations.

``PRAGMA user_version`` records the schema version.  Each migration runs in one transaction together with
the version bump, so a crash leaves the file either before or after it, never half-migrated; existing rows
are carried forward (migration 2 back-fills canonical names for pantry items stored by version 1).
WAL mode lets a reader (``list``) run while an import writes, and a killed import loses only its
uncommitted batch.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from localgenie.config import data_dir
from localgenie.errors import BadInput
from localgenie.store.sqlite import migrate as run_migrations
from localgenie.store.sqlite import script


def default_path() -> Path:
    """``GENIE_DB`` if set, else ``kitchen.sqlite`` in the user data directory."""
    override = os.environ.get("GENIE_DB")
    return Path(override) if override else data_dir() / "kitchen.sqlite"


def _v1(conn: sqlite3.Connection) -> None:
    # The CHECK spells expiry.LOCATIONS as released in version 1: a migration never changes, so a test
    # (tests/kitchen/test_domain_words.py) holds the two equal instead.
    script(
        conn,
        """
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            quantity REAL NOT NULL CHECK (quantity >= 0),
            unit TEXT NOT NULL,
            location TEXT NOT NULL CHECK (location IN ('fridge', 'freezer', 'pantry')),
            added TEXT NOT NULL,
            expires TEXT
        );
        """,
    )


def _v2(conn: sqlite3.Connection) -> None:
    from localgenie.kitchen.vocab import ingredient_key

    script(
        conn,
        """
        ALTER TABLE items ADD COLUMN canonical TEXT NOT NULL DEFAULT '';
        ALTER TABLE items ADD COLUMN opened INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE items ADD COLUMN expiry_source TEXT NOT NULL DEFAULT 'given by user';
        CREATE TABLE staples (name TEXT PRIMARY KEY);
        """,
    )
    rows = conn.execute("SELECT id, name FROM items").fetchall()
    for item_id, name in rows:
        conn.execute("UPDATE items SET canonical = ? WHERE id = ?", (ingredient_key(name), item_id))
    from localgenie.kitchen.vocab import default_staples

    conn.executemany("INSERT INTO staples(name) VALUES (?)", [(s,) for s in default_staples()])


def _v3(conn: sqlite3.Connection) -> None:
    script(
        conn,
        """
        CREATE TABLE recipes (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            source TEXT,
            url TEXT,
            servings REAL,
            total_time_min INTEGER,
            tags TEXT NOT NULL DEFAULT '[]',
            directions TEXT NOT NULL DEFAULT '[]',
            lines TEXT NOT NULL,
            n_keys INTEGER NOT NULL,
            keys TEXT NOT NULL DEFAULT '',
            diet TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE recipe_keys (
            key TEXT NOT NULL,
            recipe_id INTEGER NOT NULL REFERENCES recipes(id) ON DELETE CASCADE,
            PRIMARY KEY (key, recipe_id)
        ) WITHOUT ROWID;
        CREATE TABLE imports (
            path TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            rows_done INTEGER NOT NULL,
            added INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            finished INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (path, fingerprint)
        );
        CREATE TABLE cooks (
            id INTEGER PRIMARY KEY,
            recipe_id INTEGER NOT NULL,
            servings REAL,
            at TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE cook_changes (
            cook_id INTEGER NOT NULL REFERENCES cooks(id),
            item_id INTEGER NOT NULL,
            before_quantity REAL NOT NULL,
            after_quantity REAL NOT NULL,
            deleted_row TEXT
        );
        CREATE INDEX items_expires ON items(expires);
        CREATE TABLE postings (key TEXT PRIMARY KEY, ids BLOB NOT NULL);
        CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE recipe_arrays (name TEXT PRIMARY KEY, data BLOB NOT NULL);
        """,
    )


# Append only: a released migration never changes, or existing databases would diverge.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to the current schema; returns the version it was at before."""
    return run_migrations(conn, MIGRATIONS, what="kitchen database")


def connect(path: Path | str | None = None, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the kitchen database.

    ``check_same_thread=False`` is for a caller that hands the connection from thread to thread but never
    uses it from two at once (a web request: opened in one worker thread, used in another)."""
    target = Path(path) if path is not None else default_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and target.stat().st_size > 0:
        with target.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise BadInput(f"{target} is not a SQLite database; pass another file with --db or GENIE_DB")
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly what we wrote.
    conn = sqlite3.connect(target, isolation_level=None, timeout=30, check_same_thread=check_same_thread)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise BadInput(f"{target} cannot be used as the kitchen database: {exc}") from exc
    return conn


MAX_ROWID = 2**63 - 1  # SQLite's largest integer: a larger id names no row (and cannot be bound)


class Transaction:
    """``with Transaction(conn):`` - BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
