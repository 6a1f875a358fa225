"""Checking an LLM-generated recipe against the pantry and against itself."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

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
    assert report.quantity_warnings == ["eggs: recipe uses 8, the pantry holds 6"]
    assert report.unused_ingredients == ["dill"]
    assert report.unlisted_in_steps == ["step 2 uses parmesan, which is not in the ingredient list"]
    assert report.mislabelled == ["dill is marked as from the pantry, but the pantry has none"]
    assert not report.ok and len(report.problems) == 2
    assert report.warnings == report.mislabelled + report.quantity_warnings  # not failures
    shopping = {s.name: s.quantity for s in aggregate(report.needs)}
    assert shopping == {"egg": 2, "onion": 1, "dill": 1}


def test_an_empty_recipe_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 2 items"):
        Recipe(title="Air", servings=1, ingredients=[], steps=[])
    unchecked = Recipe.model_construct(title="Air", servings=1, ingredients=[], steps=[], tips=[])
    with pytest.raises(BadInput):
        check_recipe(unchecked, PANTRY, STAPLES)


def test_a_duplicated_ingredient_is_one_problem_not_many() -> None:
    recipe = Recipe(
        title="Eggs",
        servings=1,
        ingredients=[_ing("eggs", 2), _ing("eggs", 2), _ing("egg", 1)],
        steps=["Boil the eggs for eight minutes.", "Peel the eggs."],
    )
    report = check_recipe(recipe, PANTRY, STAPLES)
    assert report.problems == ["eggs is listed more than once", "egg is listed more than once"]


def test_a_step_may_name_an_ingredient_by_a_shorter_word() -> None:
    """Dropping an ingredient a step does use is worse than missing an unused one: be lenient."""
    recipe = Recipe(
        title="Chicken with feta",
        servings=2,
        ingredients=[
            _ing("chicken breast", 2, from_pantry=False),
            _ing("feta cheese", 50, "g"),
            _ing("salmon", 1, "fillet", from_pantry=False),
            _ing("cheddar", 30, "g", from_pantry=False),
            _ing("dill", 1, "tbsp", from_pantry=False),
        ],
        steps=["Cook the chicken and the fish in a hot pan.", "Sprinkle the cheese over and serve."],
    )
    assert check_recipe(recipe, PANTRY, STAPLES).unused_ingredients == ["dill"]


def test_amounts_compare_through_sr26_weights_and_processed_forms_are_their_own_food() -> None:
    """⅓ cup of feta is 50 g (SR26: 150 g a cup, crumbled): the pantry's 100 g cover it.  Sun-dried
    tomatoes are not the fresh ones the pantry has."""
    tomatoes = PantryItem("tomatoes", "tomato", 3, "piece", "fridge", TODAY, False, None, "", id=4)
    recipe = Recipe(
        title="Feta salad",
        servings=2,
        ingredients=[_ing("feta cheese", 0.333333, "cup"), _ing("sun-dried tomatoes", 0.25, "cup")],
        steps=["Crumble the feta over the plate.", "Scatter the sun-dried tomatoes over the feta."],
    )
    report = check_recipe(recipe, [*PANTRY, tomatoes], STAPLES)
    assert report.quantity_warnings == [] and report.notes == []
    assert report.mislabelled == ["sun-dried tomatoes is marked as from the pantry, but the pantry has none"]
    assert [(n.key, n.quantity, n.unit) for n in report.needs] == [("sun dried tomatoes", 0.25, "cup")]
    more = recipe.model_copy(update={"ingredients": [_ing("feta cheese", 1, "cup"), recipe.ingredients[1]]})
    assert check_recipe(more, PANTRY, STAPLES).quantity_warnings == [
        "feta cheese: recipe uses 1 cup, the pantry holds ⅔ cup"
    ]
