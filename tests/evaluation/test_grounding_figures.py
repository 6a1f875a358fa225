"""The quality benchmark's grounding figures: gold places from the task, span scores, calibration buckets.

Pure code over hand-written tasks and extractions; the runner itself is run in test_extract_quality.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

from localgenie.evaluation import leaves
from localgenie.llm import Usage
from localgenie.structured import Extraction
from localgenie.structured.confidence import Confidence

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from _grounding import calibration, gold_places, grounding_figures, leaf_records

TEXT = "Invoice of March 3rd, 2025 for thirty-two mugs, $1,299.00 in total, to Oslo (Norway). Ref 1299."
TASK: dict[str, Any] = {
    "text": TEXT,
    "expected": {
        "date": "2025-03-03",
        "qty": 32,
        "total": 1299.0,
        "city": "Oslo",
        "country": "Norway",
        "vip": True,
    },
    "expect_error": False,
    "forms": [["March 3rd, 2025", "2025-03-03"], ["thirty-two", 32], ["$1,299.00", 1299.0]],
}


def at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def test_gold_places_come_from_the_text_and_the_generators_own_forms() -> None:
    assert gold_places(TEXT, TASK["forms"], "2025-03-03") == [at("March 3rd, 2025")]
    assert gold_places(TEXT, TASK["forms"], 32) == [at("thirty-two")]
    # The digits "1299" after "Ref" are the same number, written plainly: both places count.
    assert gold_places(TEXT, TASK["forms"], 1299.0) == [
        at("$1,299.00"),
        (TEXT.index("Ref 1299") + 4, TEXT.index("Ref 1299") + 8),
    ]
    assert gold_places(TEXT, [], "oslo") == [at("Oslo")]  # strings without case
    assert gold_places(TEXT, [], 129) == []  # never inside a longer number
    assert gold_places(TEXT, [], True) == [] and gold_places(TEXT, [], "USA") == []


def extraction(value: dict[str, Any], spans: dict[str, Any], confidence: dict[str, float]) -> Extraction[Any]:
    result: Extraction[Any] = Extraction(value, 1, Usage(), "")
    result.leaves = leaves(value)
    result.spans = spans
    result.confidence = {p: Confidence(c, c, 1) for p, c in confidence.items()}
    return result


def test_spans_are_judged_against_the_known_places_and_inferred_leaves_are_counted_apart() -> None:
    got = {
        "date": "2025-03-03",
        "qty": 23,
        "total": 1299.0,
        "city": "Oslo",
        "country": "Norway",
        "vip": True,
        "x": "mugs",
    }
    spans = {
        "/date": at("March 3rd, 2025"),
        "/qty": None,  # 23 is not in the text
        "/total": at("1,299.00"),  # inside the "$1,299.00" place: correct
        "/city": at("Norway"),  # points elsewhere
        "/country": at("Norway"),
        "/vip": None,
        "/x": at("mugs"),  # invented field: no place known
    }
    confidence = {
        "/date": 0.99,
        "/qty": 0.3,
        "/total": 0.97,
        "/city": 0.5,
        "/country": 0.85,
        "/vip": 0.1,
        "/x": 0.2,
    }
    rows = leaf_records(TASK, extraction(got, spans, confidence))
    by = {r["pointer"]: r for r in rows}
    assert [r["pointer"] for r in rows] == ["/date", "/qty", "/total", "/city", "/country", "/vip", "/x"]
    assert by["/date"]["span_correct"] is True and by["/total"]["span_correct"] is True
    assert by["/city"]["span_correct"] is False and by["/qty"]["span_correct"] is None
    assert by["/vip"]["place_known"] is False and by["/x"]["expected"] is False
    assert by["/qty"]["right"] is False and by["/date"]["right"] is True
    figures = grounding_figures(rows)
    # Known places: date, qty, total, city, country (Norway is written): 3 right spans of 5.
    assert figures["expected_with_place"] == 5 and figures["correct"] == 3
    assert math.isclose(figures["correct_share"], 3 / 5)
    assert figures["spans_judged"] == 4 and figures["wrong_place"] == 1
    assert figures["expected_without_place"] == 1 and figures["unjudged_spans"] == 1
    # Grounded answer leaves: date, total, city (right value, wrong place), country, x (invented).
    assert figures["grounded"] == 5 and math.isclose(figures["grounded_right"], 4 / 5)
    assert figures["ungrounded"] == 2 and math.isclose(
        figures["ungrounded_right"], 1 / 2
    )  # qty wrong, vip right


def test_a_failed_extraction_leaves_every_expected_leaf_without_a_span() -> None:
    rows = leaf_records(TASK, None)
    assert len(rows) == 6 and not any(r["grounded"] or r["answered"] for r in rows)
    assert grounding_figures(rows)["correct_share"] == 0.0


def test_calibration_buckets_count_the_answers_leaves_and_their_share_right() -> None:
    rows = [
        {"answered": True, "right": True, "min": 0.97, "mean": 0.99},
        {"answered": True, "right": False, "min": 0.96, "mean": 0.98},
        {"answered": True, "right": False, "min": 0.1, "mean": 0.5},
        {"answered": True, "right": True, "min": 1.0, "mean": 1.0},
        {"answered": False, "right": False, "min": None, "mean": None},
    ]
    table = {low: (count, right) for low, _, count, right in calibration(rows) if count}
    assert table == {0.0: (1, 0.0), 0.95: (2, 0.5), 0.99: (1, 1.0)}
    assert {low: count for low, _, count, _ in calibration(rows, "mean") if count} == {
        0.4: 1,
        0.95: 1,  # 0.98
        0.99: 2,  # 0.99 and 1.0: the top bucket is closed
    }
