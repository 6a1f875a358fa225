"""Scoring extractions against expected answers: the yardstick of the quality benchmark and `genie eval`.

from localgenie.evaluation import TaskResult, exact_match, field_scores, summarise
exact_match({"age": 30}, {"age": 30.0, "city": None})    # True: nulls are absent, 30 == 30.0
"""

from ..structured.pointers import leaves, prune
from .metrics import TaskResult, exact_match, f1, field_scores, percentile, same_leaf, summarise

__all__ = [
    "TaskResult",
    "exact_match",
    "f1",
    "field_scores",
    "leaves",
    "percentile",
    "prune",
    "same_leaf",
    "summarise",
]
