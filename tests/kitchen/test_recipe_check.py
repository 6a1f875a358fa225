"""Checking an LLM-generated recipe against the pantry and against itself."""

from __future__ import annotations

from datetime import date

import pytest

from localgenie.errors import BadInput
from localgenie.kitchen.cooking import aggregate
from localgenie.kitchen.pantry import PantryItem
from localgenie.kitchen.recipe import Recipe, RecipeIngredient, check_recipe

TODAY = date(2026, 3, 10)
PANTRY = [
    PantryItem("eggs", "egg", 6, "piece", "fridge", TODAY, False, None, "", id=1),
    PantryItem("feta", "feta", 100, "gram", "fridge", TODAY, True, None, "", id=2),
    PantryItem("spinach", "spinach", 1, "bag", "fridge", TODAY, False, None, "", id=3),
]
STAPLES = {"salt", "black pepper", "olive oil", "water"}


def _ing(
    name: str, quantity: float | None = None, unit: str | None = None, from_pantry: bool = True
) -> RecipeIngredient:
    return RecipeIngredient(name=name, quantity=quantity, unit=unit, from_pantry=from_pantry)


def test_a_grounded_recipe_passes() -> None:
    recipe = Recipe(
        title="Frittata",
        servings=2,
        ingredients=[
            _ing("eggs", 4),
            _ing("feta cheese", 50, "g"),
            _ing("salt", from_pantry=False),
            _ing("olive oil", 1, "tbsp", False),
        ],
        steps=[
            "Whisk the eggs with a pinch of salt.",
            "Heat the olive oil, pour in the eggs, crumble over the feta.",
        ],
    )
    report = check_recipe(recipe, PANTRY, STAPLES)
    assert report.ok, report


def test_missing_excess_unused_and_unlisted_are_all_flagged() -> None:
    recipe = Recipe(
        title="Frittata",
        servings=2,
        ingredients=[
            _ing("eggs", 8),
            _ing("feta", 50, "g"),
            _ing("onion", 1, from_pantry=False),
            _ing("dill", 1, "tbsp"),
        ],
        steps=["Fry the onion.", "Add eggs and feta; top with grated parmesan."],
    )
    report = check_recipe(recipe, PANTRY, STAPLES)
    assert report.quantity_warnings == ["eggs: recipe uses 8 piece, the pantry holds 6 piece"]
    assert report.unused_ingredients == ["dill"]
    assert report.unlisted_in_steps == ["step 2 uses parmesan, which is not in the ingredient list"]
    assert any("dill is marked as from the pantry" in n for n in report.notes)
    shopping = {s.name: s.quantity for s in aggregate(report.needs)}
    assert shopping == {"egg": 2, "onion": 1, "dill": 1}


def test_an_empty_recipe_is_refused() -> None:
    with pytest.raises(BadInput):
        check_recipe(Recipe(title="Air", servings=1, ingredients=[], steps=[]), PANTRY, STAPLES)
