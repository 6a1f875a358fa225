"""The Grocery Store Dataset's classes and the pantry ingredient each one means.

The dataset names products ("Arla-Standard-Milk") and varieties ("Granny-Smith"); the pantry wants
ingredients ("milk", "apple").  The mapping is written out by hand because brand names carry no
ingredient a string match could find (Oatly "Oatghurt" is an oat yogurt), and a test checks that it
covers every class of the dataset.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from localgenie.errors import BadInput

# Fine class → ingredient, phrased as a shopper would say it (the pantry canonicalises it further).
INGREDIENTS: dict[str, str] = {
    "Golden-Delicious": "apple",
    "Granny-Smith": "apple",
    "Pink-Lady": "apple",
    "Red-Delicious": "apple",
    "Royal-Gala": "apple",
    "Avocado": "avocado",
    "Banana": "banana",
    "Kiwi": "kiwi",
    "Lemon": "lemon",
    "Lime": "lime",
    "Mango": "mango",
    "Cantaloupe": "cantaloupe",
    "Galia-Melon": "melon",
    "Honeydew-Melon": "honeydew melon",
    "Watermelon": "watermelon",
    "Nectarine": "nectarine",
    "Orange": "orange",
    "Papaya": "papaya",
    "Passion-Fruit": "passion fruit",
    "Peach": "peach",
    "Anjou": "pear",
    "Conference": "pear",
    "Kaiser": "pear",
    "Pineapple": "pineapple",
    "Plum": "plum",
    "Pomegranate": "pomegranate",
    "Red-Grapefruit": "grapefruit",
    "Satsumas": "satsuma",
    "Bravo-Apple-Juice": "apple juice",
    "Bravo-Orange-Juice": "orange juice",
    "God-Morgon-Apple-Juice": "apple juice",
    "God-Morgon-Orange-Juice": "orange juice",
    "God-Morgon-Orange-Red-Grapefruit-Juice": "orange grapefruit juice",
    "God-Morgon-Red-Grapefruit-Juice": "grapefruit juice",
    "Tropicana-Apple-Juice": "apple juice",
    "Tropicana-Golden-Grapefruit": "grapefruit juice",
    "Tropicana-Juice-Smooth": "orange juice",
    "Tropicana-Mandarin-Morning": "mandarin juice",
    "Arla-Ecological-Medium-Fat-Milk": "milk",
    "Arla-Lactose-Medium-Fat-Milk": "lactose-free milk",
    "Arla-Medium-Fat-Milk": "milk",
    "Arla-Standard-Milk": "milk",
    "Garant-Ecological-Medium-Fat-Milk": "milk",
    "Garant-Ecological-Standard-Milk": "milk",
    "Oatly-Natural-Oatghurt": "oat yogurt",
    "Oatly-Oat-Milk": "oat milk",
    "Arla-Ecological-Sour-Cream": "sour cream",
    "Arla-Sour-Cream": "sour cream",
    "Arla-Sour-Milk": "sour milk",
    "Alpro-Blueberry-Soyghurt": "soy yogurt",
    "Alpro-Vanilla-Soyghurt": "soy yogurt",
    "Alpro-Fresh-Soy-Milk": "soy milk",
    "Alpro-Shelf-Soy-Milk": "soy milk",
    "Arla-Mild-Vanilla-Yoghurt": "vanilla yogurt",
    "Arla-Natural-Mild-Low-Fat-Yoghurt": "yogurt",
    "Arla-Natural-Yoghurt": "yogurt",
    "Valio-Vanilla-Yoghurt": "vanilla yogurt",
    "Yoggi-Strawberry-Yoghurt": "strawberry yogurt",
    "Yoggi-Vanilla-Yoghurt": "vanilla yogurt",
    "Asparagus": "asparagus",
    "Aubergine": "eggplant",
    "Cabbage": "cabbage",
    "Carrots": "carrot",
    "Cucumber": "cucumber",
    "Garlic": "garlic",
    "Ginger": "ginger",
    "Leek": "leek",
    "Brown-Cap-Mushroom": "mushroom",
    "Yellow-Onion": "onion",
    "Green-Bell-Pepper": "bell pepper",
    "Orange-Bell-Pepper": "bell pepper",
    "Red-Bell-Pepper": "bell pepper",
    "Yellow-Bell-Pepper": "bell pepper",
    "Floury-Potato": "potato",
    "Solid-Potato": "potato",
    "Sweet-Potato": "sweet potato",
    "Red-Beet": "beet",
    "Beef-Tomato": "tomato",
    "Regular-Tomato": "tomato",
    "Vine-Tomato": "tomato",
    "Zucchini": "zucchini",
}


def ingredient_for(fine_class: str) -> str:
    """The pantry ingredient for a dataset class; unknown classes fall back to their words, lower-cased."""
    return INGREDIENTS.get(fine_class, fine_class.replace("-", " ").lower())


@dataclass(frozen=True)
class GroceryClasses:
    """The dataset's class table: fine names by id, and each fine id's coarse name and id."""

    fine: tuple[str, ...]
    coarse: tuple[str, ...]
    fine_to_coarse: tuple[int, ...]


@dataclass(frozen=True)
class Sample:
    path: Path
    fine: int
    coarse: int


def grocery_root(data: Path) -> Path:
    """Accept the data set's folder or its ``dataset/`` subfolder."""
    for candidate in (data / "dataset", data):
        if (candidate / "classes.csv").is_file():
            return candidate
    raise BadInput(f"{data}: not the Grocery Store Dataset (no dataset/classes.csv)")


def load_classes(root: Path) -> GroceryClasses:
    with (root / "classes.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    rows.sort(key=lambda r: int(r[1]))
    coarse_names: dict[int, str] = {int(r[3]): r[2] for r in rows}
    if [int(r[1]) for r in rows] != list(range(len(rows))) or sorted(coarse_names) != list(
        range(len(coarse_names))
    ):
        raise BadInput(f"{root / 'classes.csv'}: class ids are not 0..N-1")
    return GroceryClasses(
        fine=tuple(r[0] for r in rows),
        coarse=tuple(coarse_names[i] for i in range(len(coarse_names))),
        fine_to_coarse=tuple(int(r[3]) for r in rows),
    )


def load_split(root: Path, split: str) -> list[Sample]:
    """``train`` or ``val``: the listed photos with their fine and coarse ids."""
    listing = root / f"{split}.txt"
    if not listing.is_file():
        raise BadInput(f"{listing}: missing; is this the Grocery Store Dataset?")
    samples = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rel, fine, coarse = (part.strip() for part in line.split(","))
        samples.append(Sample(root / rel, int(fine), int(coarse)))
    return samples
