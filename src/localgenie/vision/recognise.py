"""Photos → a de-duplicated list of ingredients with confidences, for the user to confirm.

A fridge shelf holds many things, but the classifier was trained on one product per photo.  So a photo
is cut into regions — the whole frame, then square tiles at two smaller scales — each region is
classified, and the answers are merged per ingredient (five milk brands are one "milk").  Region
proposals by tiling were measured against composed shelves (see ``bench/vision.py`` and the model
card): they need no extra model, and their cost is fixed and predictable.

Nothing here decides what enters the pantry: items below `LIKELY` are marked "maybe" and items below
`MAYBE` are dropped, and the caller asks the user.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from localgenie.vision.backbone import FeatureExtractor, Runtime, get_extractor
from localgenie.vision.head import Head, load_head
from localgenie.vision.images import Photo, open_photo, to_input

LIKELY = 0.6
MAYBE = 0.3
# Tile scales as a fraction of the photo's shorter side, with the step between tiles (fraction of a tile).
TILE_SCALES: tuple[tuple[float, float], ...] = ((0.5, 2 / 3), (1 / 3, 1.0))
MAX_TILES_PER_SCALE = 12
# A region whose features are far from every class's typical photo is background (a bare shelf, a wall).
TYPICALITY_MARGIN = 0.05
BATCH = 16

Box = tuple[int, int, int, int]
Status = Literal["likely", "maybe"]


@dataclass(frozen=True)
class Found:
    """One ingredient seen in the photos."""

    ingredient: str
    confidence: float
    status: Status
    label: str  # the dataset class behind it, e.g. "Arla-Standard-Milk"
    coarse: str  # e.g. "Milk"
    photo: str
    box: Box  # the region that gave the highest confidence, in the photo's working pixels
    regions: int  # how many regions agreed
    alternatives: tuple[tuple[str, float], ...] = ()  # the next ingredients for that region
    quantity: int | None = None  # counted items, when a vision server counted them


@dataclass
class Recognition:
    items: list[Found] = field(default_factory=list)
    photos: int = 0
    regions: int = 0
    seconds: float = 0.0

    @property
    def likely(self) -> list[Found]:
        return [f for f in self.items if f.status == "likely"]

    @property
    def maybe(self) -> list[Found]:
        return [f for f in self.items if f.status == "maybe"]


def propose_regions(width: int, height: int, *, multi: bool = True) -> list[Box]:
    """The whole frame, then (if ``multi``) overlapping square tiles at each of `TILE_SCALES`.

    At most `MAX_TILES_PER_SCALE` tiles per scale, so a panorama costs what a 4:3 photo costs: its
    tiles grow instead of multiplying.
    """
    boxes: list[Box] = [(0, 0, width, height)]
    if not multi:
        return boxes
    short = min(width, height)
    for fraction, step in TILE_SCALES:
        side = max(32, round(short * fraction))
        while True:
            stride = max(1, round(side * step))
            xs, ys = _positions(width, side, stride), _positions(height, side, stride)
            if len(xs) * len(ys) <= MAX_TILES_PER_SCALE or side >= short:
                break
            side = min(short, round(side * 1.15) + 1)
        boxes.extend((x, y, x + side, y + side) for y in ys for x in xs)
    return boxes


def _positions(length: int, side: int, stride: int) -> list[int]:
    """Tile starts covering ``length`` evenly, the last tile flush with the end."""
    if length <= side:
        return [0]
    count = int(np.ceil((length - side) / stride)) + 1
    return [round(i * (length - side) / (count - 1)) for i in range(count)]


def _ingredient_probabilities(
    head: Head, fine_probs: npt.NDArray[np.float32]
) -> tuple[list[str], npt.NDArray[np.float32]]:
    names = sorted(set(head.ingredients))
    index = {name: i for i, name in enumerate(names)}
    columns = np.array([index[name] for name in head.ingredients])
    out = np.zeros((fine_probs.shape[0], len(names)), dtype=np.float32)
    np.add.at(out.T, columns, fine_probs.T)
    return names, out


def recognise(
    photos: Sequence[Path | str | Photo],
    *,
    multi: bool = True,
    head: Head | None = None,
    extractor: FeatureExtractor | None = None,
    runtime: Runtime | None = None,
    likely: float = LIKELY,
    maybe: float = MAYBE,
) -> Recognition:
    """Recognise ingredients in ``photos``; ``multi=False`` treats each photo as one item (faster)."""
    start = time.perf_counter()
    head = head or load_head()
    extractor = extractor or get_extractor(runtime)
    best: dict[str, Found] = {}
    counts: dict[str, int] = {}
    total_regions = 0
    for item in photos:
        photo = item if isinstance(item, Photo) else open_photo(item)
        boxes = propose_regions(*photo.image.size, multi=multi)
        total_regions += len(boxes)
        features = np.concatenate(
            [
                extractor(np.stack([to_input(photo.image, box) for box in boxes[i : i + BATCH]]))
                for i in range(0, len(boxes), BATCH)
            ]
        )
        fine_probs = head.fine_probabilities(features)
        names, probs = _ingredient_probabilities(head, fine_probs)
        top_fine = np.argmax(fine_probs, axis=1)
        typical = head.similarity(features, top_fine) >= head.typicality[top_fine] - TYPICALITY_MARGIN
        for r, box in enumerate(boxes):
            order = np.argsort(-probs[r])
            top = int(order[0])
            confidence = float(probs[r, top])
            # The whole frame of a one-item photo is never background, whatever its similarity says.
            if confidence < maybe or (not typical[r] and not (r == 0 and not multi)):
                continue
            name = names[top]
            counts[name] = counts.get(name, 0) + 1
            fine = _best_fine(head, fine_probs[r], name)
            if name in best and best[name].confidence >= confidence:
                continue
            best[name] = Found(
                ingredient=name,
                confidence=confidence,
                status="likely" if confidence >= likely else "maybe",
                label=head.fine[fine],
                coarse=head.coarse[int(head.fine_to_coarse[fine])],
                photo=photo.source,
                box=box,
                regions=0,
                alternatives=tuple((names[int(j)], float(probs[r, j])) for j in order[1:3]),
            )
    return Recognition(merged(best, counts), len(photos), total_regions, time.perf_counter() - start)


def merged(best: dict[str, Found], counts: dict[str, int]) -> list[Found]:
    """Likely items first, then maybes, each by confidence; ``regions`` says how many regions agreed."""
    ordered = sorted(best.values(), key=lambda f: (f.status != "likely", -f.confidence, f.ingredient))
    return [replace(f, regions=counts[f.ingredient]) for f in ordered]


def _best_fine(head: Head, fine_probs: npt.NDArray[np.float32], ingredient: str) -> int:
    """The most probable dataset class among those meaning ``ingredient`` (shown as "seen as")."""
    candidates = [i for i, name in enumerate(head.ingredients) if name == ingredient]
    return max(candidates, key=lambda i: float(fine_probs[i]))
