"""Nutrition per serving, computed from USDA SR26 (public domain): ingredient -> SR26 food (the vocabulary's
hand-checked link), quantity -> grams (pint for mass, SR26's household-measure WEIGHT table for volumes
and counts), grams x nutrients per 100 g.

Lines that cannot be matched or weighed are listed, never guessed: an honest "unknown" beats a confident
wrong number on a label.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from localgenie.errors import BadInput
from localgenie.kitchen import units, vocab

NUTRIENTS = ("kcal", "protein_g", "fat_g", "carbs_g", "fiber_g", "sugar_g", "sodium_mg")
_MEASURE_UNITS = {"cup": "cup", "tbsp": "tablespoon", "tsp": "teaspoon", "fl oz": "fluid_ounce"}


@lru_cache(maxsize=1)
def _sr26() -> dict[str, Any]:
    raw = resources.files("localgenie.kitchen").joinpath("data/sr26.json.gz").read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(raw))
    return data


@dataclass(frozen=True)
class LineNutrition:
    text: str
    food: str | None
    grams: float | None
    problem: str | None


@dataclass
class Nutrition:
    servings: float
    total: dict[str, float]
    lines: list[LineNutrition] = field(default_factory=list)

    @property
    def per_serving(self) -> dict[str, float]:
        return {k: v / self.servings for k, v in self.total.items()}

    @property
    def unmatched(self) -> list[LineNutrition]:
        return [line for line in self.lines if line.problem]


def food_description(ndb: str) -> str | None:
    """SR26's description of a food, e.g. "Cheese, feta" (its first part names the kind of food)."""
    food = _sr26()["foods"].get(ndb)
    return None if food is None else str(food["desc"])


def grams(quantity: float, unit: str, ndb: str) -> float | None:
    """Weight of ``quantity unit`` of SR26 food ``ndb``, or None when no conversion is known."""
    if unit not in units.UNITS:
        return None  # a word no parser knows ("count", "handfull"): say so rather than guess
    if units.dimension(unit) == "mass":
        return units.convert(quantity, unit, "gram")
    weights: list[list[Any]] = _sr26()["weights"].get(ndb, [])
    if units.dimension(unit) == "volume":
        for amount, desc, g in weights:
            measure = next((u for prefix, u in _MEASURE_UNITS.items() if str(desc).startswith(prefix)), None)
            if measure is not None:
                return float(quantity * units.convert(1.0, unit, measure) * g / amount)
        return None
    if unit == "dozen":
        quantity, unit = quantity * 12, "piece"
    preferred = [unit] if unit != "piece" else ["large", "medium", "whole", "fruit", "item", "each", "piece"]
    for want in preferred:
        for amount, desc, g in weights:
            if str(desc).startswith(want):
                return float(quantity * g / amount)
    if unit == "piece":
        for amount, desc, g in weights:  # any count-like measure (e.g. "breast, bone and skin removed")
            if not any(str(desc).startswith(p) for p in (*_MEASURE_UNITS, "oz", "lb", "g ")):
                return float(quantity * g / amount)
    return None


def line_nutrition(
    text: str, quantity: float | None, unit: str | None, key: str | None
) -> tuple[LineNutrition, dict[str, float]]:
    entry = vocab.vocabulary().get(key or "")
    if entry is None or entry.ndb is None:
        return LineNutrition(text, None, None, "no SR26 food matched"), {}
    food = _sr26()["foods"][entry.ndb]
    if quantity is None:
        return LineNutrition(text, food["desc"], None, "no amount given"), {}
    g = grams(quantity, unit or "piece", entry.ndb)
    if g is None:
        return LineNutrition(text, food["desc"], None, f"no gram weight for '{unit}' of this food"), {}
    values = {n: (food[n] or 0.0) * g / 100.0 for n in NUTRIENTS}
    return LineNutrition(text, food["desc"], g, None), values


def recipe_nutrition(
    lines: list[tuple[str, float | None, str | None, str | None]], servings: float
) -> Nutrition:
    """Totals over the ingredient lines ``(text, quantity, unit, key)`` of a recipe, for ``servings``."""
    if servings <= 0:
        raise BadInput("servings must be positive")
    result = Nutrition(servings, dict.fromkeys(NUTRIENTS, 0.0))
    for text, quantity, unit, key in lines:
        line, values = line_nutrition(text, quantity, unit, key)
        result.lines.append(line)
        for n, v in values.items():
            result.total[n] += v
    return result
