"""Amounts as a cook writes them, conversions through SR26 household weights, and processed forms of a
food kept apart from the fresh one (issue 18: "0.00664894 bag spinach", "0.333333 cup")."""

from __future__ import annotations

import pytest

from localgenie.kitchen import units
from localgenie.kitchen.cooking import convert_for
from localgenie.kitchen.forms import food_key


@pytest.mark.parametrize(
    ("quantity", "unit", "written"),
    [
        (1 / 3, "cup", "⅓ cup"),
        (0.333333, "cup", "⅓ cup"),
        (2.5, "cup", "2½ cups"),
        (0.75, "cup", "¾ cup"),
        (0.125, "cup", "2 tbsp"),  # below ¼ cup a cook measures in spoons
        (0.1, "tablespoon", "¼ tsp"),
        (0.5, "tablespoon", "1½ tsp"),
        (1 / 48, "cup", "1 tsp"),
        (1 / 16, "teaspoon", "a pinch"),
        (0.33, "package", "⅓ package"),
        (0.4732, "liter", "475 ml"),
        (3.75, "cup", "3¾ cups"),
        (0.02, "teaspoon", "a pinch"),
        (1, "pinch", "a pinch"),
        (283.495, "gram", "285 g"),
        (7.4, "gram", "7 g"),
        (10, "ounce", "10 oz"),
        (1.5, "pound", "1½ lb"),
        (3, "piece", "3"),
        (0.82, "piece", "¾"),
        (2, "clove", "2 cloves"),
        (1, "clove", "1 clove"),
        (12.4, "piece", "12"),
        (2, "box", "2 boxes"),
        (3, "count", "3 count"),  # a word that is not a unit is kept, not refused
    ],
)
def test_amounts_are_written_as_a_cook_would(quantity: float, unit: str, written: str) -> None:
    assert units.format_amount(quantity, unit) == written


def test_a_bag_is_a_count_not_pints_94_pound_bag_of_cement() -> None:
    """pint defines "bag" as 94 lb: 10 oz of spinach came out as 0.00664894 bag."""
    assert not units.convertible("ounce", "bag")
    with pytest.raises(Exception, match="cannot convert"):
        units.convert(10, "ounce", "bag")


def test_units_of_the_same_food_convert_through_sr26_household_weights() -> None:
    assert convert_for(0.5, "cup", "gram", "feta") == pytest.approx(75)  # SR26: 1 cup crumbled = 150 g
    assert convert_for(1, "cup", "piece", "tomato") == pytest.approx(149 / 182)  # cherry cup / large whole
    assert convert_for(10, "ounce", "package", "spinach") == pytest.approx(283.5 / 284, rel=1e-3)
    assert convert_for(2, "cup", "milliliter", "milk") == pytest.approx(
        473.2, rel=1e-3
    )  # pint: no food needed
    assert convert_for(10, "ounce", "bag", "spinach") is None  # SR26 does not weigh a bag: no guess
    assert convert_for(1, "cup", "gram", "zorbleberry") is None


@pytest.mark.parametrize(
    ("text", "key", "unit", "expected"),
    [
        ("1/4 cup sun-dried tomatoes, chopped", "tomato", "cup", "sun dried tomatoes"),
        ("sun dried tomatoes", "sun dried tomatoes", None, "sun dried tomatoes"),
        ("1 cup halved grape tomatoes", "tomato", "cup", "tomato"),
        ("1 (14.5 ounce) can diced tomatoes", "tomato", "ounce", "canned tomato"),
        ("tomatoes", "tomato", "can", "canned tomato"),  # the pantry says so by its unit
        ("1 (10 ounce) package chopped frozen spinach, thawed", "spinach", "ounce", "frozen spinach"),
        ("2 cups baby spinach, fresh or frozen", "spinach", "cup", "spinach"),
        ("juice of 2 lemons", "lemon", None, "lemon juice"),
        ("2 tablespoons lemon juice", "lemon juice", "tablespoon", "lemon juice"),
        ("1 teaspoon garlic powder", "garlic powder", "teaspoon", "garlic powder"),
        ("1 tsp onion powder", "onion", "teaspoon", "onion powder"),
        # SR26's oregano is the dried herb: "dried oregano" is plain oregano, "fresh oregano" is not.
        ("1 teaspoon dried oregano, divided", "oregano", "teaspoon", "oregano"),
        ("2 sprigs fresh oregano", "oregano", "sprig", "fresh oregano"),
        ("1 cup dried cranberries", "cranberries", "cup", "dried cranberries"),
        ("2 (15 ounce) cans black beans", "black beans", "ounce", "black beans"),  # SR26's are canned
        ("1/2 cup crumbled feta cheese (can use reduced-fat)", "feta", "cup", "feta"),
    ],
)
def test_processed_forms_are_kept_apart_from_the_fresh_food(
    text: str, key: str, unit: str | None, expected: str
) -> None:
    assert food_key(text, key, unit) == expected
