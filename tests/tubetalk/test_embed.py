"""The distilled static embedder: built offline from the shipped MiniLM, and fast."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from localgenie.tubetalk import embed

pytestmark = pytest.mark.slow  # the first run distils the table (~90 s on 2 cores)


def test_paraphrases_are_closer_than_unrelated_comments() -> None:
    texts = [
        "the audio is way too quiet",
        "I can barely hear you, the sound is so low",
        "what a delicious looking cake recipe",
    ]
    vectors = embed.load_embedder().encode(texts)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.1


def test_emoji_only_text_gets_a_zero_vector() -> None:
    vectors = embed.load_embedder().encode(["😂😂😂", "great video"])
    assert not vectors[0].any() and abs(float(np.linalg.norm(vectors[1])) - 1) < 1e-5


def test_18k_comments_embed_in_seconds(shared: Path) -> None:
    from localgenie.tubetalk import load

    texts = [c.text for c in load(shared / "youtube-comments" / "YoutubeCommentsDataSet.csv").comments]
    started = time.perf_counter()
    vectors = embed.load_embedder().encode(texts)
    assert time.perf_counter() - started < 30  # ~4.5 s measured on 2 shared cores
    assert vectors.shape == (18_249, embed.PCA_DIMS)
