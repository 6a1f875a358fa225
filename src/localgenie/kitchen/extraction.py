"""What the LLM fills for `genie kitchen add "a dozen eggs, half a bag of spinach..."`, and the code that
turns it into pantry items.

The models are flat with short descriptions because they become the prompt of a small model.  The model
only copies words; every judgement (units, dates, expiry) is made here by code, so a wrong guess shows
up as a clear error or in the confirmation table, never silently in the pantry.

Units and places are closed lists, and the schema says so (enums), so the grammar cannot write "fridge"
as a unit or "chicken" as one: tiny did both, and the pantry refused the add as *bad input*.  The same
schema bounds the answer (items, name length, numbers), so a looping model stops early.  The bounds are
on the schema the model answers under only: drafts built in code stay lenient, and what they hold is
checked by `drafts_to_items` and the pantry.  Whatever slip is left after that is the model's, not the
user's: `extract_pantry_items` raises `PantryNotUnderstood` (exit 3) naming the item.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from pydantic import BaseModel, Field

from localgenie.errors import BadInput, SchemaViolation
from localgenie.kitchen import pantry, units, vocab
from localgenie.kitchen.expiry import Location
from localgenie.kitchen.ingredients import parse_number
from localgenie.kitchen.pantry import NewItem
from localgenie.structured import Extractor

# The unit words the model may write: every canonical unit ("fluid ounce") and its short spelling ("g",
# "tbsp"), which texts use most.  Not every alias: the list is in the prompt, and 150 words cost tiny time.
_SPELLINGS = {u.replace("_", " ") for u in units.UNITS} | {units.short_unit(u) for u in units.UNITS}
UNIT_WORDS: tuple[str, ...] = tuple(sorted(_SPELLINGS - {""}))  # "piece" is short for nothing
MAX_ITEMS = 20  # one add; a longer list goes in parts or as a CSV
MAX_NAME = 60
MAX_QUANTITY = 10_000
MAX_DAYS_AGO = 3650


class PantryItemDraft(BaseModel):
    """One food item mentioned in the text."""

    name: str = Field(
        description="the food, as written, without amount (e.g. 'eggs', 'chicken breasts')",
        json_schema_extra={"minLength": 1, "maxLength": MAX_NAME},
    )
    quantity: float | None = Field(
        default=None,
        description="number of units; 12 for 'a dozen', 0.5 for 'half'",
        json_schema_extra={
            "anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": MAX_QUANTITY}, {"type": "null"}]
        },
    )
    unit: str | None = Field(
        default=None,
        description="the unit if the text names one (bag, gram, pound, cup, can, bunch); else null",
        json_schema_extra={"anyOf": [{"type": "string", "enum": list(UNIT_WORDS)}, {"type": "null"}]},
    )
    location: Location | None = Field(default=None, description="where it is stored")
    opened: bool = Field(default=False, description="true if opened or started")
    opened_days_ago: int | None = Field(
        default=None,
        description="days since opened: 0 today, 1 yesterday",
        json_schema_extra={
            "anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_DAYS_AGO}, {"type": "null"}]
        },
    )
    expires: str | None = Field(
        default=None,
        description="expiry date YYYY-MM-DD only if stated",
        json_schema_extra={"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
    )


class PantryExtraction(BaseModel):
    """Food items to add to the pantry."""

    items: list[PantryItemDraft] = Field(
        description="every food item mentioned", json_schema_extra={"maxItems": MAX_ITEMS}
    )


class PantryNotUnderstood(SchemaViolation):
    """The model answered within the schema, but what it wrote for an item cannot be stored (a date that
    does not exist, a blank name) or it found no item at all: the model's slip, so exit 3 with the item
    named, never "bad input" for text the user wrote correctly.  ``raw`` is the answer as understood."""


_CLAUSE = re.compile(r"[,;\n]|\band\b|\bplus\b")
_OPENED = re.compile(r"\b(open|opened|started|begun|half[- ]eaten|leftover)", re.I)
_MONTHS = (
    "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?|oct(ober)?"
    "|nov(ember)?|dec(ember)?"
)
_DATED = re.compile(
    rf"\d{{4}}-\d{{1,2}}-\d{{1,2}}|\b\d{{1,2}}[/.]\d{{1,2}}\b|\b({_MONTHS})\b|expir|best before|use by"
    r"|\b(today|tomorrow|next (week|month|\w+day)|in \d+ (days?|weeks?))\b",
    re.I,
)
_NO_UNIT = {"none", "null", "n/a", "na", "-", "unit", "units", "count", "whole"}


def drafts_to_items(extraction: PantryExtraction, today: date) -> list[NewItem]:
    """Pantry items from an extraction; raises BadInput naming the item when a value is unusable."""
    if not extraction.items:
        raise BadInput("no food items found in the text")
    items = []
    for d in extraction.items:
        quantity = 1.0 if d.quantity is None else float(d.quantity)
        unit = (d.unit or "").strip() or None
        if unit is not None and unit.lower() in _NO_UNIT:
            unit = None  # small models write the word "none" where they mean null
        if unit is not None and unit.lower() in ("dozen", "dozens"):
            quantity, unit = quantity * 12, None
        elif unit is not None and unit.lower() in ("half", "a half"):
            quantity, unit = quantity * 0.5, None
        expires = None
        if d.expires:
            try:
                expires = date.fromisoformat(d.expires)
            except ValueError as exc:
                raise BadInput(f"{d.name}: expiry {d.expires!r} is not a date (YYYY-MM-DD)") from exc
        opened_on = None
        if d.opened_days_ago is not None:
            if d.opened_days_ago < 0:
                raise BadInput(f"{d.name}: opened {d.opened_days_ago} days ago is in the future")
            opened_on = today - timedelta(days=d.opened_days_ago)
        items.append(
            NewItem(
                name=d.name.strip(),
                quantity=quantity,
                unit=unit,
                location=d.location or "fridge",
                opened=d.opened or opened_on is not None,
                opened_on=opened_on,
                expires=expires,
                added=today,
            )
        )
    return items


def held_to_text(extraction: PantryExtraction, text: str) -> PantryExtraction:
    """The extraction with what the text does not say taken out: an item is opened only when the part
    of the text that names it says so ("feta I opened yesterday", not "a dozen eggs"), has a unit only
    when that part names the unit, and an expiry only when it states a date.  tiny wrote "a dozen eggs"
    as 12 bags, opened, expiring 2022-01-01, from a text saying none of it; a count and FoodKeeper's
    estimate are what such an item should get instead.

    The part naming an item is the comma/"and"-separated clause sharing a word with its name, with the
    clauses after it that name no food ("milk, opened yesterday"); when none does (the model renamed
    the item), the whole text is read instead."""
    names = [vocab.words_of(d.name) for d in extraction.items]
    parts = _parts(text, names)
    held = []
    for draft, name in zip(extraction.items, names, strict=True):
        own = [part for part in parts if name & vocab.words_of(part)] or [text]
        update: dict[str, Any] = {}
        if (draft.opened or draft.opened_days_ago is not None) and not any(_OPENED.search(c) for c in own):
            update |= {"opened": False, "opened_days_ago": None}
        if draft.unit and not any(_names_unit(c, draft.unit) for c in own):
            update["unit"] = None
        if draft.expires and not any(_DATED.search(c) for c in own):
            update["expires"] = None
        held.append(draft.model_copy(update=update))
    return extraction.model_copy(update={"items": held})


def _parts(text: str, names: list[set[str]]) -> list[str]:
    """The text's clauses, each with the clauses after it that name no food and no item."""
    parts: list[str] = []
    for clause in (c.strip() for c in _CLAUSE.split(text) if c.strip()):
        words = vocab.words_of(clause)
        if parts and vocab.canonicalize(clause) is None and not any(name & words for name in names):
            parts[-1] += f", {clause}"  # says more about the food before it ("milk, opened yesterday")
        else:
            parts.append(clause)
    return parts


def missed_parts(text: str, names: list[str]) -> list[str]:
    """The parts of ``text`` that name a food none of ``names`` (the items understood) is: what the model
    left out.  tiny read the issue's three foods as one item, "a dozen eggs"; the user must be told."""
    keys = {vocab.ingredient_key(n) for n in names}
    words = [vocab.words_of(n) for n in names]
    return [
        part
        for part in _parts(text, words)
        if (food := vocab.canonicalize(part)) is not None
        and food not in keys
        and not any(w & vocab.words_of(part) for w in words)
    ]


def _names_unit(clause: str, unit: str) -> bool:
    """Whether ``clause`` spells ``unit`` in any of its ways ("2 tbsp" names tablespoon, "200g" gram)."""
    wanted = units.lookup(unit.strip())
    if wanted is None:
        return True  # not a unit word (the word "none"): `drafts_to_items` settles it
    words = re.findall(r"[a-z]+", clause.lower())
    pairs = [f"{a} {b}" for a, b in pairwise(words)]
    return any(units.lookup(w) == wanted for w in [*words, *pairs])


def extract_pantry_items(
    text: str, extract: Extractor, *, today: date | None = None, model: str | None = None
) -> list[NewItem]:
    """Plain words -> pantry items, with ``extract`` the schema-guided extraction
    (``localgenie.extract_details``).

    Every item is checked as the pantry will check it; an item the pantry would refuse raises
    `PantryNotUnderstood` (the model's mistake: exit 3), naming the item and why.
    """
    if not text.strip():
        raise BadInput("nothing to add: the text is empty")
    result = PantryExtraction.model_validate(extract(text, PantryExtraction, model=model).value)
    today = today or date.today()
    raw = result.model_dump_json(exclude_defaults=True)
    result = held_to_text(result, text)
    hint = "try a larger model, or name each item with its amount: '12 eggs, 1 bag spinach'"
    try:
        items = drafts_to_items(result, today)
    except BadInput as exc:
        raise PantryNotUnderstood(
            f"the model's answer is unusable: {exc}; {hint}", [("$.items", str(exc))], 1, raw=raw
        ) from None
    for n, item in enumerate(items):
        try:
            pantry.validate(item, today)
        except BadInput as exc:
            raise PantryNotUnderstood(
                f"the model misread item {n + 1} ({item.name!r}): {exc}; {hint}",
                [(f"$.items[{n}]", str(exc))],
                1,
                raw=raw,
            ) from None
    return items


__all__ = [
    "UNIT_WORDS",
    "PantryExtraction",
    "PantryItemDraft",
    "PantryNotUnderstood",
    "drafts_to_items",
    "extract_pantry_items",
    "held_to_text",
    "missed_parts",
    "parse_number",
]
