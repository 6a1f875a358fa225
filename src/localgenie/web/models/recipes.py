"""Recipe cards, cooking with undo, the shopping list, and recipes the model writes, over HTTP."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from localgenie.kitchen.db import MAX_ROWID
from localgenie.kitchen.recipe import Recipe

from .common import Diet, Out, Word

MAX_SERVINGS = 1000.0
MAX_SCALE = 100.0
MAX_LIST_RECIPES = 20

Servings = Annotated[float | None, Field(default=None, gt=0, le=MAX_SERVINGS)]
Scale = Annotated[float | None, Field(default=None, gt=0, le=MAX_SCALE)]
Mark = Literal["have", "short", "missing", "staple", "other"]


class Amount(BaseModel):
    """How much of a recipe: ``servings`` (needs the recipe's own count) or a ``scale`` factor, not both."""

    servings: Servings = Field(default=None, description="cook for this many (the recipe must say its own)")
    scale: Scale = Field(default=None, description="multiply every amount by this factor")

    @model_validator(mode="after")
    def _one_of(self) -> Amount:
        if self.servings is not None and self.scale is not None:
            raise ValueError("give servings or scale, not both")
        return self


class IngredientOut(Out):
    text: str = Field(description="the recipe's own line")
    ingredient: str | None = Field(description="the ingredient recognised in it (None: none)")
    quantity: float | None = Field(description="the amount for the requested servings, in ``unit``")
    unit: str | None
    mark: Mark = Field(
        description="have: the pantry covers it; short: some, not enough; missing; staple: assumed at "
        "hand; other: no ingredient recognised in the line"
    )


class UnmatchedOut(Out):
    text: str
    food: str | None = Field(description="the SR26 food it matched, if any")
    problem: str


class NutritionOut(Out):
    servings: float = Field(description="servings the totals are divided by")
    servings_known: bool = Field(description="false: the recipe does not say; values are for the whole dish")
    per_serving: dict[str, float] = Field(description="USDA SR26 values per serving, counted lines only")
    counted: int = Field(description="ingredient lines counted")
    unmatched: list[UnmatchedOut] = Field(description="lines left out (listed, never guessed)")


class ShoppingItemOut(Out):
    name: str
    quantity: float | None = Field(description="None: an unmeasured amount ('to taste')")
    unit: str | None
    recipes: list[str]


class RecipeCard(Out):
    id: int
    title: str
    servings: float | None = Field(description="what the recipe serves as written (None: it does not say)")
    total_time_min: int | None
    factor: float = Field(description="the amounts below are the recipe's times this")
    cook_servings: float | None = Field(description="the servings asked for")
    ingredients: list[IngredientOut]
    directions: list[str]
    nutrition: NutritionOut
    missing: list[ShoppingItemOut] = Field(description="what to buy to cook it from the current pantry")
    warnings: list[str]


class CookRequest(Amount):
    recipe_id: int = Field(ge=1, le=MAX_ROWID)


class TakenOut(Out):
    item_id: int
    name: str
    quantity: float = Field(description="taken, in the item's unit")
    unit: str
    left: float = Field(description="left in the pantry afterwards (0: the item was used up and removed)")


class CookResponse(Out):
    cook_id: int
    recipe_id: int
    title: str
    factor: float
    taken: list[TakenOut]
    warnings: list[str] = Field(description="amounts not taken (unit mismatch) or not enough in the pantry")
    missing: list[ShoppingItemOut]


class UndoResponse(Out):
    recipe_id: int
    title: str | None = Field(description="None when the recipe is no longer in the database")


class ShoppingRecipe(Amount):
    recipe_id: int = Field(ge=1, le=MAX_ROWID)


class ShoppingRequest(BaseModel):
    recipes: list[ShoppingRecipe] = Field(min_length=1, max_length=MAX_LIST_RECIPES)
    format: Literal["json", "markdown", "csv"] = Field(
        default="json", description="markdown and csv answer a file download"
    )


class ShoppingResponse(Out):
    items: list[ShoppingItemOut] = Field(description="missing ingredients summed across the recipes")


# ------------------------------------------------------------------ recipes the model writes


class GenerateRequest(BaseModel):
    use: list[Word] = Field(
        default_factory=list, max_length=10, description="pantry items the recipe must feature"
    )
    servings: int = Field(default=2, ge=1, le=24)
    diets: list[Diet] = Field(default_factory=list, max_length=5)
    exclude: list[Word] = Field(default_factory=list, max_length=20)
    max_minutes: int | None = Field(default=None, gt=0, le=24 * 60)
    variant: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="0: the reproducible first try; another number asks again differently (try again)",
    )


class Inspiration(Out):
    recipe_id: int
    title: str


class RecipeOrigin(Out):
    """How a recipe the model wrote came about (kept in the web database, shown on its card)."""

    model: str
    inspired_by: list[Inspiration] = Field(description="the imported recipes it was grounded on")
    problems: list[str] = Field(description="what is still wrong with it (code could not repair it)")
    warnings: list[str]
    notes: list[str] = Field(description="what code changed or could not do")
    tips: list[str]
    attempts: int
    seconds: float


class GeneratedOut(RecipeOrigin):
    """The final ``recipe`` event: the stored recipe's card, what the model wrote, and what code found."""

    recipe_id: int = Field(description="stored like an imported recipe: cook, scale and shop for it")
    card: RecipeCard = Field(description="as GET /api/kitchen/recipes/{recipe_id}")
    recipe: Recipe = Field(description="what the model wrote (after code's repairs)")
    shopping: list[ShoppingItemOut] = Field(description="what the recipe needs that the pantry lacks")
