"""Sentiment (VADER) and intent (rules on sentiment), measured on the shipped labelled fixtures."""

from __future__ import annotations

import csv
import itertools
import json
import time
from pathlib import Path

from localgenie.tubetalk import intent, sentiment
from tests.tubetalk.tubetalk_helpers import FIXTURES


def _fixture(name: str) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]
    return [r["text"] for r in rows], [r["intent"] for r in rows]


def _accuracy(texts: list[str], gold: list[str]) -> float:
    predicted = intent.classify_all(texts, list(sentiment.compound_scores(texts)))
    return sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)


def test_intent_on_the_development_fixture() -> None:
    # The rules were written while looking at this set: it guards against regressions only.
    texts, gold = _fixture("intent_labelled.jsonl")
    assert len(texts) == 160 and set(gold) == set(intent.INTENTS)
    assert _accuracy(texts, gold) >= 0.9


def test_intent_on_the_held_out_fixture() -> None:
    # Written after the rules were frozen; the honest figure (0.73 when measured) is lower.
    texts, gold = _fixture("intent_holdout.jsonl")
    assert len(texts) == 60
    assert _accuracy(texts, gold) >= 0.65


def test_intent_examples_a_creator_cares_about() -> None:
    cases = {
        "Can you make a video on home networking?": "suggestion",
        "What lens is that?": "question",
        "The audio is way too quiet": "complaint",
        "Best tutorial on the internet, thank you!": "praise",
        "Hello from Brazil": "other",
    }
    scores = sentiment.compound_scores(list(cases))
    assert intent.classify_all(list(cases), list(scores)) == list(cases.values())


def test_ten_thousand_comments_in_seconds() -> None:
    texts, _ = _fixture("intent_labelled.jsonl")
    many = (texts * 70)[:10_000]
    started = time.perf_counter()
    scores = sentiment.compound_scores(many)
    intent.classify_all(many, list(scores))
    assert time.perf_counter() - started < 20  # ~3 s measured on 2 shared cores


def test_sentiment_agrees_with_the_18k_csv_labels_on_a_slice(shared: Path) -> None:
    with (shared / "youtube-comments" / "YoutubeCommentsDataSet.csv").open(encoding="utf-8") as fh:
        rows = list(itertools.islice((r for r in csv.DictReader(fh) if r["Comment"].strip()), 2000))
    predicted = sentiment.labels(sentiment.compound_scores([r["Comment"] for r in rows]))
    accuracy = sum(p == r["Sentiment"] for p, r in zip(predicted, rows, strict=True)) / len(rows)
    assert accuracy >= 0.65  # 0.71 on all 18,249; majority class is 0.62


def test_non_english_comments_score_neutral_which_is_a_documented_limit() -> None:
    # VADER's lexicon is English: other languages are not scored, not mis-scored as negative.
    assert sentiment.labels(sentiment.compound_scores(["很好，非常喜欢", "Das Video ist wirklich gut"])) == [
        "neutral",
        "neutral",
    ]
