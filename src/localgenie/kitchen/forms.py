"""Processed forms of a food: sun-dried tomatoes are not tomatoes, frozen spinach is not a bag of fresh
spinach, lemon juice is not a lemon.

The vocabulary maps all of these to one canonical ingredient (its matching ignores "frozen" and "canned",
and reads "sun-dried" as an unknown word), which is right for diet tags and expiry but wrong for cooking:
a shopping list counted a recipe's sun-dried tomatoes as the fresh ones in the fridge.  `food_key` puts the
form back: the form a text names, or, when it names none, the form the food usually comes in -- read from
its SR26 description, so "oregano" (SR26: "Spices, oregano, dried") is the dried herb, "dried oregano" is
the same thing and "fresh oregano" is not.  A pantry item says its form by its name ("frozen peas") or its
unit ("2 cans tomatoes").
"""

from __future__ import annotations

import re
from functools import lru_cache

from localgenie.kitchen import vocab
from localgenie.kitchen.nutrition import food_description

FRESH = "fresh"

# Words that name a form -> the form.  Prefix forms read "frozen spinach", suffix forms "lemon juice".
_PREFIX = {
    "sun-dried": "sun dried",
    "dried": "dried",
    "dehydrated": "dried",
    "canned": "canned",
    "tinned": "canned",
    "frozen": "frozen",
    "pickled": "pickled",
    "smoked": "smoked",
    "candied": "candied",
    "fresh": FRESH,
}
_SUFFIX = {"juice": "juice", "powder": "powder", "powdered": "powder"}
_FORMS = {**_PREFIX, **_SUFFIX}
# In SR26 descriptions "dry" is the dried form ("Spaghetti, dry"); in recipes it is also a wine or a rub.
_DESCRIPTION_FORMS = {**_FORMS, "dry": "dried"}
_CANS = frozenset({"can", "cans", "tin", "tins"})
_WORD = re.compile(r"[a-z][a-z\-]*")
_PAREN = re.compile(r"\([^)]*\)")


def _words(text: str) -> list[str]:
    text = re.sub(r"\bsun[\s-]?dried\b", "sun-dried", text.lower())
    return _WORD.findall(text)


@lru_cache(maxsize=4096)
def usual_form(key: str) -> str:
    """The form ``key`` comes in when a text names none: SR26's ("Beans, black, ..., canned"), else fresh."""
    entry = vocab.vocabulary().get(key)
    description = food_description(entry.ndb) if entry is not None and entry.ndb else None
    own = set(_words(key))
    for word in _words(description or ""):
        if word in _DESCRIPTION_FORMS and word not in own and _DESCRIPTION_FORMS[word] != FRESH:
            return _DESCRIPTION_FORMS[word]
    return FRESH


def form_of(text: str, key: str, unit: str | None = None) -> str:
    """The form a recipe line or pantry item names: a form word outside the ingredient's own name
    ("garlic powder" is garlic powder, not a powder of garlic), a can, or else the food's usual form."""
    name = _PAREN.sub(" ", text.lower()).split(",")[0]  # "(can use reduced-fat)", ", fresh or frozen"
    words = _words(name)
    own = set(_words(key))
    for word in words:
        if word in _FORMS and word not in own:
            return _FORMS[word]
    if unit == "can" or _CANS & set(words):
        return "canned"
    return usual_form(key)


@lru_cache(maxsize=1 << 14)
def food_key(text: str, key: str, unit: str | None = None) -> str:
    """``key`` with the form ``text`` names when it is not the usual one: "sun dried tomatoes" (the
    vocabulary's own entry), "frozen spinach", "lemon juice"; ``key`` itself otherwise."""
    form = form_of(text, key, unit)
    if form == usual_form(key) or (form == FRESH and usual_form(key) == FRESH):
        return key
    phrase = f"{key} {form}" if form in _SUFFIX.values() else f"{form} {key}"
    known = vocab.canonicalize(phrase)
    if known is not None and set(_words(form)) <= set(_words(known.replace("sun dried", "sun-dried"))):
        return known  # "lemon juice", "sun dried tomatoes": the vocabulary knows this food
    return phrase
