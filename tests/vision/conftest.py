"""Fixtures for vision tests: photos from the shared Grocery Store Dataset (tests skip when it is
absent), composed shelves written to a temp dir, and the embedded recogniser loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from localgenie.vision.backbone import FeatureExtractor, get_extractor
from localgenie.vision.head import Head, load_head
from localgenie.vision.labels import Sample, grocery_root, load_split
from localgenie.vision.shelves import compose_shelf
from tests.conftest import require_shared


@pytest.fixture(scope="session")
def grocery() -> Path:
    return grocery_root(require_shared("grocery"))


@pytest.fixture(scope="session")
def val_samples(grocery: Path) -> list[Sample]:
    return load_split(grocery, "val")


def photo_of(samples: list[Sample], class_dir: str, index: int = 0) -> Path:
    """The ``index``-th val photo whose path contains ``class_dir`` (e.g. "Arla-Standard-Milk")."""
    matches = [s.path for s in samples if f"/{class_dir}/" in str(s.path)]
    assert matches, f"no val photo of {class_dir}"
    return matches[index % len(matches)]


@pytest.fixture(scope="session")
def extractor() -> FeatureExtractor:
    return get_extractor()


@pytest.fixture(scope="session")
def head() -> Head:
    return load_head()


@pytest.fixture
def shelf_photo(val_samples: list[Sample], tmp_path: Path) -> Path:
    """A fridge shelf: milk, a leek and a pepper side by side, saved as a JPEG in a temp dir."""
    photos = [
        photo_of(val_samples, "Arla-Standard-Milk"),
        photo_of(val_samples, "Leek"),
        photo_of(val_samples, "Red-Bell-Pepper"),
    ]
    path = tmp_path / "shelf.jpg"
    compose_shelf(photos, columns=3).save(path, quality=90)
    return path
