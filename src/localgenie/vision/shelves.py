"""Synthetic shelves: several single-item photos composed into one picture, to measure multi-item
recognition where no labelled fridge photos exist.  Used by the tests and ``bench/vision.py``.

Composition is deterministic (a seeded layout), so a measured recall can be reproduced.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from localgenie.vision.images import open_photo
from localgenie.vision.labels import Sample, ingredient_for

SHELF_BACKGROUND = (236, 236, 230)  # the off-white of a fridge wall


@dataclass(frozen=True)
class Shelf:
    image: Image.Image
    ingredients: frozenset[str]


def compose_shelf(
    photos: Sequence[Path], *, cell: int = 320, gap: int = 24, columns: int | None = None, seed: int = 0
) -> Image.Image:
    """Lay ``photos`` out in a grid of ``cell``-sized squares with ``gap`` pixels of wall between them."""
    count = len(photos)
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    rng = random.Random(seed)
    canvas = Image.new("RGB", (columns * (cell + gap) + gap, rows * (cell + gap) + gap), SHELF_BACKGROUND)
    for i, path in enumerate(photos):
        image = open_photo(path).image
        side = int(cell * rng.uniform(0.8, 1.0))  # items differ in size on a real shelf
        image = image.resize((side, side))
        x = gap + (i % columns) * (cell + gap) + (cell - side) // 2
        y = gap + (i // columns) * (cell + gap) + (cell - side) // 2
        canvas.paste(image, (x, y))
    return canvas


def random_shelves(
    samples: Sequence[Sample], classes: Sequence[str], *, count: int, items: int, seed: int = 0
) -> list[Shelf]:
    """``count`` shelves of ``items`` photos each, with distinct ingredients on every shelf."""
    rng = random.Random(seed)
    shelves = []
    for n in range(count):
        chosen: list[Sample] = []
        seen: set[str] = set()
        while len(chosen) < items:
            sample = rng.choice(samples)
            ingredient = ingredient_for(classes[sample.fine])
            if ingredient not in seen:
                seen.add(ingredient)
                chosen.append(sample)
        image = compose_shelf([s.path for s in chosen], seed=seed * 1000 + n)
        shelves.append(Shelf(image, frozenset(seen)))
    return shelves
