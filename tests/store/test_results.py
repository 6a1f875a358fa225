"""The batch result cache file: a record keeps all of an `Extraction` but its token facts; keys are
canonical; a file from a newer Genie, or one a batch has closed, is never written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from localgenie.errors import GenieWarning
from localgenie.llm import Token, Usage
from localgenie.store.results import ResultCache, from_record, result_key, results_path, to_record
from localgenie.structured import Extraction
from localgenie.structured.complete import StageReport
from localgenie.structured.confidence import Confidence
from localgenie.structured.formats import Normalisation


def full_extraction() -> Extraction[dict[str, object]]:
    return Extraction(
        {"when": "2026-01-02", "n": 3},
        2,
        Usage(prompt_tokens=40, completion_tokens=12, forward_passes=9),
        '{"when":"2026-01-02","n":3}',
        [[("$.n", "'three' is not of type 'integer'")]],
        [Normalisation("/when", "2 Jan 2026", "2026-01-02", "a date")],
        [Token('{"', 1, -0.1)],
        leaves={"/when": "2026-01-02", "/n": 3},
        spans={"/when": None, "/n": (10, 11)},
        confidence={"/n": Confidence(0.25, 0.5, 2)},
        stages=[StageReport("tiny", "rejected", ("/n not in the text",), 1.5, Usage(completion_tokens=4))],
    )


def test_a_record_round_trips_everything_but_the_token_facts() -> None:
    original = full_extraction()
    back = from_record(to_record(original), None)
    assert back.tokens == []
    original.tokens = []
    assert back == original


def test_keys_are_canonical_and_differ_by_any_part() -> None:
    assert result_key({"a": 1, "b": [1, 2]}) == result_key({"b": [1, 2], "a": 1})
    assert result_key({"a": 1, "text": "x"}) != result_key({"a": 1, "text": "x "})


def test_records_persist_and_a_closed_cache_writes_nothing(data_dir: Path) -> None:
    cache = ResultCache()
    cache.put("k1", "m", {"data": 1})
    cache.close()
    cache.put("k2", "m", {"data": 2})  # a worker finishing after its batch stopped
    reopened = ResultCache()
    assert reopened.get("k1") == {"data": 1} and reopened.get("k2") is None
    assert reopened.count() == 1 and results_path() == data_dir / "results.sqlite"


def test_a_file_from_a_newer_genie_is_left_alone_with_a_warning(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    with sqlite3.connect(results_path()) as conn:
        conn.execute("PRAGMA user_version = 99")
    cache = ResultCache()
    with pytest.warns(GenieWarning, match="newer than this Genie"):
        assert cache.get("k") is None
    cache.put("k", "m", {"data": 1})  # off for this batch: no second warning, no write
    with sqlite3.connect(results_path()) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
