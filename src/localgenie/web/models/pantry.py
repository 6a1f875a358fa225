"""The pantry, photo adds, suggestions and menu orders over HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field

from localgenie.kitchen.pantry import NewItem
from localgenie.vision import LIKELY

from .common import Diet, Location, Out, Rounded3, Word

MAX_NAME = 200
Quantity = Annotated[float, Field(gt=0, le=1_000_000)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=r"\S")]


class ItemIn(BaseModel):
    """An item as the user describes it: `pantry.NewItem` over HTTP, with the limits a request must keep."""

    model_config = ConfigDict(from_attributes=True)

    name: Name
    quantity: Quantity = 1.0
    unit: str | None = Field(default=None, max_length=40)
    location: Location = "fridge"
    opened: bool = False
    opened_on: date | None = None
    expires: date | None = Field(default=None, description="omit to estimate from USDA FoodKeeper")

    def new_item(self) -> NewItem:
        return NewItem(**self.model_dump())


class PreviewItem(Out):
    """What the pantry records for an item (`pantry.ValidatedItem`): canonical name, unit, expiry estimate."""

    name: str
    canonical: str
    quantity: float
    unit: str
    location: str
    opened: bool
    expires: date | None
    expiry_source: str


class ItemOut(PreviewItem):
    """A stored item (`pantry.PantryItem`)."""

    id: int
    added: date

    @computed_field  # type: ignore[prop-decorator]
    @property
    def days_left(self) -> int | None:
        return None if self.expires is None else (self.expires - date.today()).days


class ItemPatch(BaseModel):
    """The fields to change; omitted (or null) fields stay as they are.  An estimated expiry is estimated
    again when the name, place or opened state changes; a date you gave is kept unless you send another."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    quantity: Quantity | None = None
    unit: str | None = Field(default=None, max_length=40)
    location: Location | None = None
    opened: bool | None = None
    expires: date | None = None


class AddItems(BaseModel):
    items: list[ItemIn] = Field(min_length=1, max_length=200)


class ParseRequest(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    mode: Literal["model", "lines"] = Field(
        default="model",
        description="model: plain words read by the LLM; lines: one '12 eggs' per line, no model",
    )
    location: Location = Field(
        default="fridge", description="where items go when the text does not say (lines)"
    )


class ParseResponse(Out):
    items: list[ItemIn] = Field(description="post these to /api/pantry to store them")
    preview: list[PreviewItem] = Field(
        description="what the pantry will record: canonical names, expiry estimates"
    )


class Candidate(Out):
    """One ingredient seen in the photos, to confirm before it is stored."""

    ingredient: str
    confidence: float = Field(ge=0, le=1)
    status: Literal["likely", "maybe"] = Field(description=f"maybe: below {LIKELY:.0%}, kept only if picked")
    seen_as: str = Field(description="the product class (or the vision server's own words) behind it")
    photo: str = Field(description="the uploaded file's name")
    regions: int = Field(description="how many regions of the photos agreed")
    alternatives: list[tuple[str, float]] = Field(description="the next guesses for the same region")
    item: ItemIn = Field(description="post this to /api/pantry to store it")


class RecognizeResponse(Out):
    candidates: list[Candidate] = Field(description="likely items first, then maybes; nothing is stored")
    photos: int
    regions: int
    seconds: Rounded3


class DraftItem(BaseModel):
    """An item awaiting confirmation (kept in the web database); photo items carry what the recogniser
    said about them."""

    item: ItemIn
    keep: bool = True  # ticked on the confirm page
    status: Literal["likely", "maybe"] | None = None  # photo items only
    confidence: float | None = None
    seen_as: str | None = None


class SuggestRequest(BaseModel):
    diets: list[Diet] = Field(default_factory=list, max_length=5)
    exclude: list[Word] = Field(default_factory=list, max_length=20)
    max_minutes: int | None = Field(default=None, gt=0, le=24 * 60)
    limit: int = Field(default=10, ge=1, le=50)


class UsedOut(Out):
    ingredient: str
    item: str
    days_left: int | None


class SuggestionOut(Out):
    recipe_id: int = Field(description="GET /api/kitchen/recipes/{recipe_id} for the recipe card")
    title: str
    score: Rounded3
    why: str
    used: list[UsedOut]
    missing: list[str]
    total_time_min: int | None
    notes: list[str]


class SuggestResponse(Out):
    suggestions: list[SuggestionOut]
    expired: list[ItemOut]


# Prices arrive as JSON numbers and become Decimals by their shortest repr (2.1 → Decimal("2.1")); they
# leave as the Decimal's text ("2.10"), never as a float.
Price = Annotated[float, Field(ge=0, le=100_000)]
Money = Annotated[str, BeforeValidator(lambda value: str(value) if isinstance(value, Decimal) else value)]


class MenuItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    price: Price | None = None
    sizes: dict[str, Price] = Field(default_factory=dict)
    toppings: list[str] = Field(default_factory=list, max_length=50)


class MenuIn(BaseModel):
    name: str = Field(default="Menu", max_length=100)
    currency: str = Field(default="USD", max_length=8)
    items: list[MenuItemIn] = Field(min_length=1, max_length=200)
    extras: dict[str, Price] = Field(default_factory=dict)


class OrderRequest(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    menu: MenuIn | None = Field(
        default=None, description="the menu to price from; default: the server's menu"
    )


class OrderLineOut(Out):
    item: str
    size: str | None
    quantity: int
    add: list[str]
    remove: list[str]


class PricedLineOut(Out):
    description: str
    quantity: int
    unit_price: Money
    total: Money


class OrderResponse(Out):
    order: list[OrderLineOut] = Field(description="what the model understood")
    lines: list[PricedLineOut] = Field(description="what the menu prices (by code, never by the model)")
    total: Money
    currency: str
    problems: list[str]
    corrections: list[str] = Field(description="the model's slips that code corrected (shown, not priced)")
