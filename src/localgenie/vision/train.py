"""``genie vision train``: fit the classifier head on the train split, then score it once on val.

Features of every photo are computed once by the frozen backbone and cached under
``cache_dir()/vision`` (minutes on two cores), so retraining the head takes seconds to minutes.  Training
photos are seen several ways (`RECIPE.views`: as taken, mirrored, seeded random crops...) because shelf
regions show items partly and at other scales than the dataset's close-ups.

Everything that is chosen — the kind of head, its regularisation, the views, the temperature — is
chosen by cross-validation inside train (`localgenie.vision.fitting`); val is only scored, so its
figure measures photos the model and its maker never saw.  Everything is seeded: the same command
gives the same head.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageEnhance, ImageOps

from localgenie.config import cache_dir
from localgenie.vision.backbone import FEATURE_DIM, Runtime, get_extractor
from localgenie.vision.fitting import (
    RECIPE,
    Accuracy,
    Recipe,
    build_head,
    cross_validate,
    fit_linear,
    score,
    stacked,
)
from localgenie.vision.head import Head
from localgenie.vision.images import open_photo, to_input
from localgenie.vision.labels import GroceryClasses, Sample, grocery_root, load_classes, load_split

BATCH = 16
CACHE_VERSION = "v1"

Progress = Callable[[str, int, int], None]
Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class TrainReport:
    head: Head
    cv: Accuracy  # out-of-fold on train (`fitting.session_folds`)
    val: Accuracy  # the untouched val split
    train_count: int
    seconds: float


def _view_input(sample: Sample, view: str, index: int) -> Array:
    """One training view of a photo: each is seeded per photo and view, so every run sees the same."""
    image = open_photo(sample.path).image
    if view == "flip":
        image = ImageOps.mirror(image)
    if view.startswith("zoom"):
        # Seeded per photo and view: the same crop every run ("zoom" keeps its first seeding).
        rng = random.Random(index if view == "zoom" else f"{view}:{index}")
        return to_input(image, _random_crop(rng, image.size, 0.55, 0.85))
    if view.startswith("tile"):
        # What a shelf tile sees of an item: a smaller part of it (35-60% of each side), sometimes mirrored.
        rng = random.Random(f"{view}:{index}")
        if rng.random() < 0.5:
            image = ImageOps.mirror(image)
        return to_input(image, _random_crop(rng, image.size, 0.35, 0.6))
    if view.startswith("jitter"):
        # Other light and white balance than the shop's: brightness, contrast, saturation, a crop, a flip.
        rng = random.Random(f"{view}:{index}")
        if rng.random() < 0.5:
            image = ImageOps.mirror(image)
        for enhancer in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
            image = enhancer(image).enhance(rng.uniform(0.65, 1.35))
        return to_input(image, _random_crop(rng, image.size, 0.7, 1.0))
    if view.startswith("small"):
        # The item smaller in the frame, on a plain background: a tile that holds a whole item and wall.
        rng = random.Random(f"{view}:{index}")
        scale = rng.uniform(0.5, 0.8)
        width, height = image.size
        shade = rng.randint(150, 245)
        canvas = Image.new("RGB", image.size, (shade, shade, max(0, shade - rng.randint(0, 12))))
        small = image.resize((int(width * scale), int(height * scale)), Image.Resampling.BICUBIC)
        canvas.paste(small, (rng.randint(0, width - small.width), rng.randint(0, height - small.height)))
        return to_input(canvas)
    return to_input(image)


def _random_crop(
    rng: random.Random, size: tuple[int, int], low: float, high: float
) -> tuple[int, int, int, int]:
    scale = rng.uniform(low, high)
    width, height = size
    cw, ch = int(width * scale), int(height * scale)
    left, top = rng.randint(0, width - cw), rng.randint(0, height - ch)
    return (left, top, left + cw, top + ch)


def features_for(
    samples: list[Sample], view: str, *, runtime: Runtime | None = None, progress: Progress | None = None
) -> Array:
    """Backbone features of ``samples`` seen as ``view``, from the cache when it has them."""
    digest = hashlib.sha256(
        json.dumps([CACHE_VERSION, view, [(str(s.path), s.path.stat().st_size) for s in samples]]).encode()
    ).hexdigest()[:16]
    path = cache_dir() / "vision" / f"grocery-{view}-{digest}.npy"
    if path.is_file():
        cached = np.load(path, allow_pickle=False)
        if cached.shape == (len(samples), FEATURE_DIM):
            return np.asarray(cached, dtype=np.float32)
    extractor = get_extractor(runtime)
    out = np.zeros((len(samples), FEATURE_DIM), dtype=np.float32)
    for start in range(0, len(samples), BATCH):
        chunk = range(start, min(start + BATCH, len(samples)))
        out[start : chunk.stop] = extractor(np.stack([_view_input(samples[i], view, i) for i in chunk]))
        if progress:
            progress(view, chunk.stop, len(samples))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, out)
    tmp.replace(path)
    return out


def evaluate(head: Head, features: Mapping[str, Array], samples: list[Sample]) -> Accuracy:
    """Top-1/top-3 of ``head`` on ``samples`` given their features per test-time view (``head.tta``)."""
    probs = head.fine_probabilities_tta([features[view] for view in head.tta])
    classes = GroceryClasses(head.fine, head.coarse, tuple(int(c) for c in head.fine_to_coarse))
    return score(probs, samples, classes)


def train(
    data: Path,
    *,
    recipe: Recipe = RECIPE,
    runtime: Runtime | None = None,
    progress: Progress | None = None,
) -> TrainReport:
    """Features (cached) → cross-validation on train → head fitted on all of train → scored on val.

    Writes nothing but the feature cache.
    """
    start = time.perf_counter()
    root = grocery_root(data.resolve())  # the feature cache is keyed by absolute photo paths
    classes = load_classes(root)
    train_samples = load_split(root, "train")
    val_samples = load_split(root, "val")
    views = tuple(dict.fromkeys(("full", *recipe.views, *recipe.tta)))
    blocks = {view: features_for(train_samples, view, runtime=runtime, progress=progress) for view in views}
    cv = cross_validate(blocks, train_samples, classes, recipe)
    rows = np.arange(len(train_samples))
    embedded = stacked(blocks, recipe.views, rows)
    labels = np.tile(np.array([s.fine for s in train_samples], dtype=np.int64), len(recipe.views))
    weights, bias = fit_linear(embedded, labels, len(classes.fine), recipe)
    head = build_head(weights, bias, embedded, labels, classes, cv.temperature, recipe.tta)
    val = {view: features_for(val_samples, view, runtime=runtime, progress=progress) for view in recipe.tta}
    return TrainReport(
        head, cv.accuracy, evaluate(head, val, val_samples), len(train_samples), time.perf_counter() - start
    )
