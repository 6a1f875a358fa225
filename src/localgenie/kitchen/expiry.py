"""Expiry estimates from USDA FoodKeeper (public domain), by item, storage place and opened state.

The conservative end of FoodKeeper's range is used ("1-2 weeks" -> 7 days): a pantry that warns a day
early wastes less than one that warns a day late.  Every estimate carries a human-readable source so the
user can see where a date came from and override it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, get_args

from localgenie.kitchen import vocab

# Where food is kept: FoodKeeper's three storage places, by the words a pantry user writes.
Location = Literal["fridge", "freezer", "pantry"]
LOCATIONS: tuple[Location, ...] = get_args(Location)
# FoodKeeper's name for each place (shown in an estimate's source); the other words a user may type.
PLACE_NAMES: dict[Location, str] = {"fridge": "refrigerator", "freezer": "freezer", "pantry": "pantry"}
LOCATION_WORDS: dict[str, Location] = {
    **{place: location for location, place in PLACE_NAMES.items()},
    **{location: location for location in LOCATIONS},
    "cupboard": "pantry",
}


@dataclass(frozen=True)
class Estimate:
    """An estimated expiry date (None when FoodKeeper gives no number) and where it came from."""

    expires: date | None
    source: str


@lru_cache(maxsize=1)
def products() -> dict[int, dict[str, Any]]:
    raw = json.loads(resources.files("localgenie.kitchen").joinpath("data/foodkeeper.json").read_text())
    return {int(p["id"]): p for p in raw}


def find_product(canonical: str | None, name: str) -> dict[str, Any] | None:
    """The FoodKeeper product for an item: the vocabulary's link first, then product names and keywords."""
    table = products()
    entry = vocab.vocabulary().get(canonical or "")
    if entry is not None and entry.foodkeeper is not None:
        return table[entry.foodkeeper]
    words = set(re.findall(r"[a-z]+", name.lower())) | set((canonical or "").split())
    best: tuple[int, int] | None = None
    for pid, product in table.items():
        pname = str(product["name"]).lower()
        score = 3 if pname in (canonical, name.lower()) else 0
        score += sum(1 for k in product["keywords"] if k in words)
        if score and (best is None or score > best[0]):
            best = (score, pid)
    return table[best[1]] if best else None


def estimate(canonical: str | None, name: str, location: Location, opened: bool, start: date) -> Estimate:
    """Expiry for an item stored at ``location`` since ``start`` (the purchase, or opening, date)."""
    product = find_product(canonical, name)
    if product is None:
        return Estimate(None, "no FoodKeeper entry for this item: give --expires")
    label = product["name"] + (f" ({product['subtitle']})" if product.get("subtitle") else "")
    span = product.get(f"{location}_opened") if opened else None
    if span:
        state = "after opening"
    else:
        state = "opened, no after-opening time listed, unopened time used" if opened else "unopened"
    if span is None:
        span = product.get(location)
    if span is None and location == "fridge" and product.get("pantry"):
        # Shelf-stable food kept in the fridge: the pantry time is a safe lower bound.
        span, state = product["pantry"], f"{state}, pantry time used (none listed for the refrigerator)"
    if span is None:
        return Estimate(None, f"FoodKeeper {label}: no {PLACE_NAMES[location]} storage time listed")
    if span["min_days"] is None:
        return Estimate(None, f"FoodKeeper {label}, {PLACE_NAMES[location]}: {span['text']}")
    expires = start + timedelta(days=int(span["min_days"]))
    return Estimate(expires, f"FoodKeeper {label}, {PLACE_NAMES[location]} {state}: {span['text']}")
