"""Pantry: adding, listing by expiry, FoodKeeper estimates, removing, CSV round trip, migrations."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from localgenie.errors import BadInput
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
