"""Kitchen units: the words people write, their canonical names, and conversions through pint.

Parsing a recipe corpus touches ~700k unit words, so recognising a unit is a dict lookup on a fixed alias
table; pint (slow to load, ~0.5 s) is only built when a quantity must actually be converted.  Count-like
units (can, bag, clove...) get their own pint dimension, so converting "1 can" to "cup" fails loudly
instead of inventing a density.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from localgenie.errors import BadInput

# Canonical unit name -> the spellings found in recipes and typed by users.
_UNITS: dict[str, tuple[str, ...]] = {
    "teaspoon": ("teaspoon", "teaspoons", "tsp", "tsps", "tsp.", "t", "tea spoon"),
    "tablespoon": ("tablespoon", "tablespoons", "tbsp", "tbsps", "tbsp.", "tbs", "tbl", "tbls", "tblsp", "T"),
    "cup": ("cup", "cups", "c", "c."),
    "fluid_ounce": ("fluid ounce", "fluid ounces", "fl oz", "fl. oz.", "fl.oz.", "fl oz.", "fl. oz"),
    "pint": ("pint", "pints", "pt"),
    "quart": ("quart", "quarts", "qt", "qts"),
    "gallon": ("gallon", "gallons", "gal"),
    "milliliter": ("milliliter", "milliliters", "millilitre", "millilitres", "ml", "mls"),
    "liter": ("liter", "liters", "litre", "litres", "l"),
    "ounce": ("ounce", "ounces", "oz", "oz."),
    "pound": ("pound", "pounds", "lb", "lbs", "lb.", "lbs."),
    "gram": ("gram", "grams", "g", "gr", "g."),
    "kilogram": ("kilogram", "kilograms", "kg", "kgs", "kilo", "kilos"),
    "pinch": ("pinch", "pinches"),
    "dash": ("dash", "dashes"),
    "piece": ("piece", "pieces", "pc", "pcs", "whole", "item", "items", "each"),
    "dozen": ("dozen",),
    "clove": ("clove", "cloves"),
    "can": ("can", "cans", "tin", "tins"),
    "package": ("package", "packages", "pkg", "pkgs", "pack", "packs", "packet", "packets"),
    "bag": ("bag", "bags"),
    "bunch": ("bunch", "bunches"),
    "sprig": ("sprig", "sprigs"),
    "slice": ("slice", "slices"),
    "stick": ("stick", "sticks"),
    "head": ("head", "heads"),
    "jar": ("jar", "jars"),
    "bottle": ("bottle", "bottles"),
    "box": ("box", "boxes"),
    "container": ("container", "containers", "tub", "tubs", "carton", "cartons"),
    "envelope": ("envelope", "envelopes", "sachet", "sachets"),
    "loaf": ("loaf", "loaves"),
    "stalk": ("stalk", "stalks", "rib", "ribs"),
    "sheet": ("sheet", "sheets"),
    "cube": ("cube", "cubes"),
    "handful": ("handful", "handfuls"),
    "drop": ("drop", "drops"),
    "fillet": ("fillet", "fillets"),
    "block": ("block", "blocks"),
}

ALIASES: dict[str, str] = {alias.lower(): unit for unit, spellings in _UNITS.items() for alias in spellings}
# "T" (tablespoon) vs "t" (teaspoon) is the one case-sensitive spelling worth honouring.
_CASE_SENSITIVE = {"T": "tablespoon", "t": "teaspoon"}
UNITS: frozenset[str] = frozenset(_UNITS)
COUNT_UNITS: frozenset[str] = frozenset(_UNITS) - {
    "teaspoon",
    "tablespoon",
    "cup",
    "fluid_ounce",
    "pint",
    "quart",
    "gallon",
    "milliliter",
    "liter",
    "ounce",
    "pound",
    "gram",
    "kilogram",
    "pinch",
    "dash",
    "drop",
}

# Units pint does not know, each its own dimension unless it is a fixed multiple of another unit.
_PINT_DEFINITIONS = [
    "piece = [count]",
    "dozen = 12 * piece",
    "pinch = 0.0625 * teaspoon",
    "dash = 0.125 * teaspoon",
    "drop = 0.05 * milliliter",
    *(f"{u} = [{u}]" for u in sorted(COUNT_UNITS - {"piece", "dozen"})),
]


def lookup(word: str) -> str | None:
    """The canonical unit for a spelling, or None when the word is not a unit."""
    if word in _CASE_SENSITIVE:
        return _CASE_SENSITIVE[word]
    return ALIASES.get(word.lower())


def normalize_unit(word: str | None) -> str:
    """Canonical unit for user input; a missing unit means a count ("2 lemons")."""
    if word is None or not word.strip():
        return "piece"
    unit = lookup(word.strip())
    if unit is None:
        known = ", ".join(sorted(UNITS))
        raise BadInput(f"unknown unit {word!r}; use one of: {known}")
    return unit


@lru_cache(maxsize=1)
def registry() -> Any:  # pint.UnitRegistry; its generic parameters add nothing here
    """The pint registry with kitchen count units added (built once: it is slow to load)."""
    import pint

    reg: Any = pint.UnitRegistry()
    for definition in _PINT_DEFINITIONS:
        name = definition.split("=")[0].strip()
        if name in reg:
            reg.define(definition.replace(f"{name} =", f"kitchen_{name} =", 1))
        else:
            reg.define(definition)
    return reg


def _pint_name(unit: str) -> str:
    reg = registry()
    if unit in {"pinch", "dash", "drop"} and f"kitchen_{unit}" in reg:
        return f"kitchen_{unit}"
    return unit


def convertible(a: str, b: str) -> bool:
    """Whether quantities in unit ``a`` can be expressed in unit ``b`` (same dimension)."""
    if a == b:
        return True
    reg = registry()
    try:
        return bool(reg.Unit(_pint_name(a)).dimensionality == reg.Unit(_pint_name(b)).dimensionality)
    except Exception:
        return False


def convert(quantity: float, from_unit: str, to_unit: str) -> float:
    """Convert a quantity; raises BadInput when the units measure different things (volume vs count)."""
    if from_unit == to_unit:
        return quantity
    if not convertible(from_unit, to_unit):
        raise BadInput(f"cannot convert {from_unit} to {to_unit}: they measure different things")
    reg = registry()
    return float(reg.Quantity(quantity, _pint_name(from_unit)).to(_pint_name(to_unit)).magnitude)


def dimension(unit: str) -> str:
    """'mass', 'volume', or the unit itself for counts: what a quantity can be summed with."""
    if unit in {"ounce", "pound", "gram", "kilogram"}:
        return "mass"
    if unit in COUNT_UNITS:
        return "count" if unit in {"piece", "dozen"} else unit
    return "volume"


# How a cook writes a unit in a narrow column or after a number ("200 g", "2 tbsp"); a count needs none.
_SHORT = {
    "teaspoon": "tsp",
    "tablespoon": "tbsp",
    "fluid_ounce": "fl oz",
    "milliliter": "ml",
    "liter": "l",
    "ounce": "oz",
    "pound": "lb",
    "gram": "g",
    "kilogram": "kg",
    "piece": "",
}


def short_unit(unit: str) -> str:
    """The short spelling of a canonical unit ("gram" -> "g", "piece" -> ""); others unchanged."""
    return _SHORT.get(unit, unit.replace("_", " "))
