"""The ingredient vocabulary: mapping free text ("crumbled feta cheese") to a canonical ingredient ("feta").

Pantry items and recipe lines go through the same function, so "2 chicken breasts in the freezer" and
"1 lb boneless skinless chicken breasts" meet on one name.  Matching prefers the longest known phrase and,
among equals, the rightmost one, because English puts the head noun last ("chicken broth" is broth).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"[a-z][a-z'\-]*")

# Words that describe state or preparation and never change which ingredient it is.
_NOISE = frozenset(
    [
        "fresh",
        "freshly",
        "large",
        "small",
        "medium",
        "extra",
        "chopped",
        "diced",
        "minced",
        "sliced",
        "thinly",
        "thickly",
        "finely",
        "coarsely",
        "grated",
        "shredded",
        "crumbled",
        "peeled",
        "seeded",
        "cored",
        "trimmed",
        "cut",
        "into",
        "pieces",
        "softened",
        "melted",
        "cooled",
        "room",
        "temperature",
        "divided",
        "optional",
        "packed",
        "lightly",
        "firmly",
        "ripe",
        "organic",
        "about",
        "plus",
        "more",
        "for",
        "taste",
        "to",
        "serving",
        "garnish",
        "halved",
        "quartered",
        "cubed",
        "boneless",
        "skinless",
        "frozen",
        "thawed",
        "canned",
        "drained",
        "rinsed",
        "cooked",
        "uncooked",
        "raw",
        "warm",
        "cold",
        "hot",
        "beaten",
        "whisked",
        "toasted",
        "roasted",
        "and",
        "or",
        "the",
        "a",
        "an",
        "of",
        "in",
        "with",
        "into",
        "such",
        "as",
    ]
)

DIET_TAGS = {"M": "meat", "F": "fish", "D": "dairy", "E": "egg", "G": "gluten", "N": "nuts", "A": "animal"}


@dataclass(frozen=True)
class Ingredient:
    """One vocabulary entry: canonical name, diet tags, and its FoodKeeper product / SR26 food if known."""

    name: str
    tags: frozenset[str]
    foodkeeper: int | None
    ndb: str | None
    staple: bool


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Ingredient]:
    """Canonical name -> entry, from the packaged ``ingredients.json`` (tools/build_kitchen_data.py)."""
    raw = json.loads(resources.files("localgenie.kitchen").joinpath("data/ingredients.json").read_text())
    out = {}
    for e in raw:
        tags = frozenset(e["tags"]) - {"S"}
        out[e["name"]] = Ingredient(e["name"], tags, e["foodkeeper"], e["ndb"], "S" in e["tags"])
    return out


@lru_cache(maxsize=1 << 16)
def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("oes", "ches", "shes", "sses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _key(words: list[str]) -> str:
    return " ".join(_singular(w) for w in words)


@lru_cache(maxsize=1)
def _alias_table() -> dict[str, str]:
    raw = json.loads(resources.files("localgenie.kitchen").joinpath("data/ingredients.json").read_text())
    table: dict[str, str] = {}
    # Canonical names first so an alias never shadows another entry's own name.
    for e in raw:
        table.setdefault(_key(_WORD.findall(e["name"])), e["name"])
    for e in raw:
        for alias in e["aliases"]:
            table.setdefault(_key(_WORD.findall(alias.lower())), e["name"])
    return table


@lru_cache(maxsize=1)
def _max_words() -> int:
    return max(len(k.split()) for k in _alias_table())


@lru_cache(maxsize=1 << 17)  # corpus names repeat a lot ("all-purpose flour"): cache the answers
def canonicalize(text: str) -> str | None:
    """The canonical ingredient named in ``text``, or None when no known ingredient is mentioned."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    if not words:
        return None
    singular = [_singular(w) for w in words]
    table = _alias_table()
    n_max = min(_max_words(), len(words))
    for n in range(n_max, 0, -1):
        for start in range(len(words) - n, -1, -1):
            if n == 1 and words[start] in _NOISE:
                continue
            hit = table.get(" ".join(singular[start : start + n]))
            if hit is not None:
                return hit
    return None


def tags_for(canonical: str | None, text: str = "") -> frozenset[str]:
    """Diet tags of an ingredient.  Unknown ingredients borrow the tags of every known word in their text,
    so an unrecognised "veal demi-glace" still counts as meat: for allergies a false alarm beats a miss."""
    vocab = vocabulary()
    if canonical is not None and canonical in vocab:
        return vocab[canonical].tags
    found: set[str] = set()
    table = _alias_table()
    for word in _WORD.findall(text.lower()):
        hit = table.get(_singular(word))
        if hit is not None:
            found |= vocab[hit].tags
    return frozenset(found)


def default_staples() -> list[str]:
    """Ingredients assumed to be at hand unless the user edits the list (salt, pepper, oil, water...)."""
    return sorted(name for name, e in vocabulary().items() if e.staple)


def cleaned_name(text: str) -> str:
    """A short fallback key for ingredients the vocabulary does not know: the last two content words."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _NOISE]
    return " ".join(_singular(w) for w in words[-2:])


def ingredient_key(name: str) -> str:
    """The one key a food name is stored and matched under (a pantry item's ``canonical``, a recipe
    ingredient's key, a staple): the canonical ingredient, else the name's last two content words, else
    the name itself lower-cased (a name with no content word, "fresh" or "123", still keys as itself)."""
    return canonicalize(name) or cleaned_name(name) or name.strip().lower()


# Single words that are far more often verbs or nouns of method than ingredients inside recipe steps.
_STEP_AMBIGUOUS = frozenset(
    {"cream", "squash", "dates", "jam", "ice", "cloves", "stock", "pepper", "oil", "cheese"}
)


def mentions(text: str) -> set[str]:
    """Every canonical ingredient named in a free text (e.g. a recipe step), longest phrases first,
    without overlaps.  Single ambiguous words ("cream the butter") are ignored."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    table = _alias_table()
    found: set[str] = set()
    taken = [False] * len(words)
    for n in range(min(_max_words(), len(words)), 0, -1):
        for start in range(0, len(words) - n + 1):
            if any(taken[start : start + n]):
                continue
            window = words[start : start + n]
            if n == 1 and (window[0] in _NOISE or window[0] in _STEP_AMBIGUOUS):
                continue
            hit = table.get(_key(window))
            if hit is not None:
                found.add(hit)
                for i in range(start, start + n):
                    taken[i] = True
    return found


def words_of(text: str) -> set[str]:
    """Singular content words, for loose "is this ingredient mentioned" checks."""
    return {_singular(w) for w in _WORD.findall(text.lower()) if w not in _NOISE}
