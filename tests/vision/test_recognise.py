"""Photograph the fridge, get the ingredients: the embedded recogniser on real Grocery Store Dataset
photos (skipped only when the shared data set is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from localgenie.vision import Photo, open_photo, propose_regions, recognise
from localgenie.vision.backbone import FeatureExtractor
from localgenie.vision.head import Head
from localgenie.vision.labels import Sample
from tests.vision.conftest import photo_of


def test_a_photo_of_milk_is_milk(val_samples: list[Sample], extractor: FeatureExtractor, head: Head) -> None:
    photo = photo_of(val_samples, "Arla-Standard-Milk")
    result = recognise([photo], multi=False, extractor=extractor, head=head)
    top = result.items[0]
    assert (top.ingredient, top.status, top.coarse) == ("milk", "likely", "Milk")
    assert top.label.endswith("Milk") and top.photo == str(photo)


def test_a_shelf_with_three_things_lists_all_three(
    shelf_photo: Path, extractor: FeatureExtractor, head: Head
) -> None:
    result = recognise([shelf_photo], extractor=extractor, head=head)
    seen = {f.ingredient for f in result.items}
    assert {"milk", "leek", "bell pepper"} <= seen, result.items
    likely = {f.ingredient for f in result.likely}
    assert len(likely & {"milk", "leek", "bell pepper"}) >= 2
    assert result.regions > 10
    assert len(seen) == len(result.items), "one entry per ingredient"


def test_the_same_item_in_two_photos_is_listed_once(
    val_samples: list[Sample], extractor: FeatureExtractor, head: Head
) -> None:
    leek = photo_of(val_samples, "Leek")
    result = recognise([leek, photo_of(val_samples, "Leek", 1)], multi=False, extractor=extractor, head=head)
    assert [f.ingredient for f in result.items].count("leek") == 1
    assert result.items[0].regions == 2


def test_each_photo_keeps_its_own_answer(
    val_samples: list[Sample], extractor: FeatureExtractor, head: Head
) -> None:
    """Merged for the pantry, but per photo for evaluation and for confirming one photo at a time."""
    leeks = [photo_of(val_samples, "Leek"), photo_of(val_samples, "Leek", 1)]
    milk = photo_of(val_samples, "Arla-Standard-Milk")
    wall = Photo(Image.new("RGB", (800, 600), (236, 236, 230)), "wall", (800, 600))
    photos = [leeks[0], milk, wall, leeks[1]]
    result = recognise(photos, extractor=extractor, head=head)

    per_photo = result.by_photo()
    assert [source for source, _ in per_photo] == [str(leeks[0]), str(milk), "wall", str(leeks[1])]
    tops = [found[0].ingredient if found else None for _, found in per_photo]
    assert tops[0] == tops[3] == "leek" and tops[1] == "milk", per_photo
    assert not [f for f in per_photo[2][1] if f.status == "likely"], "the wall shows nothing certain"
    for source, found in per_photo:
        assert all(f.photo == source for f in found)
        assert len({f.ingredient for f in found}) == len(found), "one entry per ingredient per photo"
    leek = next(f for f in result.items if f.ingredient == "leek")
    assert leek.regions == sum(f.regions for _, found in per_photo for f in found if f.ingredient == "leek")
    assert leek.confidence == max(
        f.confidence for _, found in per_photo for f in found if f.ingredient == "leek"
    )
    sizes = [open_photo(p).image.size for p in (leeks[0], milk, leeks[1])] + [(800, 600)]
    assert result.regions == sum(len(propose_regions(*size)) for size in sizes)


def test_a_bare_wall_yields_nothing_certain(extractor: FeatureExtractor, head: Head) -> None:
    wall = Photo(Image.new("RGB", (800, 600), (236, 236, 230)), "wall", (800, 600))
    result = recognise([wall], extractor=extractor, head=head)
    assert not result.likely, result.items


def test_low_confidence_is_maybe_never_likely(
    val_samples: list[Sample], extractor: FeatureExtractor, head: Head
) -> None:
    photo = photo_of(val_samples, "Arla-Standard-Milk")
    result = recognise([photo], multi=False, extractor=extractor, head=head, likely=1.01, maybe=0.0)
    assert result.items and all(f.status == "maybe" for f in result.items)


# -- regions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1600, 1200), (1200, 1600), (348, 348), (1600, 400), (40, 40)])
def test_regions_cover_the_photo_and_stay_inside_it(size: tuple[int, int]) -> None:
    width, height = size
    boxes = propose_regions(width, height)
    assert boxes[0] == (0, 0, width, height)
    assert all(0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height for x0, y0, x1, y1 in boxes)
    assert len(boxes) <= 40, "the cost per photo is bounded"
    for x0, y0, x1, y1 in boxes[1:]:
        assert x1 - x0 == y1 - y0, "tiles are square, as the training photos are"
    assert propose_regions(width, height, multi=False) == [(0, 0, width, height)]
