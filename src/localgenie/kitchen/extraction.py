"""What the LLM fills for `genie kitchen add "a dozen eggs, half a bag of spinach..."`, and the code that
turns it into pantry items.

The models are flat with short descriptions because they become the prompt of a small model.  The model
only copies words; every judgement (units, dates, expiry) is made here by code, so a wrong guess shows
up as a clear error or in the confirmation table, never silently in the pantry.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, Field

from localgenie.errors import BadInput
from localgenie.kitchen.expiry import Location
from localgenie.kitchen.ingredients import parse_number
from localgenie.kitchen.pantry import NewItem
from localgenie.structured import Extractor


class PantryItemDraft(BaseModel):
    """One food item mentioned in the text."""

    name: str = Field(description="the food, as written, without amount (e.g. 'eggs', 'chicken breasts')")
    quantity: float | None = Field(
        default=None, description="number of units; 12 for 'a dozen', 0.5 for 'half'"
    )
    unit: str | None = Field(
        default=None, description="unit word if any: bag, g, lb, cup, can, bunch; else null"
    )
    location: Location | None = Field(default=None, description="where it is stored")
    opened: bool = Field(default=False, description="true if opened or started")
    opened_days_ago: int | None = Field(default=None, description="days since opened: 0 today, 1 yesterday")
    expires: str | None = Field(default=None, description="expiry date YYYY-MM-DD only if stated")


class PantryExtraction(BaseModel):
    """Food items to add to the pantry."""

    items: list[PantryItemDraft] = Field(description="every food item mentioned")


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


def extract_pantry_items(
    text: str, extract: Extractor, *, today: date | None = None, model: str | None = None
) -> list[NewItem]:
    """Plain words -> pantry items, with ``extract`` the schema-guided extraction
    (``localgenie.extract_details``)."""
    if not text.strip():
        raise BadInput("nothing to add: the text is empty")
    extraction = PantryExtraction.model_validate(extract(text, PantryExtraction, model=model).value)
    return drafts_to_items(extraction, today or date.today())


__all__ = ["PantryExtraction", "PantryItemDraft", "drafts_to_items", "extract_pantry_items", "parse_number"]
