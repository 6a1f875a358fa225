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
    """The pint registry with kitchen count units added (built once: it is slow to load).

    A kitchen unit pint already defines gets a ``kitchen_`` name of its own: pint's "bag" is a 94 lb bag
    of cement, which turned a recipe's 10 oz of spinach into 0.0066 of the pantry's bag."""
    import pint

    reg: Any = pint.UnitRegistry()
    for definition in _PINT_DEFINITIONS:
        name = definition.split("=")[0].strip()
        if name in reg:
            reg.define(
                definition.replace(f"{name} =", f"kitchen_{name} =", 1).replace(
                    f"[{name}]", f"[kitchen_{name}]"
                )
            )
        else:
            reg.define(definition)
    return reg


def _pint_name(unit: str) -> str:
    reg = registry()
    return f"kitchen_{unit}" if f"kitchen_{unit}" in reg else unit


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


# --- amounts as a cook writes them -------------------------------------------------------------------
# Scaling and conversion give 0.333333 cup or 283.495 g; a cook writes ⅓ cup and 285 g.  Spoon and cup
# measures round to the fractions on measuring spoons and cups, counts to thirds and quarters (½ onion),
# weights and millilitres to whole numbers (to 5 above 50).

_GLYPHS = {1 / 8: "⅛", 1 / 4: "¼", 1 / 3: "⅓", 1 / 2: "½", 2 / 3: "⅔", 3 / 4: "¾"}
_MEASURES = {"cup", "tablespoon", "teaspoon", "fluid_ounce", "pint", "quart", "gallon"}
_QUARTERS = (1 / 4, 1 / 2, 3 / 4)
_THIRDS_AND_QUARTERS = (1 / 4, 1 / 3, 1 / 2, 2 / 3, 3 / 4)
_METRIC = {"gram", "milliliter"}
# Below this much of a unit a cook takes the next smaller measure (2 tbsp, not ⅛ cup; 475 ml, not 0.47 l).
_SMALLER = {
    "cup": ("tablespoon", 16.0, 0.25),
    "tablespoon": ("teaspoon", 3.0, 1.0),
    "liter": ("milliliter", 1000.0, 1.0),
    "kilogram": ("gram", 1000.0, 1.0),
}
_PLURAL = {"loaf": "loaves", "box": "boxes", "pinch": "pinches", "dash": "dashes", "bunch": "bunches"}
_NO_PLURAL = frozenset(
    {"teaspoon", "tablespoon", "fluid_ounce", "milliliter", "liter", "ounce", "pound", "dozen"}
)


def _to_fraction(quantity: float, fractions: tuple[float, ...]) -> float:
    whole = int(quantity)
    rest = quantity - whole
    best = min((0.0, *fractions, 1.0), key=lambda f: abs(rest - f))
    return whole + best


def round_amount(quantity: float, unit: str) -> float:
    """``quantity`` rounded as a cook measures it, in the same unit (may be 0 for a trace of a count)."""
    if quantity <= 0:
        return 0.0
    if unit in _METRIC:
        step = 0.1 if quantity < 1 else 1.0 if quantity < 50 else 5.0 if quantity < 1000 else 10.0
        return round(round(quantity / step) * step, 1)
    if quantity >= 10:
        return float(round(quantity))
    if unit in {"pinch", "dash", "drop"}:
        return float(max(1, round(quantity)))
    if unit in {"liter", "kilogram"}:
        return round(quantity, 2)
    if unit == "teaspoon":  # measuring spoons: ⅛ ¼ ½ ¾ and whole
        return _to_fraction(quantity, (1 / 8, *_QUARTERS))
    # Cups and spoons come in thirds too, and so does a count (⅓ package, ½ onion, ¾ tomato).
    return _to_fraction(quantity, _THIRDS_AND_QUARTERS if quantity < 3 else _QUARTERS)


def _number(value: float) -> str:
    whole = int(value)
    rest = value - whole
    glyph = next((g for f, g in _GLYPHS.items() if abs(rest - f) < 1e-6), None)
    if glyph is not None:
        return f"{whole or ''}{glyph}"
    return f"{value:g}"


def format_amount(quantity: float, unit: str) -> str:
    """ "⅓ cup", "2 tbsp", "a pinch", "285 g", "¾" (a count): how a recipe or a shopping list writes it."""
    while unit in _SMALLER and 0 < quantity < _SMALLER[unit][2] - 1e-9:
        unit, factor, _ = _SMALLER[unit]
        quantity *= factor
    if unit == "teaspoon" and 0 < quantity <= 1 / 16 + 1e-9:  # pint's pinch: 1/16 tsp
        return "a pinch"
    if unit not in UNITS:
        return f"{quantity:.3g} {unit}".strip()  # a word no parser knows ("count"): kept as written
    value = round_amount(quantity, unit)
    if value == 0:
        value = 1 / 4 if unit not in _METRIC else 0.1  # a trace still reads as an amount
    if unit in {"pinch", "dash"} and value <= 1:
        return f"a {unit}"
    written = short_unit(unit)
    if written == unit and value > 1 and unit not in _NO_PLURAL:
        written = _PLURAL.get(unit, f"{unit}s")
    return f"{_number(value)} {written}".strip()
