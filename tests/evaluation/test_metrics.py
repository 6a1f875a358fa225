"""Scoring an extraction against the expected answer: what counts as right, wrong, missing, invented."""

from __future__ import annotations

import pytest

from localgenie.evaluation import TaskResult, exact_match, f1, field_scores, leaves, percentile, summarise

INVOICE = {
    "number": "INV-7",
    "customer": {"name": "Ann Berg", "address": {"city": "Oslo", "country": "Norway"}},
    "items": [{"sku": "A-1", "qty": 2}, {"sku": "B/2", "qty": 1}],
    "paid": True,
    "total": 30,
}


def test_a_correct_invoice_scores_full_marks_even_written_differently() -> None:
    answer = {
        "total": 30.0,  # a number written as float
        "paid": True,
        "items": [{"qty": 2, "sku": "A-1"}, {"sku": "B/2", "qty": 1.0}],
        "customer": {"address": {"country": "Norway", "city": "Oslo"}, "name": "Ann Berg", "email": None},
        "number": "INV-7",
        "notes": [],  # an optional list left empty
    }
    assert exact_match(INVOICE, answer)
    assert field_scores(INVOICE, answer) == (10, 0, 0)


def test_leaves_are_json_pointers_and_absent_values_are_dropped() -> None:
    assert leaves(INVOICE) == {
        "/number": "INV-7",
        "/customer/name": "Ann Berg",
        "/customer/address/city": "Oslo",
        "/customer/address/country": "Norway",
        "/items/0/sku": "A-1",
        "/items/0/qty": 2,
        "/items/1/sku": "B/2",
        "/items/1/qty": 1,
        "/paid": True,
        "/total": 30,
    }
    assert leaves({"a/b": 1, "m~n": 2}) == {"/a~1b": 1, "/m~0n": 2}
    assert leaves({"a": None, "b": {}, "c": [], "d": {"e": None}, "f": [None]}) == {}
    assert leaves("just text") == {"": "just text"}
    assert leaves(None) == {}


def test_a_wrong_value_is_one_false_positive_and_one_false_negative() -> None:
    answer = {**INVOICE, "total": 31}
    assert not exact_match(INVOICE, answer)
    assert field_scores(INVOICE, answer) == (9, 1, 1)


def test_missing_and_invented_fields() -> None:
    missing = {k: v for k, v in INVOICE.items() if k != "paid"}
    assert field_scores(INVOICE, missing) == (9, 0, 1)
    invented = {**INVOICE, "due_date": "2025-01-01"}
    assert field_scores(INVOICE, invented) == (10, 1, 0)
    assert not exact_match(INVOICE, invented)


def test_array_items_are_compared_by_position() -> None:
    swapped = {**INVOICE, "items": list(reversed(INVOICE["items"]))}
    assert not exact_match(INVOICE, swapped)
    assert field_scores(INVOICE, swapped) == (6, 4, 4)
    one_short = {**INVOICE, "items": INVOICE["items"][:1]}
    assert field_scores(INVOICE, one_short) == (8, 0, 2)


@pytest.mark.parametrize(
    ("expected", "got", "same"),
    [
        (30, 30.0, True),
        (0.1 + 0.2, 0.3, True),
        (1, True, False),  # a boolean is not the number 1
        (False, 0, False),
        ("30", 30, False),
        ("Oslo", "oslo", False),  # strings are exact
        ("Oslo", "Oslo ", False),
        ([1, 2], [1, 2, 3], False),
        ({"a": [1]}, {"a": 1}, False),
        (None, {}, True),
    ],
)
def test_scalar_equality(expected: object, got: object, same: bool) -> None:
    assert exact_match(expected, got) is same


def test_f1_edge_cases() -> None:
    assert f1(0, 0, 0) == 1.0  # nothing expected, nothing invented
    assert f1(0, 3, 0) == 0.0
    assert f1(3, 1, 1) == pytest.approx(0.75)


def test_an_error_task_is_right_only_when_the_extractor_refuses() -> None:
    refused = TaskResult("t1", "simple", None, error="SchemaViolation", refused=True, expect_error=True)
    invented = TaskResult("t2", "simple", None, got={"email": "x@y.z"}, expect_error=True, schema_valid=True)
    crashed = TaskResult("t3", "simple", None, error="RuntimeError", expect_error=True)
    assert refused.correct
    assert not invented.correct
    assert not crashed.correct
    assert invented.counts == (0, 0, 0)


def test_a_result_with_an_error_is_wrong_even_if_nothing_was_expected() -> None:
    assert not TaskResult("t", "simple", {}, error="SchemaViolation", refused=True).correct
    assert TaskResult("t", "simple", {}, got={}, schema_valid=True).correct


def test_summary_per_level_and_overall() -> None:
    results = [
        TaskResult("s1", "simple", {"a": 1}, got={"a": 1}, schema_valid=True, seconds=1.0, attempts=1),
        TaskResult(
            "s2", "simple", {"a": 1, "b": 2}, got={"a": 2}, schema_valid=True, seconds=3.0, attempts=2
        ),
        TaskResult(
            "c1", "complex", {"x": "y"}, error="SchemaViolation", refused=True, seconds=10.0, attempts=3
        ),
        TaskResult("c2", "complex", None, error="BadInput", refused=True, expect_error=True, seconds=0.5),
    ]
    figures = summarise(results)
    assert list(figures) == ["simple", "complex", "overall"]
    simple, complex_, overall = figures["simple"], figures["complex"], figures["overall"]
    assert simple["tasks"] == 2
    assert simple["exact_match"] == 0.5
    assert (simple["tp"], simple["fp"], simple["fn"]) == (1, 1, 2)
    assert simple["field_f1"] == pytest.approx(2 / 5)
    assert simple["schema_valid"] == 1.0
    assert simple["median_seconds"] == 2.0
    assert simple["mean_attempts"] == 1.5
    assert complex_["exact_match"] == 0.5  # the refusal on the expect_error task is right
    assert complex_["schema_valid"] == 0.0  # c1 returned nothing; c2 does not count
    assert complex_["errors"] == {"BadInput": 1, "SchemaViolation": 1}
    assert complex_["expect_error_tasks"] == 1
    assert overall["tasks"] == 4
    assert overall["exact_match"] == 0.5
    assert overall["schema_valid"] == pytest.approx(2 / 3)
    assert overall["p90_seconds"] == 10.0
    assert overall["errors"] == {"BadInput": 1, "SchemaViolation": 1}


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.9) == 9.0
    assert percentile(values, 0.5) == 5.0  # round half to even, as bench/_common.py
    assert percentile([], 0.9) == 0.0
    assert summarise([])["overall"]["tasks"] == 0
