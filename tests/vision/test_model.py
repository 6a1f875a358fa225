"""The committed head: small, pickle-free, covering every class, and as accurate on val as its model
card says (the full-val check is slow: it needs the features of 2,936 photos, cached after once)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from localgenie.vision.head import HEAD_FILE, Head, load_head
from localgenie.vision.labels import INGREDIENTS, load_classes

DATA = Path(__file__).resolve().parents[2] / "src" / "localgenie" / "vision" / "data"


def test_the_head_is_small_plain_arrays_and_documented() -> None:
    path = DATA / HEAD_FILE
    assert path.stat().st_size < 2 * 1024 * 1024
    with np.load(path, allow_pickle=False) as data:  # raises if anything in it needs pickle
        assert data["weights"].shape == (1280, 81)
    card = (DATA / "MODEL_CARD.md").read_text(encoding="utf-8")
    metrics = json.loads((DATA / "grocery_head.metrics.json").read_text(encoding="utf-8"))
    assert f"{metrics['fine_top1']:.1%}" in card and f"{metrics['coarse_top1']:.1%}" in card


def test_every_dataset_class_maps_to_a_pantry_ingredient(grocery: Path, head: Head) -> None:
    classes = load_classes(grocery)
    assert set(classes.fine) == set(INGREDIENTS)
    assert head.fine == classes.fine and head.coarse == classes.coarse
    assert dict(zip(head.fine, head.ingredients, strict=True))["Arla-Standard-Milk"] == "milk"


def test_a_missing_head_file_is_a_clear_error(tmp_path: Path) -> None:
    from localgenie.errors import BadInput, ModelError

    with pytest.raises(BadInput, match="genie vision train"):
        load_head(tmp_path / "nope.npz")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ModelError, match="not a usable vision head"):
        load_head(tmp_path / "bad.npz")


@pytest.mark.slow
def test_val_accuracy_meets_the_targets(grocery: Path) -> None:
    from localgenie.vision.labels import load_split
    from localgenie.vision.train import evaluate, features_for

    val = load_split(grocery.resolve(), "val")
    accuracy = evaluate(load_head(), features_for(val, "full"), val)
    assert accuracy.coarse_top1 >= 0.90 and accuracy.fine_top1 >= 0.80, accuracy
