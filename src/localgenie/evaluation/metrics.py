"""Pure scoring functions for extractions: no model, no I/O.

Two views of one answer:

- **exact match**: the whole value equals the expected one;
- **leaf scores**: every leaf (a scalar at a JSON pointer such as ``/address/city`` or
  ``/items/0/sku``) is a field that is right, wrong, missing or invented, summed into
  true positives, false positives and false negatives for a micro F1.

Equality is JSON equality with two allowances that match how an extraction is read:
``None`` and empty containers count as absent (an optional field left out is the same as one
written as ``null`` or ``[]``), and numbers compare by value (``30 == 30.0``; ``True`` is not ``1``).
Strings compare exactly.

Array items are compared **by position**: ``/items/0`` of the answer is scored against
``/items/0`` of the expected value.  That is right for lists whose order the text gives
(line items, steps, attendees in the order they are named) and strict for the others: an answer
that lists the same items in another order scores its leaves as wrong.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..structured.pointers import leaves, prune

LEVEL_ORDER = ("simple", "medium", "complex")


def same_leaf(expected: Any, got: Any) -> bool:
    """Scalar equality for scores: numbers by value (never a bool for a number), everything else exactly."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(expected, bool) and isinstance(got, bool) and expected == got
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-12)
    return type(expected) is type(got) and bool(expected == got)


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, dict) and isinstance(got, dict):
        return expected.keys() == got.keys() and all(_same(expected[k], got[k]) for k in expected)
    if isinstance(expected, list) and isinstance(got, list):
        return len(expected) == len(got) and all(_same(e, g) for e, g in zip(expected, got, strict=True))
    if isinstance(expected, dict | list) or isinstance(got, dict | list):
        return False
    if expected is None or got is None:
        return expected is got
    return same_leaf(expected, got)


def exact_match(expected: Any, got: Any) -> bool:
    """The whole answer is right: JSON equality after dropping nulls and empty containers."""
    return _same(prune(expected), prune(got))


def field_scores(expected: Any, got: Any) -> tuple[int, int, int]:
    """``(tp, fp, fn)`` over leaves.

    A right leaf is a true positive; a leaf with the wrong value is both a false positive (what was
    written) and a false negative (what was missed); a missing leaf is a false negative; a leaf the
    expected value does not have is a false positive.  Arrays are compared by position.
    """
    want, have = leaves(expected), leaves(got)
    tp = sum(1 for pointer, value in want.items() if pointer in have and same_leaf(value, have[pointer]))
    wrong_or_missing = len(want) - tp
    extra = len(have) - tp
    return tp, extra, wrong_or_missing


def f1(tp: int, fp: int, fn: int) -> float:
    """Harmonic mean of precision and recall; 1.0 when nothing was expected and nothing was given."""
    if tp + fp + fn == 0:
        return 1.0
    return 2 * tp / (2 * tp + fp + fn)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1), the same rule as the benchmarks' helper; 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class TaskResult:
    """One extraction attempt at one task, as the scorer needs it.

    ``got`` is the value returned (``None`` when the extractor raised); ``error`` names the kind of
    error raised (usually the exception class).  ``refused`` says the extractor declined with a clear
    error (``SchemaViolation`` or ``BadInput``): the right outcome for a task whose text holds no
    valid value for a required field (``expect_error``).  ``schema_valid`` is the benchmark's own
    re-check of ``got`` against the schema.
    """

    id: str
    group: str
    expected: Any
    got: Any = None
    error: str | None = None
    refused: bool = False
    expect_error: bool = False
    schema_valid: bool = False
    seconds: float = 0.0
    attempts: int = 0

    @property
    def correct(self) -> bool:
        """Exact match; for an ``expect_error`` task, a clear refusal and no value."""
        if self.expect_error:
            return self.got is None and self.refused
        return self.error is None and exact_match(self.expected, self.got)

    @property
    def counts(self) -> tuple[int, int, int]:
        """Leaf ``(tp, fp, fn)``; ``expect_error`` tasks have no expected leaves: ``(0, 0, 0)``."""
        if self.expect_error:
            return 0, 0, 0
        return field_scores(self.expected, self.got)


def summarise(results: Iterable[TaskResult]) -> dict[str, dict[str, Any]]:
    """Figures per group (the benchmark's levels ``simple``, ``medium``, ``complex`` first, then any
    other group — `genie eval` groups by schema — in first-seen order) and ``overall``.

    Each group: ``tasks``, ``exact_match`` (share correct), ``field_f1`` / ``precision`` / ``recall``
    (micro, over leaves, ``expect_error`` tasks excluded), ``tp`` / ``fp`` / ``fn``, ``schema_valid``
    (share of tasks without ``expect_error`` that returned a schema-valid value), ``errors`` (count by
    kind), ``median_seconds``, ``p90_seconds``, ``mean_attempts`` and ``expect_error_tasks``.
    """
    everything = list(results)
    seen = list(dict.fromkeys(r.group for r in everything))
    levels = [lvl for lvl in LEVEL_ORDER if lvl in seen] + [lvl for lvl in seen if lvl not in LEVEL_ORDER]
    groups = {lvl: _group([r for r in everything if r.group == lvl]) for lvl in levels}
    groups["overall"] = _group(everything)
    return groups


def _group(results: list[TaskResult]) -> dict[str, Any]:
    tp = fp = fn = 0
    for result in results:
        t, p, n = result.counts
        tp, fp, fn = tp + t, fp + p, fn + n
    scorable = [r for r in results if not r.expect_error]
    seconds = [r.seconds for r in results]
    errors = Counter(r.error for r in results if r.error is not None)
    return {
        "tasks": len(results),
        "exact_match": _share(sum(r.correct for r in results), len(results)),
        "field_f1": f1(tp, fp, fn),
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "schema_valid": _share(sum(r.schema_valid for r in scorable), len(scorable)),
        "errors": dict(sorted(errors.items(), key=lambda kv: (-kv[1], kv[0]))),
        "median_seconds": statistics.median(seconds) if seconds else 0.0,
        "p90_seconds": percentile(seconds, 0.9),
        "mean_attempts": statistics.fmean([r.attempts for r in results]) if results else 0.0,
        "expect_error_tasks": len(results) - len(scorable),
    }


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
