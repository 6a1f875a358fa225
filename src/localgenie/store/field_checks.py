"""What a cascade learns from its own runs: per schema, stage and field, how often the stage's value
matched the answer of the stage that had the last word.

When a cheap stage's answer is rejected and a later stage answers, each field the cheap stage wrote
is *checked* against the accepted answer (`record`).  A field the stage got wrong in most checked runs
of a schema (`MIN_CHECKED` runs at least) sends later requests for that schema straight to the next
stage (`weak_field`): a small model that always writes ``service`` wrong on log lines is not worth
asking again.  Array indices are folded (``/devices/*/name``), so every item counts for its field.

Kept in the extraction log's database (its ``field_checks`` table), with the same rule: a log that
cannot be read or written never fails an extraction (`logs.record` warns once).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput
from . import logs

MIN_CHECKED = 3  # runs of a field before its record is trusted
WRONG_SHARE = 0.5  # more than this share wrong: skip the stage for the schema
_INDEX = re.compile(r"/\d+(?=/|$)")


def field_of(pointer: str) -> str:
    """``/devices/3/name`` → ``/devices/*/name``: one record per field, not per item."""
    return _INDEX.sub("/*", pointer)


def compare(candidate: Mapping[str, Any], accepted: Mapping[str, Any]) -> dict[str, bool]:
    """Per field the candidate wrote: whether every value of it matches the accepted answer's."""
    verdict: dict[str, bool] = {}
    for pointer, value in candidate.items():
        same = pointer in accepted and accepted[pointer] == value
        name = field_of(pointer)
        verdict[name] = verdict.get(name, True) and same
    return verdict


@dataclass(frozen=True)
class FieldRecord:
    pointer: str
    agreed: int
    disagreed: int

    @property
    def checked(self) -> int:
        return self.agreed + self.disagreed


def record(schema_hash: str, stage: str, verdict: Mapping[str, bool], *, path: Path | None = None) -> None:
    """Add one checked run of ``stage`` on a schema (``verdict``: field → matched)."""
    if not verdict:
        return
    target = (path or logs.log_path()).resolve()
    if logs.is_broken(target):
        return
    rows = [(schema_hash, stage, pointer, int(same), int(not same)) for pointer, same in verdict.items()]
    try:
        conn = logs.connect(target)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO field_checks(schema_hash, stage, pointer, agreed, disagreed)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(schema_hash, stage, pointer) DO UPDATE SET"
                " agreed = agreed + excluded.agreed, disagreed = disagreed + excluded.disagreed",
                rows,
            )
            conn.execute("COMMIT")
        finally:
            conn.close()
    except (sqlite3.Error, OSError, BadInput) as exc:
        logs.broken(target, exc)


def records(schema_hash: str, stage: str, *, path: Path | None = None) -> list[FieldRecord]:
    """Every field record of ``stage`` on a schema, most often wrong first (none when the log is unusable)."""
    target = (path or logs.log_path()).resolve()
    if logs.is_broken(target) or not target.exists():
        return []
    try:
        conn = logs.connect(target)
        try:
            rows = conn.execute(
                "SELECT pointer, agreed, disagreed FROM field_checks WHERE schema_hash = ? AND stage = ?"
                " ORDER BY disagreed DESC, pointer",
                (schema_hash, stage),
            ).fetchall()
        finally:
            conn.close()
    except (sqlite3.Error, OSError, BadInput) as exc:
        logs.broken(target, exc)
        return []
    return [FieldRecord(str(p), int(a), int(d)) for p, a, d in rows]


def weak_field(schema_hash: str, stage: str, *, path: Path | None = None) -> FieldRecord | None:
    """The field ``stage`` got wrong most often on this schema, when it did so in more than
    `WRONG_SHARE` of at least `MIN_CHECKED` checked runs; else None."""
    for found in records(schema_hash, stage, path=path):
        if found.checked >= MIN_CHECKED and found.disagreed > WRONG_SHARE * found.checked:
            return found
    return None
