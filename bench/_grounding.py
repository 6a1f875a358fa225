"""Grounding and confidence figures for the quality benchmark: per-leaf records, span scores, calibration.

Pure functions over a task and an extraction's spans and confidence (no model), so they are tested on
hand-written cases (`tests/evaluation/test_grounding_figures.py`).

**Where a value really is** (the gold a span is scored against) comes from the task, not from the
grounder: the places in the text where the expected value is written verbatim (strings compared
without case; a number as its plain digits, not inside a longer number) and where the generator wrote
it in another form (``task["forms"]``: "March 3rd, 2025" for ``2025-03-03``, "thirty-two" for 32,
"$1,299.00" for 1299.0).  A span is **correct** when it overlaps one of those places and points **at
the wrong place** when the leaf has a known place and the span overlaps none.  When a value stands in
the text more than once, any of its places counts: which occurrence was meant is not judged.  Leaves
with no known place (inferred: a country from a city, an enum from a statement, a boolean, a unit
conversion) are left out of both shares and counted apart.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Sequence
from typing import Any

from localgenie.evaluation import leaves, same_leaf
from localgenie.structured import Extraction
from localgenie.structured.confidence import leaf_confidence
from localgenie.structured.grounding import Span, ground

# Confidence buckets (on the weakest token's probability): lower bounds, the last one closed at 1.0.
BUCKETS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99)


def gold_places(text: str, forms: Sequence[Sequence[Any]], value: Any) -> list[Span]:
    """Where ``value`` is written in ``text``, by the task's own record (module docstring)."""
    if value is None or isinstance(value, bool):
        return []
    needles: list[tuple[str, bool]] = []  # (text to find, whether it is a plain number)
    if isinstance(value, str):
        needles.append((value, False))
    elif isinstance(value, int | float) and float(value).is_integer():
        needles.append((str(int(value)), True))
    elif isinstance(value, int | float):
        needles.append((repr(float(value)), True))
    needles.extend((str(written), False) for written, said in forms if same_leaf(said, value))
    places: set[Span] = set()
    lowered = text.lower()
    for needle, digits in needles:
        if not needle:
            continue
        pattern = re.escape(needle.lower())
        if digits:
            pattern = rf"(?<![\d.,]){pattern}(?![\d]|[.,]\d)"
        places.update(m.span() for m in re.finditer(pattern, lowered))
    return sorted(places)


def _overlaps(span: Span, places: Iterable[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in places)


def leaf_records(task: dict[str, Any], extraction: Extraction[Any] | None) -> list[dict[str, Any]]:
    """One record per leaf of the expected value and of the answer (in that order, each once).

    ``pointer``; ``expected`` (the task has this leaf); ``answered`` (the answer has it); ``right``
    (the answer has it with the expected value); ``min`` / ``mean`` confidence (None without one);
    ``span``; ``grounded``; ``place_known`` (the task knows where the value is); ``span_correct``
    (True / False; None when there is no span or no known place).
    """
    want = leaves(task["expected"]) if not task["expect_error"] else {}
    have = extraction.leaves if extraction is not None else {}
    spans = extraction.spans if extraction is not None else {}
    confidence = extraction.confidence if extraction is not None else {}
    records = []
    for pointer in [*want, *(p for p in have if p not in want)]:
        places = gold_places(task["text"], task.get("forms", []), want[pointer]) if pointer in want else []
        span = spans.get(pointer)
        known = confidence.get(pointer)
        records.append(
            {
                "pointer": pointer,
                "expected": pointer in want,
                "answered": pointer in have,
                "right": pointer in want and pointer in have and same_leaf(want[pointer], have[pointer]),
                "min": None if known is None else round(known.min, 4),
                "mean": None if known is None else round(known.mean, 4),
                "span": None if span is None else list(span),
                "grounded": span is not None,
                "place_known": bool(places),
                "span_correct": None if span is None or not places else _overlaps(span, places),
            }
        )
    return records


def grounding_cost(text: str, extraction: Extraction[Any]) -> float:
    """Seconds the pure code of spans and confidence takes for one answer (measured again after the
    fact: the same calls the extraction loop makes once per valid attempt)."""
    data = extraction.value
    written = {n.pointer if n.pointer != "/" else "": n.written for n in extraction.normalised}
    started = time.perf_counter()
    found = leaves(data)
    ground(text, data, written)
    leaf_confidence(extraction.raw, extraction.tokens, found)
    return time.perf_counter() - started


def grounding_figures(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The issue's two figures and their counts: ``correct_share`` (expected leaves with a known place
    whose span is right) and ``wrong_place_share`` (spans on leaves with a known place that point
    elsewhere), plus ``unjudged`` spans (no known place) and how often grounded and ungrounded answer
    leaves were right."""
    rows = list(records)
    known = [r for r in rows if r["expected"] and r["place_known"]]
    judged = [r for r in rows if r["span_correct"] is not None]
    answered = [r for r in rows if r["answered"]]
    grounded = [r for r in answered if r["grounded"]]
    ungrounded = [r for r in answered if not r["grounded"]]
    return {
        "expected_with_place": len(known),
        "correct": sum(r["span_correct"] is True for r in known),
        "correct_share": _share(sum(r["span_correct"] is True for r in known), len(known)),
        "spans_judged": len(judged),
        "wrong_place": sum(r["span_correct"] is False for r in judged),
        "wrong_place_share": _share(sum(r["span_correct"] is False for r in judged), len(judged)),
        "expected_without_place": sum(r["expected"] and not r["place_known"] for r in rows),
        "unjudged_spans": sum(r["grounded"] and r["span_correct"] is None for r in rows),
        "grounded_right": _share(sum(r["right"] for r in grounded), len(grounded)),
        "grounded": len(grounded),
        "ungrounded_right": _share(sum(r["right"] for r in ungrounded), len(ungrounded)),
        "ungrounded": len(ungrounded),
    }


def calibration(records: Iterable[dict[str, Any]], key: str = "min") -> list[tuple[float, float, int, float]]:
    """Per confidence bucket of the answer's leaves (by ``key``: ``min`` or ``mean``): ``(low, high,
    count, share right)``; an invented leaf (not expected) counts as wrong."""
    rows = [r for r in records if r["answered"] and r[key] is not None]
    table = []
    for n, low in enumerate(BUCKETS):
        high = BUCKETS[n + 1] if n + 1 < len(BUCKETS) else 1.0
        last = n + 1 == len(BUCKETS)
        inside = [r for r in rows if low <= r[key] < high or (last and r[key] == 1.0)]
        table.append((low, high, len(inside), _share(sum(r["right"] for r in inside), len(inside))))
    return table


def _share(part: int, whole: int) -> float:
    return part / whole if whole else math.nan
