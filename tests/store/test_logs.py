"""The extraction log: every run through the API layer, successful or failed, and never in the way."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

import localgenie
from localgenie.errors import BadInput, GenieWarning, SchemaViolation
from localgenie.store import logs
from localgenie.store.schemas import schema_hash

UNSATISFIABLE = {
    "type": "object",
    "properties": {"n": {"type": "integer", "not": {"type": "integer"}}},
    "required": ["n"],
}


def test_a_successful_and_a_failed_run_are_logged_on_tiny(tiny: Any) -> None:
    localgenie.store.schemas.save("person", localgenie.schema_from_dsl("name, age int"))
    result = localgenie.extract_details("Ana is 41.", "person", backend=tiny, log=True)
    with pytest.raises(SchemaViolation):
        localgenie.extract_details("the number is five", UNSATISFIABLE, backend=tiny, log=True, max_retries=0)
    ok, failed = logs.entries()
    assert ok.ok and ok.value == result.value and ok.raw == result.raw
    assert ok.schema_name == "person" and ok.schema_hash == schema_hash(localgenie.resolve_schema("person"))
    assert (ok.backend, ok.model) == ("embedded", tiny.info.model)
    assert ok.text == "Ana is 41." and ok.attempts == 1 and ok.seconds > 0
    assert (
        ok.prompt_tokens == result.usage.prompt_tokens
        and ok.completion_tokens == result.usage.completion_tokens
    )
    assert failed.value is None and failed.error_type == "SchemaViolation" and failed.attempts == 1
    assert failed.failures == [[["$.n", failed.failures[0][0][1]]]]
    assert [e.id for e in logs.entries(schema_name="person")] == [ok.id]
    assert [e.id for e in logs.recent()] == [failed.id, ok.id]  # newest first, for the web page


def test_the_library_logs_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert logs.logging_enabled(None) is False  # a library call writes nothing by default
    assert logs.logging_enabled(True) is True  # the CLI and the web app ask
    monkeypatch.setenv("GENIE_LOG", "0")
    assert logs.logging_enabled(True) is False  # GENIE_LOG=0 wins over everything
    monkeypatch.setenv("GENIE_LOG", "1")
    assert logs.logging_enabled(None) is True
    assert logs.logging_enabled(False) is False


def _record(path: Path | None = None, **changes: Any) -> int | None:
    fields: dict[str, Any] = {
        "schema": {"type": "object"},
        "schema_name": None,
        "multi": False,
        "backend": "embedded",
        "model": "m",
        "text": "t",
        "seconds": 0.5,
        "value": {"a": 1},
    }
    fields.update(changes)
    return logs.record(path=path, **fields)


def test_entries_oldest_first_filters_and_items_of_a_many_items_run() -> None:
    for i in range(5):
        _record(text=f"t{i}", schema={"type": "object", "title": str(i % 2)})
    _record(multi=True, value={"items": [{"a": 1}, {"a": 2}]})
    assert [e.text for e in logs.entries(3)] == ["t3", "t4", "t"]
    assert [
        e.text for e in logs.entries(None, schema_hash=schema_hash({"type": "object", "title": "1"}))
    ] == [
        "t1",
        "t3",
    ]
    assert logs.entries(1)[0].items() == [{"a": 1}, {"a": 2}]


def test_a_corrupt_log_warns_once_and_logging_stops(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.warns(GenieWarning, match="logging is off"):
        assert _record(path) is None
    assert _record(path) is None  # quietly: one warning per process, not one per line of a batch
    with pytest.raises(BadInput, match="cannot be read"):
        logs.entries(path=path)


def test_a_locked_log_does_not_stop_the_extraction(
    tiny: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "LOCK_TIMEOUT", 0.2)
    logs.connect().close()
    holder = sqlite3.connect(logs.log_path(), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.warns(GenieWarning, match="database is locked"):
            value = localgenie.extract("Ana is 41.", "name, age int", backend=tiny, log=True)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert value == {"name": "Ana", "age": 41}


def test_a_log_from_a_newer_genie_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    sqlite3.connect(path).execute("PRAGMA user_version = 99")
    with pytest.warns(GenieWarning, match="newer than this Genie"):
        assert _record(path) is None
