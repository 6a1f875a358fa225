"""Pantry: adding, listing by expiry, FoodKeeper estimates, removing, CSV round trip, migrations."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from localgenie.errors import BadInput, NotFound
from localgenie.kitchen import db, pantry
from localgenie.kitchen.pantry import NewItem

TODAY = date(2026, 3, 10)


def test_user_stocks_the_fridge_and_sees_what_spoils_first(conn: sqlite3.Connection) -> None:
    pantry.add_items(
        conn,
        [
            NewItem("eggs", 12),
            NewItem("baby spinach", 0.5, "bag"),
            NewItem("feta", 200, "g", opened=True, opened_on=TODAY - timedelta(days=1)),
            NewItem("chicken breasts", 2, location="freezer"),
            NewItem("rice", 1, "kg", location="pantry"),
        ],
        today=TODAY,
    )
    items = pantry.list_items(conn)
    assert [i.canonical for i in items] == ["spinach", "feta", "egg", "chicken breast", "rice"]
    spinach = items[0]
    assert spinach.expires == TODAY + timedelta(days=3)  # FoodKeeper: leafy greens 3-7 days, low end
    assert "FoodKeeper" in spinach.expiry_source and "3-7 Days" in spinach.expiry_source
    feta = items[1]
    assert feta.opened and feta.expires == TODAY - timedelta(days=1) + timedelta(days=7)
    chicken = items[3]
    assert chicken.location == "freezer" and chicken.expires is not None
    assert chicken.expires - TODAY > timedelta(days=200)  # frozen: months, not days


def test_user_given_expiry_wins_and_is_labelled(conn: sqlite3.Connection) -> None:
    [item] = pantry.add_items(conn, [NewItem("milk", 1, "l", expires=TODAY + timedelta(days=4))], today=TODAY)
    assert item.expires == TODAY + timedelta(days=4)
    assert item.expiry_source == "given by user"


def test_unknown_food_has_no_expiry_and_says_so(conn: sqlite3.Connection) -> None:
    [item] = pantry.add_items(conn, [NewItem("zorbleberry", 1, "jar")], today=TODAY)
    assert item.expires is None
    assert item.expiry_source == "no FoodKeeper entry for this item: give --expires"


def test_shelf_stable_food_in_the_fridge_falls_back_to_the_pantry_time(conn: sqlite3.Connection) -> None:
    [item] = pantry.add_items(conn, [NewItem("strawberry jam", 1, "jar")], today=TODAY)
    assert item.expires == TODAY + timedelta(days=180)  # FoodKeeper pantry: 6-18 months, low end
    assert "pantry time used" in item.expiry_source


def test_remove_by_name_partially_then_entirely(conn: sqlite3.Connection) -> None:
    pantry.add_items(conn, [NewItem("eggs", 12)], today=TODAY)
    pantry.remove_item(conn, "eggs", 4)
    assert pantry.list_items(conn)[0].quantity == 8
    pantry.remove_item(conn, "egg")
    assert pantry.list_items(conn) == []


def test_csv_export_reads_back_identically(conn: sqlite3.Connection, tmp_path: Path) -> None:
    pantry.add_items(conn, [NewItem("eggs", 12), NewItem("feta", 200, "g", opened=True)], today=TODAY)
    exported = pantry.to_csv(pantry.list_items(conn))
    path = tmp_path / "pantry.csv"
    path.write_text(exported)
    other = db.connect(tmp_path / "other.sqlite")
    pantry.add_csv(other, path, today=TODAY)
    strip = [(i.name, i.quantity, i.unit, i.location, i.opened, i.expires) for i in pantry.list_items(other)]
    assert strip == [
        (i.name, i.quantity, i.unit, i.location, i.opened, i.expires) for i in pantry.list_items(conn)
    ]


# --- editing a stored item ------------------------------------------------------------------------------


def test_editing_the_amount_keeps_the_expiry(conn: sqlite3.Connection) -> None:
    [eggs] = pantry.add_items(conn, [NewItem("eggs", 6)], today=TODAY)
    edited = pantry.update_item(conn, eggs.id, quantity=2, unit="dozen", today=TODAY + timedelta(days=3))
    assert (edited.quantity, edited.unit) == (24, "piece")
    assert (edited.expires, edited.expiry_source) == (eggs.expires, eggs.expiry_source)
    assert pantry.get_item(conn, eggs.id) == edited


def test_moving_thawed_food_counts_fridge_days_from_the_move(conn: sqlite3.Connection) -> None:
    bought = TODAY - timedelta(days=60)
    [chicken] = pantry.add_items(
        conn, [NewItem("chicken breasts", 2, location="freezer", added=bought)], TODAY
    )
    moved = pantry.update_item(conn, chicken.id, location="fridge", today=TODAY)
    assert moved.location == "fridge" and moved.added == bought
    assert moved.expires == TODAY + timedelta(days=1)  # FoodKeeper: 1-2 days in the refrigerator
    assert "refrigerator" in moved.expiry_source


def test_opening_never_makes_food_last_longer(conn: sqlite3.Connection) -> None:
    fresh, old = pantry.add_items(
        conn,
        [NewItem("cottage cheese", 1), NewItem("cottage cheese", 1, added=TODAY - timedelta(days=10))],
        today=TODAY,
    )
    assert fresh.expires == TODAY + timedelta(days=14) and old.expires == TODAY + timedelta(days=4)
    opened_fresh = pantry.update_item(conn, fresh.id, opened=True, today=TODAY)
    assert opened_fresh.opened and opened_fresh.expires == TODAY + timedelta(days=7)  # 1 week after opening
    assert "after opening" in opened_fresh.expiry_source
    opened_old = pantry.update_item(conn, old.id, opened=True, today=TODAY)
    assert opened_old.expires == TODAY + timedelta(days=4)  # the unopened date was sooner, and stays
    assert "unopened date comes first" in opened_old.expiry_source


def test_opened_jar_moved_to_the_fridge_gets_the_after_opening_time(conn: sqlite3.Connection) -> None:
    [mayo] = pantry.add_items(conn, [NewItem("mayonnaise", 1, "jar", location="pantry")], today=TODAY)
    later = TODAY + timedelta(days=20)
    edited = pantry.update_item(conn, mayo.id, location="fridge", opened=True, today=later)
    assert edited.expires == later + timedelta(days=60)  # FoodKeeper: 2 months after opening
    assert "after opening" in edited.expiry_source


def test_a_date_the_user_gave_is_kept_until_the_user_changes_it(conn: sqlite3.Connection) -> None:
    own = TODAY + timedelta(days=5)
    [milk] = pantry.add_items(conn, [NewItem("milk", 1, "l", expires=own)], today=TODAY)
    moved = pantry.update_item(conn, milk.id, location="freezer", opened=True, name="whole milk", today=TODAY)
    assert (moved.expires, moved.expiry_source) == (own, "given by user")
    assert (moved.name, moved.location, moved.opened) == ("whole milk", "freezer", True)
    redated = pantry.update_item(conn, milk.id, expires=TODAY + timedelta(days=90), today=TODAY)
    assert redated.expires == TODAY + timedelta(days=90) and redated.expiry_source == "given by user"


def test_renaming_re_estimates_an_estimated_date(conn: sqlite3.Connection) -> None:
    [item] = pantry.add_items(conn, [NewItem("spinach", 1, "bag")], today=TODAY)
    renamed = pantry.update_item(conn, item.id, name="eggs", today=TODAY + timedelta(days=1))
    assert renamed.canonical == "egg" and renamed.expires == TODAY + timedelta(days=21)  # from the added day
    assert "Eggs" in renamed.expiry_source


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": 0}, "positive"),
        ({"location": "freezer", "name": "frozen eggs", "quantity": -1}, "positive"),
        ({"quantity": float("inf")}, "not a number"),
        ({"unit": "smidgeons"}, "unknown unit"),
        ({"location": "garage"}, "location"),
        ({"name": "   "}, "name"),
        ({"opened": True, "expires": date(2999, 1, 1)}, "not plausible"),
        ({}, "nothing to change"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(
    conn: sqlite3.Connection, change: dict[str, object], message: str
) -> None:
    [eggs] = pantry.add_items(conn, [NewItem("eggs", 6)], today=TODAY)
    with pytest.raises(BadInput, match=message):
        pantry.update_item(conn, eggs.id, **change, today=TODAY)  # type: ignore[arg-type]
    assert pantry.list_items(conn) == [eggs]


def test_editing_an_unknown_item_says_so(conn: sqlite3.Connection) -> None:
    with pytest.raises(NotFound, match="no pantry item with id 99"):
        pantry.update_item(conn, 99, quantity=1)
    with pytest.raises(NotFound):  # beyond SQLite's integers: no such row, not an OverflowError
        pantry.remove_item(conn, str(2**64))


# --- bad input: clear errors, nothing stored -------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (NewItem("eggs", -2), "positive"),
        (NewItem("eggs", 0), "positive"),
        (NewItem("eggs", float("nan")), "not a number"),
        (NewItem("flour", 2, "smidgeons"), "unknown unit"),
        (NewItem("milk", 1, expires=date(1850, 1, 1)), "not plausible"),
        (NewItem("milk", 1, expires=date(2999, 1, 1)), "not plausible"),
        (NewItem("milk", 1, added=TODAY + timedelta(days=30)), "not plausible"),
        (NewItem("milk", 1, location="garage"), "location"),
        (NewItem("  ", 1), "name"),
    ],
)
def test_bad_items_are_rejected_with_a_reason(conn: sqlite3.Connection, item: NewItem, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        pantry.add_items(conn, [NewItem("eggs", 6), item], today=TODAY)
    assert pantry.list_items(conn) == []  # the good item in the same batch was not stored either


def test_csv_opened_column_takes_a_date_and_counts_the_expiry_from_it(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        f"name,quantity,unit,opened\nfeta,200,g,{TODAY - timedelta(days=2)}\nmilk,1,l,no\nyogurt,1,cup,yes\n"
    )
    feta, milk, yogurt = sorted(pantry.add_csv(conn, path, today=TODAY), key=lambda i: i.name)
    assert feta.opened and "refrigerator opened" in feta.expiry_source
    assert feta.expires == TODAY - timedelta(days=2) + timedelta(days=7)  # 1-2 weeks from opening
    assert yogurt.opened and not milk.opened


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("maybe", "CSV line 3: opened 'maybe' is not yes, no or the date it was opened"),
        ("2026-02-30", "CSV line 3: opened '2026-02-30' is not yes, no or the date it was opened"),
        ("2026-04-01", "CSV line 3: feta: opened date 2026-04-01 is not plausible"),
    ],
)
def test_csv_opened_value_that_is_neither_yes_no_nor_a_date_names_the_row(
    conn: sqlite3.Connection, tmp_path: Path, value: str, message: str
) -> None:
    path = tmp_path / "p.csv"
    path.write_text(f"name,quantity,unit,opened\neggs,12,,no\nfeta,200,g,{value}\n")
    with pytest.raises(BadInput) as caught:
        pantry.add_csv(conn, path, today=TODAY)
    assert str(caught.value).startswith(message)
    assert pantry.list_items(conn) == []


def test_bad_csv_line_names_the_line_and_stores_nothing(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("name,quantity,unit\neggs,12,\nflour,lots,cup\n")
    with pytest.raises(BadInput, match="line 3"):
        pantry.add_csv(conn, path, today=TODAY)
    path.write_text("name,quantity,unit,expires\neggs,12,,2026-13-45\n")
    with pytest.raises(BadInput, match="not a date"):
        pantry.add_csv(conn, path, today=TODAY)
    path.write_text("food;amount\neggs;12\n")
    with pytest.raises(BadInput, match="header"):
        pantry.add_csv(conn, path, today=TODAY)
    assert pantry.list_items(conn) == []


def test_removing_what_is_not_there_is_an_error(conn: sqlite3.Connection) -> None:
    with pytest.raises(BadInput, match="no pantry item"):
        pantry.remove_item(conn, "unicorn steak")
    with pytest.raises(BadInput, match="no pantry item"):
        pantry.remove_item(conn, "42")


# --- database file and migrations ------------------------------------------------------------------------


def test_version_1_database_is_migrated_without_losing_items(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    db._v1(old)  # the schema of the first release, with data in it
    old.execute(
        "INSERT INTO items(name, quantity, unit, location, added, expires) VALUES"
        " ('Baby Spinach', 1, 'bag', 'fridge', '2026-03-01', '2026-03-05')"
    )
    old.execute("PRAGMA user_version = 1")
    old.commit()
    old.close()

    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    [item] = pantry.list_items(conn)
    assert (item.name, item.canonical, item.expires) == ("Baby Spinach", "spinach", date(2026, 3, 5))
    assert "salt" in pantry.staples(conn)


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    c = sqlite3.connect(path)
    c.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 5}")
    c.close()
    with pytest.raises(BadInput, match="newer"):
        db.connect(path)


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my shopping notes\n" * 10)
    with pytest.raises(BadInput, match="not a SQLite database"):
        db.connect(path)
    assert path.read_text() == "my shopping notes\n" * 10


def test_genie_db_environment_variable_chooses_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENIE_DB", str(tmp_path / "chosen.sqlite"))
    db.connect().close()
    assert (tmp_path / "chosen.sqlite").exists()
