"""Kitchen words defined once: the ingredient key, storage locations and diets mean the same everywhere.

The ingredient key used to be written four times (recipe check, pantry, the v2 migration, the CLI's
"to buy" mark), slightly differently; these tests hold the one rule to the answers the other tests expect
and show on real recipe and pantry strings that the old spellings agreed with it except where a name has
no content word at all.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localgenie.cli.kitchen import app
from localgenie.errors import BadInput
from localgenie.kitchen import corpus, expiry, pantry
from localgenie.kitchen.ingredients import parse_line
from localgenie.kitchen.pantry import NewItem
from localgenie.kitchen.recipe import Recipe, RecipeIngredient, check_recipe
from localgenie.kitchen.vocab import canonicalize, cleaned_name, ingredient_key

TODAY = date(2026, 3, 10)

# The four spellings as they were before the rule was defined once (kept here to compare against).
OLD_RULES: dict[str, Callable[[str], str]] = {
    "recipe.ingredient_key": lambda n: canonicalize(n) or cleaned_name(n) or n.strip().lower(),
    "pantry._canonical": lambda n: canonicalize(n) or cleaned_name(n) or n.lower(),
    "db._v2": lambda n: canonicalize(n) or cleaned_name(n),
    "cli generate's to-buy mark": lambda n: canonicalize(n) or cleaned_name(n),
}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        # What test_pantry, test_extraction, test_ingredients and test_generate expect items to key as.
        ("eggs", "egg"),
        ("baby spinach", "spinach"),
        ("Baby Spinach", "spinach"),
        ("feta", "feta"),
        ("crumbled feta cheese", "feta"),
        ("chicken breasts", "chicken breast"),
        ("rice", "rice"),
        ("all-purpose flour", "flour"),
        ("chicken stock", "chicken broth"),
        ("creamy peanut butter", "peanut butter"),
        # Unknown to the vocabulary: the last two content words, singular.
        ("Grandma's smoked zorblax paste", "zorblax paste"),
        # No content word at all: the name itself (the v2 migration and the CLI gave '' here).
        ("fresh", "fresh"),
        ("  Extra  ", "extra"),
    ],
)
def test_one_key_rule(name: str, key: str) -> None:
    assert ingredient_key(name) == key


def _real_names(recipes_gz: Path) -> list[str]:
    """Ingredient names from every 97th recipe of the shared corpus, plus the names pantry tests type."""
    names = ["eggs", "baby spinach", "feta", "chicken breasts", "rice", "milk", "Baby Spinach", "leek"]
    with gzip.open(recipes_gz, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i % 97 == 0:
                names += [parse_line(text).name for text in json.loads(line)["ingredients"]]
    return names


def test_the_old_spellings_were_one_rule_on_real_strings(recipes_gz: Path) -> None:
    names = _real_names(recipes_gz)
    assert len(names) > 5000
    for label, old in OLD_RULES.items():
        differ = [n for n in names if old(n) != ingredient_key(n)]
        # They differ only for names with no content word, where two of them gave an empty key.
        assert all(not canonicalize(n) and not cleaned_name(n) for n in differ), (label, differ[:5])
        assert len(differ) < len(names) / 100, label


def test_recipe_lines_key_by_the_same_rule_plus_what_the_name_cut_off(recipes_gz: Path) -> None:
    with gzip.open(recipes_gz, "rt", encoding="utf-8") as fh:
        lines = [t for i, row in enumerate(fh) if i % 97 == 0 for t in json.loads(row)["ingredients"]]
    parsed = [parse_line(t) for t in lines]
    other = [p for p in parsed if p.key != ingredient_key(p.name)]
    # The difference is named: the parser also finds the food after a comma or an "or" the name dropped.
    assert all(p.canonical and not canonicalize(p.name) for p in other)
    assert 0 < len(other) < 0.03 * len(parsed)
    assert parse_line("4 skinless, boneless chicken breast halves").key == "chicken breast"


def test_a_staple_the_vocabulary_does_not_know_matches_the_recipe_that_uses_it(
    conn: sqlite3.Connection,
) -> None:
    """Staples were keyed without the cleaned-name step, so a plural unknown staple never matched."""
    assert pantry.set_staple(conn, "Zorblax Powders", True) == "zorblax powder"
    recipe = Recipe(
        title="Zorblax toast",
        servings=1,
        ingredients=[
            RecipeIngredient(name="bread", quantity=2, unit="slice", from_pantry=False),
            RecipeIngredient(name="zorblax powder", quantity=1, unit="pinch", from_pantry=False),
        ],
        steps=["Toast the bread until golden.", "Dust the toast with zorblax powder."],
    )
    report = check_recipe(recipe, [], pantry.staples(conn))
    assert [n.key for n in report.needs] == ["bread"]


def test_remove_by_name_uses_the_key_the_item_was_stored_under(conn: sqlite3.Connection) -> None:
    """Removing by name compared the raw lower-cased name with the key: a plural missed its singular."""
    pantry.add_items(conn, [NewItem("zorblax paste", 2)], today=TODAY)
    assert pantry.remove_item(conn, "zorblax pastes").name == "zorblax paste"
    assert pantry.list_items(conn) == []


def test_locations_are_the_databases_and_the_words_users_type(conn: sqlite3.Connection) -> None:
    assert expiry.LOCATIONS == ("fridge", "freezer", "pantry")
    for word, location in [("Refrigerator", "fridge"), ("cupboard", "pantry"), (" FREEZER ", "freezer")]:
        (item,) = pantry.add_items(conn, [NewItem("milk", location=word)], today=TODAY)
        assert item.location == location
    with pytest.raises(BadInput, match="location must be one of fridge, freezer, pantry"):
        pantry.validate(NewItem("milk", location="garage"), TODAY)
    # The version-1 table's CHECK spells the same three places (a released migration never changes).
    for location in expiry.LOCATIONS:
        conn.execute(
            "INSERT INTO items(name, canonical, quantity, unit, location, added) VALUES ('x', 'x', 1, "
            "'piece', ?, '2026-03-10')",
            (location,),
        )
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO items(name, canonical, quantity, unit, location, added) VALUES ('x', 'x', 1, "
            "'piece', 'garage', '2026-03-10')"
        )


def test_every_diet_has_a_letter_a_bit_and_a_cli_flag() -> None:
    assert corpus.DIETS == ("vegetarian", "vegan", "gluten-free", "dairy-free", "nut-free")
    assert corpus.DIET_LETTERS == {
        "vegetarian": "V",
        "vegan": "G",
        "gluten-free": "W",
        "dairy-free": "D",
        "nut-free": "N",
    }
    assert sorted(corpus.DIET_BITS.values()) == [1, 2, 4, 8, 16]
    for command in ("suggest", "generate"):
        help_text = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
        assert all(f"--{diet}" in help_text for diet in corpus.DIETS), command
