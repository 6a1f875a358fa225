"""Versioned SQLite files: ``PRAGMA user_version`` plus an append-only list of migrations.

Shared by the kitchen database (`localgenie.kitchen.db`) and the extraction log: each
migration runs in one transaction with the version bump, so a crash leaves a file before or after
it, never half-migrated.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from ..errors import BadInput

Migration = Callable[[sqlite3.Connection], None]


def script(conn: sqlite3.Connection, sql: str) -> None:
    """Run several statements inside the caller's transaction (``executescript`` would COMMIT first)."""
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration], *, what: str) -> int:
    """Bring ``conn`` (opened with ``isolation_level=None``) to ``len(migrations)``; returns the version
    it was at.  A file from a newer Genie is refused rather than guessed at."""
    before = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if before > len(migrations):
        raise BadInput(
            f"the {what} is schema version {before}, newer than this Genie ({len(migrations)}): upgrade Genie"
        )
    for version in range(before + 1, len(migrations) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            migrations[version - 1](conn)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return before
