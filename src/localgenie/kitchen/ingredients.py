"""Parse recipe ingredient lines ("1 (16 ounce) package frozen spinach, thawed") into quantity, unit and
canonical ingredient.

Our own parser: ingredient-parser-nlp downloads an NLTK tagger at run time and fails offline.  This one is
regular expressions over a fixed unit table (`units`) and the packaged vocabulary (`vocab`), fast enough to
parse the 73k-recipe corpus (~700k lines) in well under a minute on one core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from localgenie.kitchen import units, vocab

_UNICODE_FRACTIONS = {
    "½": "1/2",
    "⅓": "1/3",
    "⅔": "2/3",
    "¼": "1/4",
    "¾": "3/4",
    "⅕": "1/5",
    "⅛": "1/8",
    "⅜": "3/8",
    "⅝": "5/8",
    "⅞": "7/8",
    "⅙": "1/6",
    "⅚": "5/6",
}
_NUMBER_WORDS = {
    "a": 1.0,
    "an": 1.0,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
    "eleven": 11.0,
    "twelve": 12.0,
    "half": 0.5,
    "a couple": 2.0,
    "a couple of": 2.0,
    "couple": 2.0,
    "a few": 3.0,
    "few": 3.0,
    "several": 3.0,
    "half a": 0.5,
    "half an": 0.5,
    "a half": 0.5,
    "a dozen": 12.0,
    "dozen": 12.0,
    "half a dozen": 6.0,
}

_NUM = r"(?:\d+\s+\d+/\d+|\d+-\d+/\d+|\d+/\d+|\d*\.\d+|\d+)"
_WORDNUM = "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True))
_QTY = re.compile(
    rf"^\s*(?P<q>{_NUM}|(?:{_WORDNUM})\b)(?:\s*(?:-|–|to|or)\s*(?P<q2>{_NUM})\b)?\s*", re.IGNORECASE
)
_SIZE = re.compile(rf"^\(\s*(?P<q>{_NUM})\s*(?:-\s*)?(?P<u>[a-zA-Z. ]+?)\s*\)\s*")
_PAREN = re.compile(r"\([^)]*\)")
_UNIT_WORD = re.compile(r"^(?P<u>fl\.? ?oz\.?|fluid ounces?|[a-zA-Z]+\.?)(?=[\s,]|$)\s*")
_HYPHEN_RANGE = re.compile(r"(\d)\s*-\s*to\s+")
_HYPHEN_UNIT = re.compile(r"(\d)-(ounce|oz|pound|lb|gram|g|kg|ml|liter|quart|pint)\b", re.IGNORECASE)
_CONTAINERS = frozenset({"can", "package", "jar", "bottle", "bag", "box", "container", "envelope"})
_TRAILING_UNITS = {"cloves": "clove", "clove": "clove", "stalks": "stalk", "sprigs": "sprig", "heads": "head"}
_SIZE_WORDS = ("small", "medium", "large", "heaping", "level", "scant", "generous", "rounded", "big")


@dataclass(frozen=True)
class ParsedIngredient:
    """One ingredient line, parsed.  ``canonical`` is None when the vocabulary knows no ingredient in it;
    ``key`` is then a short fallback name so missing-ingredient counts still work.

    ``key`` is `vocab.ingredient_key` of the name, with one difference on purpose: ``canonical`` also
    looks at the words the name cut off after a comma or an "or" ("4 skinless, boneless chicken breast
    halves" is named "skinless", and keyed chicken breast)."""

    text: str
    quantity: float | None
    unit: str | None
    name: str
    canonical: str | None

    @property
    def key(self) -> str:
        return self.canonical or vocab.ingredient_key(self.name)


def parse_number(text: str) -> float:
    """'1 1/2', '1-1/2', '3/4', '.5', 'a dozen' -> float."""
    text = text.strip().lower()
    if text in _NUMBER_WORDS:
        return _NUMBER_WORDS[text]
    total = 0.0
    for part in re.split(r"[\s-]+", text):
        if "/" in part:
            num, den = part.split("/")
            total += float(num) / float(den) if float(den) else 0.0
        elif part:
            total += float(part)
    return total


_FRACTION_CHARS = re.compile(rf"(\d?)\s*([{''.join(_UNICODE_FRACTIONS)}])")


def _normalise(text: str) -> str:
    if not text.isascii():
        text = _FRACTION_CHARS.sub(lambda m: f"{m.group(1)} {_UNICODE_FRACTIONS[m.group(2)]}", text)
    if "-" in text:
        # "14- to 15-ounce can" -> "14 to 15 ounce can"
        text = _HYPHEN_RANGE.sub(r"\1 to ", text)
        text = _HYPHEN_UNIT.sub(r"\1 \2", text)
    return text.replace("\u2044", "/").replace("\xa0", " ").strip()


@lru_cache(maxsize=1 << 17)  # ~40% of corpus lines are exact repeats ("1 teaspoon salt")
def parse_line(line: str) -> ParsedIngredient:
    """Parse one ingredient line; never raises (a line with no quantity keeps quantity None)."""
    text = _normalise(line)
    rest = text
    quantity: float | None = None
    unit: str | None = None
    m = _QTY.match(rest)
    if m is not None:
        quantity = parse_number(m.group("q"))
        rest = rest[m.end() :]
    size = _SIZE.match(rest)
    if size and units.lookup(size.group("u").strip().rstrip(".")) is not None:
        # "2 (14.5 ounce) cans tomatoes": the container size times the count is what the pantry needs.
        inner = parse_number(size.group("q"))
        quantity = (quantity or 1.0) * inner
        unit = units.lookup(size.group("u").strip().rstrip("."))
        rest = rest[size.end() :]
        container = _UNIT_WORD.match(rest)
        if container and units.lookup(container.group("u").rstrip(".")) in units.COUNT_UNITS:
            rest = rest[container.end() :]
    else:
        unit, rest = _take_unit(rest)
        if unit is None and quantity is not None:
            # "1 1/2 15-ounce cans pinto beans": a count of containers of a given size.
            inner_m = _QTY.match(rest)
            if inner_m is not None and inner_m.group("q")[0].isdigit():
                inner_unit, inner_rest = _take_unit(rest[inner_m.end() :])
                if inner_unit is not None and inner_unit not in units.COUNT_UNITS:
                    quantity *= parse_number(inner_m.group("q"))
                    unit, rest = inner_unit, inner_rest
    if unit is not None and quantity is None:
        quantity = 1.0  # "pinch of salt", "cup sugar"
    if unit == "dozen" and quantity is not None:
        quantity, unit = quantity * 12, "piece"
    elif unit is None and quantity is not None:
        unit = "piece"
    name = _clean_name(rest)
    last = name.rsplit(" ", 1)[-1].lower()
    if unit == "piece" and last in _TRAILING_UNITS:
        unit = _TRAILING_UNITS[last]  # "2 large garlic cloves"
    canonical = vocab.canonicalize(name) or vocab.canonicalize(_PAREN.sub(" ", rest))
    return ParsedIngredient(line, quantity, unit, name, canonical)


def _take_unit(rest: str) -> tuple[str | None, str]:
    """Take a unit word off the front of ``rest``, skipping one size adjective ("1 large can")."""
    probe = rest
    first = probe.split(" ", 1)[0].lower()
    if first in _SIZE_WORDS and " " in probe:
        probe = probe.split(" ", 1)[1]
    m = _UNIT_WORD.match(probe)
    if m:
        word = m.group("u")
        unit = units.lookup(word) or units.lookup(word.rstrip("."))
        if unit is not None and not (
            unit in {"teaspoon", "cup"} and len(word) == 1 and word.islower() and not probe[m.end() :].strip()
        ):
            remainder = probe[m.end() :]
            if unit not in units.COUNT_UNITS:
                container = _UNIT_WORD.match(remainder)
                if container and units.lookup(container.group("u").rstrip(".")) in _CONTAINERS:
                    remainder = remainder[container.end() :]  # "14 ounce can sliced beets"
            if remainder.lower().startswith("of "):
                remainder = remainder[3:]
            return unit, remainder
    if rest.lower().startswith("of "):
        rest = rest[3:]
    return None, rest


def _clean_name(rest: str) -> str:
    """The ingredient words: drop parentheticals, the prep after a comma, and alternatives after 'or'."""
    name = _PAREN.sub(" ", rest)
    name = name.split(",")[0]
    name = re.split(r"\s+(?:or|for|to taste|plus)\s+", name, maxsplit=1)[0]
    name = re.sub(r"^\s*(?:of|each)\s+", "", name)
    return re.sub(r"\s+", " ", name).strip(" .;:-*")
