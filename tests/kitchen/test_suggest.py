"""Suggestions on fixed pantries with known good answers, then filters and edge cases.

Fast tests run on every 10th corpus recipe (~7.3k); the egg/spinach/feta check from the issue needs the
full corpus (the slice holds no such frittata) and is marked slow.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from localgenie.errors import BadInput
from localgenie.kitchen import corpus, db, pantry
from localgenie.kitchen.pantry import NewItem
from localgenie.kitchen.suggest import Filters, suggest

from .conftest import FullImport

TODAY = date(2026, 3, 10)


def _stock(conn: sqlite3.Connection, *items: NewItem) -> None:
    pantry.add_items(conn, list(items), today=TODAY)


def _titles(conn: sqlite3.Connection, n: int = 5, **filters: object) -> list[str]:
    return [s.title for s in suggest(conn, Filters(**filters), limit=n, today=TODAY)]  # type: ignore[arg-type]


def test_tomatoes_mozzarella_basil_suggest_caprese_or_pizza(kitchen: sqlite3.Connection) -> None:
    _stock(
        kitchen, NewItem("tomatoes", 4), NewItem("fresh mozzarella", 250, "g"), NewItem("basil", 1, "bunch")
    )
    titles = _titles(kitchen)
    assert sum(bool(re.search(r"caprese|pizza|mozzarella", t, re.I)) for t in titles) >= 3, titles


def test_ripe_bananas_with_eggs_and_butter_suggest_banana_baking(kitchen: sqlite3.Connection) -> None:
    _stock(
        kitchen,
        NewItem("ripe bananas", 3, expires=TODAY + timedelta(days=1)),
        NewItem("eggs", 6),
        NewItem("butter", 250, "g"),
    )
    titles = _titles(kitchen)
    assert all(re.search(r"banana", t, re.I) for t in titles), titles


def test_what_spoils_first_decides_the_ranking(kitchen: sqlite3.Connection) -> None:
    soon, later = TODAY + timedelta(days=1), TODAY + timedelta(days=30)
    rice = NewItem("rice", 1, "kg", location="pantry")
    _stock(
        kitchen,
        NewItem("chicken breasts", 2, expires=later),
        NewItem("broccoli", 1, "head", expires=soon),
        rice,
    )
    top = suggest(kitchen, limit=3, today=TODAY)
    assert all("broccoli" in [u.ingredient for u in s.used] for s in top), [s.why for s in top]
    assert "broccoli (1 d left" in top[0].why

    kitchen.execute("DELETE FROM items")
    _stock(
        kitchen,
        NewItem("chicken breasts", 2, expires=soon),
        NewItem("broccoli", 1, "head", expires=later),
        rice,
    )
    top = suggest(kitchen, limit=3, today=TODAY)
    assert all("chicken breast" in [u.ingredient for u in s.used] for s in top), [s.why for s in top]


def test_each_suggestion_shows_used_missing_and_why(kitchen: sqlite3.Connection) -> None:
    _stock(kitchen, NewItem("eggs", 6), NewItem("baby spinach", 1, "bag"), NewItem("feta", 200, "g"))
    for s in suggest(kitchen, limit=5, today=TODAY):
        assert s.used and s.why.startswith("uses ")
        assert not set(s.missing) & {u.ingredient for u in s.used}
        assert not set(s.missing) & {"salt", "black pepper", "water", "olive oil"}  # staples never "missing"


def test_diet_filters_exclude_what_they_should(kitchen: sqlite3.Connection) -> None:
    _stock(
        kitchen,
        NewItem("chicken breasts", 2),
        NewItem("onion", 2),
        NewItem("butter", 100, "g"),
        NewItem("flour", 1, "kg"),
        NewItem("walnuts", 100, "g"),
    )
    assert any(
        u.ingredient == "chicken breast" for s in suggest(kitchen, limit=10, today=TODAY) for u in s.used
    )
    for diet, banned in [
        ("vegetarian", {"chicken breast"}),
        ("vegan", {"chicken breast", "butter"}),
        ("gluten-free", {"flour"}),
        ("dairy-free", {"butter"}),
        ("nut-free", {"walnuts"}),
    ]:
        results = suggest(kitchen, Filters(frozenset({diet})), limit=10, today=TODAY)
        assert results, diet
        for s in results:
            assert not banned & {u.ingredient for u in s.used}, (diet, s.title)


def test_explicit_exclusions_and_allergen_groups(kitchen: sqlite3.Connection) -> None:
    _stock(kitchen, NewItem("eggs", 6), NewItem("butter", 250, "g"), NewItem("pecans", 100, "g"))
    for s in suggest(kitchen, Filters(exclude=("nuts",)), limit=10, today=TODAY):
        assert "pecans" not in [u.ingredient for u in s.used], s.title
    for s in suggest(kitchen, Filters(exclude=("chocolate",)), limit=10, today=TODAY):
        assert not any("chocolate" in k for k in s.missing), s.title


def test_max_time_filter_uses_known_times(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("title,ingredients,total_time\nQuick eggs,2 eggs,10\nSlow eggs,2 eggs|1 cup milk,240\n")
    corpus.import_file(conn, path)
    _stock(conn, NewItem("eggs", 6), NewItem("milk", 1, "l"))
    assert _titles(conn, max_minutes=30) == ["Quick eggs"]
    assert _titles(conn)[0] == "Slow eggs"  # uses more of the pantry when time does not matter


# --- edge cases ------------------------------------------------------------------------------------------


def test_empty_pantry_is_a_clear_error(kitchen: sqlite3.Connection) -> None:
    with pytest.raises(BadInput, match="pantry is empty"):
        suggest(kitchen, today=TODAY)


def test_no_recipes_imported_is_a_clear_error(conn: sqlite3.Connection) -> None:
    _stock(conn, NewItem("eggs", 6))
    with pytest.raises(BadInput, match="no recipes imported"):
        suggest(conn, today=TODAY)


def test_expired_items_are_not_offered(kitchen: sqlite3.Connection) -> None:
    _stock(kitchen, NewItem("milk", 1, "l", expires=TODAY - timedelta(days=3)), NewItem("eggs", 6))
    for s in suggest(kitchen, limit=10, today=TODAY):
        assert "milk" not in [u.ingredient for u in s.used]
    with pytest.raises(BadInput, match="unknown diet"):
        Filters(frozenset({"carnivore"}))


@pytest.mark.slow
def test_eggs_spinach_feta_surface_egg_dishes_on_the_full_corpus(
    full_import: FullImport, tmp_path: Path
) -> None:
    path = tmp_path / "full.sqlite"
    shutil.copy(full_import.path, path)
    conn = db.connect(path)
    _stock(conn, NewItem("a dozen eggs", 12), NewItem("baby spinach", 0.5, "bag"), NewItem("feta", 200, "g"))
    titles = _titles(conn)
    assert any(re.search(r"frittata|omelet|quiche|strata|egg", t, re.I) for t in titles), titles
