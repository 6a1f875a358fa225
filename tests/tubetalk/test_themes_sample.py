"""Themes fit on a sample and assigned to the rest: the partition a full fit gives, when themes are clear."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score  # type: ignore[import-untyped]

from localgenie.tubetalk.themes import cluster


def _three_topics(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    centres = np.eye(16, dtype=np.float32)[:3]
    truth = rng.integers(0, 3, size=n)
    vectors = centres[truth] + rng.normal(0, 0.15, size=(n, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), truth


def test_a_sample_fit_finds_the_full_fits_themes() -> None:
    vectors, truth = _three_topics(3000)
    weights = np.ones(len(vectors))
    full_themes, full = cluster(vectors, weights, k=3)
    sampled_themes, sampled = cluster(vectors, weights, k=3, sample=300)
    assert adjusted_rand_score(full, sampled) > 0.99
    assert adjusted_rand_score(truth, sampled) > 0.99
    assert sorted(len(t.members) for t in sampled_themes) == sorted(len(t.members) for t in full_themes)


def test_a_sample_as_large_as_the_data_is_the_full_fit() -> None:
    vectors, _ = _three_topics(500)
    weights = np.ones(len(vectors))
    _, full = cluster(vectors, weights, k=3)
    _, same = cluster(vectors, weights, k=3, sample=500)
    assert np.array_equal(full, same)
