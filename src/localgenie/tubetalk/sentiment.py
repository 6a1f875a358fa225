"""Sentiment per comment: VADER, a lexicon built for social-media text.

VADER is the baseline the issue names; it needs no model, handles emoji, slang, caps and "!!!",
and scores 10k comments in about a second.  Its labels are compared with the 18k CSV's labels in
``bench/tubetalk.py`` (macro-F1 and accuracy).  English only: other languages mostly score neutral,
which the report says rather than guessing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Sentiment = Literal["positive", "neutral", "negative"]
# VADER's authors' thresholds on the compound score.
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05


@lru_cache(maxsize=1)
def _analyzer() -> object:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

    return SentimentIntensityAnalyzer()


def compound_scores(texts: list[str]) -> NDArray[np.float64]:
    """VADER compound score in [-1, 1] per text."""
    analyzer = _analyzer()
    # Very long comments cost VADER quadratic-ish time and add little signal.
    return np.asarray(
        [analyzer.polarity_scores(text[:2000])["compound"] for text in texts],  # type: ignore[attr-defined]
        dtype=np.float64,
    )


def label(score: float) -> Sentiment:
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def labels(scores: NDArray[np.float64]) -> list[Sentiment]:
    return [label(float(s)) for s in scores]
