"""Choosing and fitting the head on train only: folds that keep a photo session together, and a
temperature that makes confidences honest.  Synthetic features, so these run in milliseconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from localgenie.vision.backbone import FEATURE_DIM
from localgenie.vision.fitting import FOLDS, fit_temperature, session_folds, softmax
from localgenie.vision.labels import Sample


def _sessions(classes: int, sessions: int, photos: int, seed: int = 0) -> tuple[list[Sample], np.ndarray]:
    """Photos of ``classes`` classes, each shot in ``sessions`` sessions of ``photos`` near-twins."""
    rng = np.random.default_rng(seed)
    samples, rows = [], []
    for c in range(classes):
        base = rng.exponential(1, FEATURE_DIM) * (rng.uniform(size=FEATURE_DIM) < 0.2)
        for s in range(sessions):
            # The shop, the light, the shelf: other features light up in each session.
            session = base + 2 * rng.exponential(1, FEATURE_DIM) * (rng.uniform(size=FEATURE_DIM) < 0.2)
            for p in range(photos):
                rows.append(session + rng.uniform(0, 0.05, FEATURE_DIM))
                # File names interleave the sessions, as the dataset's numbering does.
                samples.append(Sample(Path(f"/d/c{c}/c{c}_{p * sessions + s:03d}.jpg"), c, 0))
    return samples, np.maximum(np.array(rows, dtype=np.float32), 0) ** 2


def test_a_session_never_straddles_two_folds() -> None:
    samples, features = _sessions(classes=4, sessions=6, photos=5)
    folds = session_folds(samples, features)
    for i in range(0, len(samples), 5):  # every run of five rows is one session
        assert len(set(folds[i : i + 5].tolist())) == 1, folds[i : i + 5]
    for c in range(4):
        seen = {int(f) for f, s in zip(folds, samples, strict=True) if s.fine == c}
        assert seen == set(range(FOLDS)), "six sessions of a class spread over all five folds"


def test_a_class_shot_in_one_session_is_still_split() -> None:
    """Otherwise its fold would hold the class out entirely and score it as never seen."""
    samples, features = _sessions(classes=2, sessions=1, photos=12)
    folds = session_folds(samples, features)
    for c in range(2):
        assert len({int(f) for f, s in zip(folds, samples, strict=True) if s.fine == c}) == 2


def test_the_temperature_undoes_overconfidence() -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 10, 4000)
    honest = rng.normal(0, 1, (4000, 10)) + 2.0 * np.eye(10)[truth]
    labels = np.array([rng.choice(10, p=p) for p in softmax(honest.astype(np.float32))])
    temperature = fit_temperature((honest * 8).astype(np.float32), labels)
    assert 6.5 < temperature < 9.5, temperature
