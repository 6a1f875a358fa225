"""The generated-recipe model (filled by the LLM) and a pure-code checker that grounds it in the pantry.

The checker catches what a small model gets wrong most: using food the user does not have without saying
so, asking for more than the pantry holds, listing an ingredient no step uses, and steps that use an
ingredient the list forgot.  Missing ingredients become shopping-list needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from localgenie.errors import BadInput
from localgenie.kitchen import units, vocab
from localgenie.kitchen.cooking import Need, convert_for
from localgenie.kitchen.forms import food_key
from localgenie.kitchen.pantry import PantryItem
from localgenie.kitchen.vocab import ingredient_key

# Bounds keep a small model's answer short (every token costs ~80 ms on the default model) and stop
# runaway lists; they are enforced while decoding and validated after.
Step = Annotated[str, StringConstraints(min_length=10, max_length=300)]
Tip = Annotated[str, StringConstraints(min_length=5, max_length=200)]


class RecipeIngredient(BaseModel):
    """One ingredient of the recipe."""

    name: str = Field(min_length=2, max_length=60, description="ingredient, e.g. 'feta cheese'")
    quantity: float | None = Field(
        default=None, ge=0, le=10000, description="amount as a number, null if 'to taste'"
    )
    unit: str | None = Field(
        default=None, max_length=20, description="unit: g, cup, tbsp, tsp, piece...; null for a count"
    )
    from_pantry: bool = Field(description="true if it comes from the user's pantry")


class Recipe(BaseModel):
    """A recipe that uses the pantry."""

    title: str = Field(min_length=3, max_length=80, description="short recipe name")
    servings: int = Field(ge=1, le=24, description="number of servings")
    total_time_min: int | None = Field(
        default=None, ge=1, le=720, description="total minutes, prep plus cooking"
    )
    ingredients: list[RecipeIngredient] = Field(
        min_length=2, max_length=16, description="every ingredient with its amount"
    )
    steps: list[Step] = Field(
        min_length=2, max_length=10, description="the method, one step per entry, in order"
    )
    tips: list[Tip] = Field(default_factory=list, max_length=3, description="optional short tips")


@dataclass
class CheckReport:
    """What the checker found.

    ``problems`` make the recipe wrong (an ingredient listed twice, listed but never used, or used but
    never listed) and are worth a regeneration; ``warnings`` (``from_pantry`` wrong, which code can
    correct; more than the pantry holds; a staple listed but unused) are shown to the cook.  Buying is
    neither: ``needs`` is the shopping list (feed it to `cooking.aggregate`)."""

    needs: list[Need] = field(default_factory=list)
    quantity_warnings: list[str] = field(default_factory=list)
    unused_ingredients: list[str] = field(default_factory=list)
    unlisted_in_steps: list[str] = field(default_factory=list)
    mislabelled: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unlisted_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [
            *self.duplicates,
            *(f"{name} is listed but no step uses it" for name in self.unused_ingredients),
            *self.unlisted_in_steps,
        ]

    @property
    def warnings(self) -> list[str]:
        return [*self.mislabelled, *self.quantity_warnings, *self.notes]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_recipe(recipe: Recipe, pantry_items: Iterable[PantryItem], staples: set[str]) -> CheckReport:
    """Check a generated recipe against the pantry and against itself (see module docstring)."""
    if not recipe.ingredients:
        raise BadInput("the recipe lists no ingredients")
    report = CheckReport()
    stock: dict[str, list[PantryItem]] = {}
    for item in pantry_items:  # by food, processed forms apart: sun-dried tomatoes are not the fresh ones
        stock.setdefault(food_key(item.name, item.canonical, item.unit), []).append(item)
    listed: set[str] = set()
    for ing in recipe.ingredients:
        key = ingredient_key(ing.name)
        if key in listed:
            report.duplicates.append(f"{ing.name} is listed more than once")
            continue
        listed.add(key)
        if ing.quantity is not None and ing.quantity < 0:
            report.quantity_warnings.append(f"{ing.name}: negative quantity {ing.quantity:g}")
            continue
        food = food_key(ing.name, key, _unit(ing.unit))
        if food in staples and food not in stock:
            continue
        if food not in stock:
            if ing.from_pantry:
                report.mislabelled.append(f"{ing.name} is marked as from the pantry, but the pantry has none")
            report.needs.append(Need(food, ing.quantity, _unit(ing.unit), recipe.title))
            continue
        if not ing.from_pantry:
            report.notes.append(f"{ing.name} is in the pantry but not marked as from it")
        if ing.quantity is not None:
            _check_amount(ing, key, food, stock[food], report, recipe.title)
    steps_text = [s for s in recipe.steps]
    checked: set[str] = set()
    for ing in recipe.ingredients:
        key = ingredient_key(ing.name)
        if key in checked:
            continue
        checked.add(key)
        # Lenient on purpose: an ingredient wrongly called unused gets dropped by `generate`'s repair,
        # which is worse than missing one.  "Cook the chicken" uses "chicken breast"; "sprinkle the
        # cheese" uses "feta cheese" (the name's last word) and "feta" (SR26: "Cheese, feta").
        words = ingredient_words(ing.name)
        if not any(words & vocab.words_of(step) for step in steps_text):
            if key in staples:
                report.notes.append(f"{ing.name} is listed but no step uses it (a staple: harmless)")
            else:
                report.unused_ingredients.append(ing.name)
    dish = vocab.words_of(recipe.title)  # "bake until the quiche is set" names the dish, not an ingredient
    for number, step in enumerate(steps_text, start=1):
        for key in sorted(vocab.mentions(step)):
            if key not in listed and key not in staples and not vocab.words_of(key) <= dish:
                report.unlisted_in_steps.append(
                    f"step {number} uses {key}, which is not in the ingredient list"
                )
                if key not in report.unlisted_keys:
                    report.unlisted_keys.append(key)
    return report


def ingredient_words(name: str) -> set[str]:
    """Words that refer to an ingredient in a step or a title: its canonical name's, its name's last
    word, and its kind of food ("feta" -> feta, cheese)."""
    key = ingredient_key(name)
    last = name.split()[-1] if name.split() else ""
    return vocab.words_of(key) | vocab.words_of(last) | _kind_words(key)


def _kind_words(key: str) -> set[str]:
    """The kind of food an ingredient is, from its SR26 description's head ("Cheese, feta" -> cheese;
    "Fish, salmon, ..." -> fish); empty when the head is long or unknown."""
    from localgenie.kitchen.nutrition import food_description

    entry = vocab.vocabulary().get(key)
    description = food_description(entry.ndb) if entry is not None and entry.ndb else None
    head = description.split(",")[0] if description else ""
    return vocab.words_of(head) if 0 < len(head.split()) <= 2 else set()


def _unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    try:
        return units.normalize_unit(unit)
    except BadInput:
        return unit


def _check_amount(
    ing: RecipeIngredient, key: str, food: str, items: list[PantryItem], report: CheckReport, title: str
) -> None:
    """Compare in the recipe's unit, through SR26 household weights when the units differ in kind
    (⅓ cup of feta against 100 g); say so when even those do not know."""
    assert ing.quantity is not None
    unit = _unit(ing.unit) or "piece"
    have = 0.0
    for item in items:
        amount = convert_for(item.quantity, item.unit, unit, key)
        if amount is None:
            report.notes.append(
                f"{ing.name}: recipe amount in {unit}, pantry in {item.unit}, no SR26 weight: cannot compare"
            )
            return
        have += amount
    if units.round_amount(ing.quantity - have, unit) > 0:
        report.quantity_warnings.append(
            f"{ing.name}: recipe uses {units.format_amount(ing.quantity, unit)}, "
            f"the pantry holds {units.format_amount(have, unit)}"
        )
        report.needs.append(Need(food, ing.quantity - have, unit, title))
