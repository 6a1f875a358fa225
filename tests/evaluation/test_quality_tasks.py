"""The quality benchmark's tasks: enough of them, valid, deterministic, and following the conventions."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localgenie.evaluation import leaves

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import quality_tasks  # noqa: E402


@pytest.fixture(scope="module")
def tasks() -> list[dict[str, Any]]:
    return quality_tasks.build_tasks(0)


def test_enough_tasks_and_schemas_at_every_level(tasks: list[dict[str, Any]]) -> None:
    assert len(tasks) >= 160
    assert len({t["schema_name"] for t in tasks}) >= 22
    per_level = Counter(t["level"] for t in tasks)
    assert set(per_level) == {"simple", "medium", "complex"}
    assert min(per_level.values()) >= 40
    assert len({t["id"] for t in tasks}) == len(tasks)
    for task in tasks:
        assert set(task) == {
            "id",
            "level",
            "schema_name",
            "schema",
            "text",
            "expected",
            "expect_error",
            "tags",
            "forms",
        }


def test_levels_have_the_promised_sizes(tasks: list[dict[str, Any]]) -> None:
    for task in tasks:
        if task["expect_error"]:
            continue
        n = len(leaves(task["expected"]))
        fields = len(task["schema"]["properties"])
        if task["level"] == "simple":
            assert 3 <= fields <= 5, task["id"]
        elif task["level"] == "medium":
            assert 8 <= fields <= 12, task["id"]
        else:
            assert n >= 15, task["id"]


def _nodes(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every subschema (the schemas use only properties and items)."""
    yield schema
    for child in schema.get("properties", {}).values():
        yield from _nodes(child)
    if isinstance(schema.get("items"), dict):
        yield from _nodes(schema["items"])


def test_schemas_use_what_real_schemas_use(tasks: list[dict[str, Any]]) -> None:
    schemas = {t["schema_name"]: t["schema"] for t in tasks}
    tasks_per_format = Counter(n["format"] for t in tasks for n in _nodes(t["schema"]) if "format" in n)
    for fmt in ("date", "date-time", "time", "email", "uri", "uuid", "ipv4"):
        assert tasks_per_format[fmt] >= 5, fmt
    nodes = [n for s in schemas.values() for n in _nodes(s)]
    for keyword in ("enum", "description", "default", "minimum", "maximum", "pattern"):
        assert sum(keyword in n for n in nodes) >= 3, keyword
    kinds = Counter(n.get("type") for n in nodes)
    assert kinds["integer"] and kinds["number"] and kinds["boolean"]
    arrays_of_objects = [n for n in nodes if n.get("type") == "array" and n["items"].get("type") == "object"]
    assert len(arrays_of_objects) >= 8
    enums_in_arrays = [
        a for a in arrays_of_objects if any("enum" in p for p in a["items"]["properties"].values())
    ]
    assert len(enums_in_arrays) >= 5


def test_the_generator_checks_every_expected_value(tasks: list[dict[str, Any]]) -> None:
    quality_tasks.check_tasks(tasks)  # what build_tasks ran; now show that it can fail
    broken = copy.deepcopy(tasks[0])
    broken["expected"]["timestamp"] = "yesterday"
    with pytest.raises(quality_tasks.TaskError, match="invalid against its schema"):
        quality_tasks.check_tasks([broken])
    cards = [t for t in tasks if t["schema_name"] == "contact_card" and not t["expect_error"]]
    invented = copy.deepcopy(cards[0])
    invented["expected"]["name"] = "Someone Else"
    with pytest.raises(quality_tasks.TaskError, match="does not appear in the text"):
        quality_tasks.check_tasks([invented])


def test_expected_values_follow_the_conventions(tasks: list[dict[str, Any]]) -> None:
    offset = r"(Z|[+-]\d\d:\d\d)$"
    for task in tasks:
        for pointer, value in leaves(task["expected"]).items():
            if re.fullmatch(r"\d{4}-\d\d-\d\dT.*", str(value)):
                assert re.search(r"T\d\d:\d\d:\d\d(\.\d+)?" + offset, value), (task["id"], pointer, value)
            if re.fullmatch(r"\d\d:\d\d.*", str(value)):
                assert re.fullmatch(r"\d\d:\d\d:\d\d" + offset, value), (task["id"], pointer, value)
            assert not (isinstance(value, str) and value != value.strip()), (task["id"], pointer)
    assert any("time-12h" in t["tags"] for t in tasks)
    assert any("number-words" in t["tags"] for t in tasks)
    assert any("date-words" in t["tags"] for t in tasks)


def test_a_few_tasks_hold_values_that_do_not_fit_their_format(tasks: list[dict[str, Any]]) -> None:
    traps = [t for t in tasks if "bad-format" in t["tags"]]
    assert 0.06 <= len(traps) / len(tasks) <= 0.14
    assert all(t["id"].endswith("-badformat") for t in traps)
    errors = [t for t in tasks if t["expect_error"]]
    assert errors and all(t["expected"] is None and t in traps for t in errors)
    assert len(errors) < len(traps)  # the others leave an optional field out


def test_same_seed_same_bytes_in_a_fresh_process(tasks: list[dict[str, Any]]) -> None:
    # Another process with another string-hash seed: nothing may depend on set order or on hash().
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(BENCH.parent / "src")}
    code = "import sys, quality_tasks as q; sys.stdout.write(q.to_jsonl(q.build_tasks(0)))"
    fresh = subprocess.run(
        [sys.executable, "-c", code], cwd=BENCH, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert fresh == quality_tasks.to_jsonl(tasks)
    assert quality_tasks.to_jsonl(quality_tasks.build_tasks(1)) != fresh


def test_split_by_schema_and_by_text(tasks: list[dict[str, Any]]) -> None:
    for by in ("schema", "text"):
        train, test = quality_tasks.split(tasks, by=by)  # type: ignore[arg-type]
        again = quality_tasks.split(list(reversed(tasks)), by=by)  # type: ignore[arg-type]
        assert {t["id"] for t in test} == {t["id"] for t in again[1]}
        assert len(train) + len(test) == len(tasks)
        assert not {t["id"] for t in train} & {t["id"] for t in test}
        assert {t["level"] for t in test} == {"simple", "medium", "complex"}
        assert 0.15 <= len(test) / len(tasks) <= 0.35
    train, test = quality_tasks.split(tasks, by="schema")
    assert not {t["schema_name"] for t in train} & {t["schema_name"] for t in test}
    train, test = quality_tasks.split(tasks, by="text")
    assert {t["schema_name"] for t in train} == {t["schema_name"] for t in test}
