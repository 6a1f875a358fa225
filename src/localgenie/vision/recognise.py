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
    """What the photos show.  ``items`` is merged across photos: one entry per ingredient, from the
    region (of any photo) that was most confident; ``by_photo()`` keeps each photo's own list."""

    items: list[Found] = field(default_factory=list)
    photos: int = 0
    regions: int = 0
    seconds: float = 0.0
    per_photo: list[tuple[str, list[Found]]] = field(default_factory=list)

    @property
    def likely(self) -> list[Found]:
        return [f for f in self.items if f.status == "likely"]

    @property
    def maybe(self) -> list[Found]:
        return [f for f in self.items if f.status == "maybe"]

    def by_photo(self) -> list[tuple[str, list[Found]]]:
        """``(photo, items)`` for every photo in the order given, each list merged within its photo only.

        What evaluation needs (two photos of apples are two answers, one of them may be wrong) and what
        a confirm step shows when it asks about one photo at a time.  A photo in which nothing was
        recognised has an empty list.
        """
        return list(self.per_photo)


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
    """Recognise ingredients in ``photos``; ``multi=False`` treats each photo as one item (faster).

    Items are merged across photos: two photos of apples give one "apple" (the most confident one,
    with ``regions`` counting every region of every photo that agreed).  That is what a pantry wants
    from "photograph the fridge shelf by shelf"; to score a classifier or to confirm photo by photo,
    use `Recognition.by_photo`, which keeps each photo's own items.
    """
    start = time.perf_counter()
    head = head or load_head()
    extractor = extractor or get_extractor(runtime)
    per_photo: list[tuple[str, list[Found]]] = []
    total_regions = 0
    for item in photos:
        photo = item if isinstance(item, Photo) else open_photo(item)
        found, regions = _recognise_photo(photo, head, extractor, multi=multi, likely=likely, maybe=maybe)
        per_photo.append((photo.source, found))
        total_regions += regions
    return Recognition(
        merge_photos([found for _, found in per_photo]),
        len(photos),
        total_regions,
        time.perf_counter() - start,
        per_photo,
    )


def _recognise_photo(
    photo: Photo, head: Head, extractor: FeatureExtractor, *, multi: bool, likely: float, maybe: float
) -> tuple[list[Found], int]:
    """One photo's items (one per ingredient, its most confident region) and how many regions it had."""
    boxes = propose_regions(*photo.image.size, multi=multi)
    inputs = np.stack([to_input(photo.image, box) for box in boxes])
    views = {"full": inputs, "flip": inputs[..., ::-1]}  # a mirrored input is a mirrored region
    batch = max(1, BATCH // len(head.tta))
    per_view: dict[str, list[npt.NDArray[np.float32]]] = {view: [] for view in head.tta}
    for i in range(0, len(boxes), batch):
        # All views of a chunk in one backbone call: a single photo with flip is one batch of two.
        chunk = np.concatenate([views[view][i : i + batch] for view in head.tta])
        out = extractor(np.ascontiguousarray(chunk))
        size = len(out) // len(head.tta)
        for k, view in enumerate(head.tta):
            per_view[view].append(out[k * size : (k + 1) * size])
    view_features = [np.concatenate(per_view[view]) for view in head.tta]
    features = view_features[0]
    fine_probs = head.fine_probabilities_tta(view_features)
    names, probs = _ingredient_probabilities(head, fine_probs)
    top_fine = np.argmax(fine_probs, axis=1)
    typical = head.similarity(features, top_fine) >= head.typicality[top_fine] - TYPICALITY_MARGIN
    best: dict[str, Found] = {}
    counts: dict[str, int] = {}
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
    return merged(best, counts), len(boxes)


def merged(best: dict[str, Found], counts: dict[str, int]) -> list[Found]:
    """Likely items first, then maybes, each by confidence; ``regions`` says how many regions agreed."""
    ordered = sorted(best.values(), key=lambda f: (f.status != "likely", -f.confidence, f.ingredient))
    return [replace(f, regions=counts[f.ingredient]) for f in ordered]


def merge_photos(per_photo: Sequence[Sequence[Found]]) -> list[Found]:
    """One entry per ingredient across photos: the most confident (the earlier photo on a tie), with
    ``regions`` summed over the photos."""
    best: dict[str, Found] = {}
    counts: dict[str, int] = {}
    for found in per_photo:
        for f in found:
            counts[f.ingredient] = counts.get(f.ingredient, 0) + f.regions
            if f.ingredient not in best or f.confidence > best[f.ingredient].confidence:
                best[f.ingredient] = f
    return merged(best, counts)


def _best_fine(head: Head, fine_probs: npt.NDArray[np.float32], ingredient: str) -> int:
    """The most probable dataset class among those meaning ``ingredient`` (shown as "seen as")."""
    candidates = [i for i, name in enumerate(head.ingredients) if name == ingredient]
    return max(candidates, key=lambda i: float(fine_probs[i]))
