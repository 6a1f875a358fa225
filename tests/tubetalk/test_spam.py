"""Spam filter: shipped JSON weights, figures from a reproducible training command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localgenie.tubetalk import spam


def test_shipped_model_flags_channel_promotion_and_keeps_real_feedback() -> None:
    scores = spam.load_model().score(
        [
            "Check out my channel for free music!!! subscribe please http://bit.ly/xyz",
            "Make money from home, visit www.easycash.com now",
            "The chorus at 2:10 gives me chills every time",
            "Audio was a bit too quiet in the second half",
        ]
    )
    assert scores.is_spam.tolist() == [True, True, False, False]


def test_shipped_weights_are_small_json_with_their_cv_figures() -> None:
    assert spam.MODEL_PATH.stat().st_size < 2 * 1024 * 1024
    weights = json.loads(spam.MODEL_PATH.read_text())
    assert weights["metrics"]["folds"] == 5
    assert weights["metrics"]["cv_accuracy"] >= 0.94
    assert weights["metrics"]["cv_mcc"] >= 0.88


def test_empty_input_scores_nothing() -> None:
    assert spam.load_model().score([]).is_spam.tolist() == []


@pytest.mark.slow
def test_training_command_reproduces_the_shipped_figures(shared: Path, tmp_path: Path) -> None:
    metrics = spam.train(tmp_path / "model.json", shared / "youtube-spam")
    shipped = json.loads(spam.MODEL_PATH.read_text())["metrics"]
    assert metrics == shipped
    assert (
        json.loads((tmp_path / "model.json").read_text())["vocabulary"]
        == json.loads(spam.MODEL_PATH.read_text())["vocabulary"]
    )


def test_genuine_requests_are_not_mistaken_for_channel_promotion() -> None:
    # 2013-15 spam says "please check out my video"; viewers' "please make a video on X" must survive.
    from tests.tubetalk.tubetalk_helpers import FIXTURES

    texts = [
        json.loads(line)["text"]
        for name in ("intent_labelled.jsonl", "intent_holdout.jsonl")
        for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    ]
    flagged = spam.load_model().score(texts).is_spam
    assert len(texts) == 220 and flagged.sum() <= 5
