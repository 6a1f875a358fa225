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
    val, cv = metrics["val"], metrics["train_cv"]
    for figures in (val, cv):
        assert f"{figures['fine_top1']:.1%}" in card and f"{figures['coarse_top1']:.1%}" in card


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
def test_val_accuracy_is_what_the_model_card_says(grocery: Path) -> None:
    """Val is scored, never fitted on: the committed head must reproduce its recorded val figures."""
    from localgenie.vision.labels import load_split
    from localgenie.vision.train import evaluate, features_for

    head = load_head()
    val = load_split(grocery.resolve(), "val")
    accuracy = evaluate(head, {view: features_for(val, view) for view in head.tta}, val)
    recorded = json.loads((DATA / "grocery_head.metrics.json").read_text(encoding="utf-8"))["val"]
    assert abs(accuracy.fine_top1 - recorded["fine_top1"]) < 0.005, accuracy
    assert abs(accuracy.coarse_top1 - recorded["coarse_top1"]) < 0.005, accuracy
