"""The quality runner: which tasks it picks, in which order, and what it records for one real extraction."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from localgenie.evaluation import leaves

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import extract_quality
import quality_tasks

from ..structured.scripted import ScriptedBackend


def test_a_limit_spreads_over_levels_and_schemas_and_runs_schema_by_schema() -> None:
    tasks = quality_tasks.build_tasks(0)
    picked = extract_quality.select(tasks, 30)
    assert len(picked) == 30
    assert Counter(t["level"] for t in picked) == {"simple": 10, "medium": 10, "complex": 10}
    assert len({t["schema_name"] for t in picked}) == 24
    runs = [
        name
        for n, name in enumerate(t["schema_name"] for t in picked)
        if n == 0 or picked[n - 1]["schema_name"] != name
    ]
    assert len(runs) == len(set(runs)), "tasks of one schema must run one after another"
    assert extract_quality.select(list(reversed(tasks)), 30) == picked
    assert extract_quality.select(tasks, None) == extract_quality.select(tasks, 10_000)


def test_one_task_on_the_tiny_model_records_cost_and_outcome(tiny: Any) -> None:
    task = next(t for t in quality_tasks.build_tasks(0) if t["id"] == "sensor_reading-00")
    recorder = extract_quality.Recorder(tiny)
    result, record = extract_quality.run_task(task, "tiny", recorder)
    assert record["prompt_tokens"] > 100
    assert record["completion_tokens"] > 10
    assert record["forward_passes"] > 0
    assert record["attempts"] == len(record["raw"]) == len(record["attempt_outcomes"]) >= 1
    assert record["tp"] + record["fn"] == 5  # the expected reading has five leaves
    assert record["ok"] == result.correct
    if record["error_type"] is None:
        assert record["schema_valid"] and record["attempt_outcomes"][-1] in ("valid", "completed")
    # Per leaf: the five expected ones first, each with its grounding and (embedded model) confidence.
    assert [leaf["pointer"] for leaf in record["leaves"][:5]] == list(leaves(task["expected"]))
    if record["error_type"] is None:
        answered = [leaf for leaf in record["leaves"] if leaf["answered"]]
        assert answered and all(leaf["min"] is not None for leaf in answered)
        assert 0 <= record["grounding_seconds"] < record["seconds"]


@pytest.mark.parametrize("refuses", [True, False])
def test_an_expect_error_task_is_right_only_when_the_extractor_refuses(refuses: bool) -> None:
    """Scoring, on scripted answers (tiny on this task writes 3 x 1,024 tokens before it gives up: 100 s
    of the suite for a check of the scorer; the real model's record is the test above)."""
    task = next(t for t in quality_tasks.build_tasks(0) if t["id"] == "sensor_reading-07-badformat")
    invented = '{"sensor_id": "ENV-0404", "temperature_c": 7.1, "humidity_pct": 78.5, '
    invented += '"recorded_at": "2026-01-01T00:00:00Z", "battery_low": false}'
    backend = ScriptedBackend(*(['{"sensor_id": "ENV-0404"}'] * 3 if refuses else [invented]))
    result, record = extract_quality.run_task(task, "scripted", extract_quality.Recorder(backend))
    assert record["expect_error"] and (record["tp"], record["fp"], record["fn"]) == (0, 0, 0)
    assert record["error_type"] == ("SchemaViolation" if refuses else None)
    assert record["ok"] is refuses and result.correct is refuses
