"""The pantry: what is in the kitchen, how much, where, and when it spoils.

Every write is one transaction, and input is validated before anything is written, so a bad row in a
CSV never leaves half a batch behind.
"""

from __future__ import annotations

import csv
import io
import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

from localgenie.errors import BadInput, NotFound
from localgenie.kitchen import expiry, units, vocab
from localgenie.kitchen.db import MAX_ROWID, Transaction
from localgenie.kitchen.expiry import Location

MAX_SHELF_LIFE = timedelta(days=365 * 30)  # beyond this a date is a typo, not a tin of beans


@dataclass(frozen=True)
class NewItem:
    """An item as the user describes it, before validation (from the CLI, a CSV row or an extraction)."""

    name: str
    quantity: float = 1.0
    unit: str | None = None
    location: str = "fridge"
    opened: bool = False
    opened_on: date | None = None
    expires: date | None = None
    added: date | None = None


USER_GIVEN = "given by user"  # the expiry_source of a date the user typed (never re-estimated)


@dataclass(frozen=True)
class ValidatedItem:
    """An item checked and completed by `validate`, ready to store; ``expiry_source`` says whether the date
    came from the user or FoodKeeper."""

    name: str
    canonical: str
    quantity: float
    unit: str
    location: Location
    added: date
    opened: bool
    expires: date | None
    expiry_source: str

    def days_left(self, today: date) -> int | None:
        return None if self.expires is None else (self.expires - today).days


@dataclass(frozen=True)
class PantryItem(ValidatedItem):
    """A stored item: a validated item with its row id (keyword-only, so no call can shift the fields)."""

    id: int = field(kw_only=True)


def _parse_date(value: str | date | None, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadInput(f"{what} {value!r} is not a date: use YYYY-MM-DD") from exc


# One checker per field, shared by `validate` (adding) and `update_item` (editing), so both refuse the
# same things with the same words.


def _checked_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise BadInput("an item needs a name")
    return name


def _checked_amount(name: str, quantity: float, unit: str | None) -> tuple[float, str]:
    if not isinstance(quantity, (int, float)) or not math.isfinite(quantity):
        raise BadInput(f"{name}: quantity {quantity!r} is not a number")
    if quantity <= 0:
        raise BadInput(f"{name}: quantity must be positive, got {quantity:g}")
    normalized = units.normalize_unit(unit)
    if normalized == "dozen":
        return float(quantity) * 12, "piece"
    return float(quantity), normalized


def _checked_location(name: str, raw: str) -> Location:
    location = expiry.LOCATION_WORDS.get(raw.strip().lower())
    if location is None:
        raise BadInput(f"{name}: location must be one of {', '.join(expiry.LOCATIONS)}, got {raw!r}")
    return location


def _checked_expiry(name: str, expires: date, today: date) -> date:
    if not (today - MAX_SHELF_LIFE <= expires <= today + MAX_SHELF_LIFE):
        raise BadInput(f"{name}: expiry date {expires} is not plausible (more than 30 years away)")
    return expires


def validate(item: NewItem, today: date) -> ValidatedItem:
    """Check one item and fill in canonical name, unit and (if not given) the FoodKeeper expiry estimate."""
    name = _checked_name(item.name)
    quantity, unit = _checked_amount(name, item.quantity, item.unit)
    location = _checked_location(name, item.location)
    added = item.added or today
    if added > today + timedelta(days=1) or added < today - MAX_SHELF_LIFE:
        raise BadInput(f"{name}: added date {added} is not plausible")
    opened_on = item.opened_on
    if opened_on is not None and (
        opened_on > today + timedelta(days=1) or opened_on < today - MAX_SHELF_LIFE
    ):
        raise BadInput(f"{name}: opened date {opened_on} is not plausible")
    opened = item.opened or opened_on is not None
    canonical = vocab.ingredient_key(name)
    if item.expires is not None:
        expires: date | None = _checked_expiry(name, item.expires, today)
        source = USER_GIVEN
    else:
        start = opened_on if opened and opened_on else added
        estimate = expiry.estimate(canonical, name, location, opened, start)
        expires, source = estimate.expires, estimate.source
    return ValidatedItem(name, canonical, quantity, unit, location, added, opened, expires, source)


def add_items(
    conn: sqlite3.Connection, items: Iterable[NewItem], today: date | None = None
) -> list[PantryItem]:
    """Validate all items, then store them in one transaction (all or nothing)."""
    today = today or date.today()
    checked = [validate(item, today) for item in items]
    ids = []
    with Transaction(conn):
        for v in checked:
            cur = conn.execute(
                "INSERT INTO items(name, canonical, quantity, unit, location, added, opened, expires,"
                " expiry_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    v.name,
                    v.canonical,
                    v.quantity,
                    v.unit,
                    v.location,
                    v.added.isoformat(),
                    int(v.opened),
                    v.expires.isoformat() if v.expires else None,
                    v.expiry_source,
                ),
            )
            ids.append(int(cur.lastrowid or 0))
    return [get_item(conn, i) for i in ids]


_COLUMNS = "id, name, canonical, quantity, unit, location, added, opened, expires, expiry_source"


def _row(row: tuple[Any, ...]) -> PantryItem:
    id_, name, canonical, qty, unit, loc, added, opened, expires, source = row
    return PantryItem(
        str(name),
        str(canonical),
        float(qty),
        str(unit),
        cast(Location, str(loc)),  # the table's CHECK constraint admits only the three places
        date.fromisoformat(str(added)),
        bool(opened),
        date.fromisoformat(str(expires)) if expires else None,
        str(source),
        id=int(id_),
    )


def get_item(conn: sqlite3.Connection, item_id: int) -> PantryItem:
    row = None
    if 0 < item_id <= MAX_ROWID:
        row = conn.execute(f"SELECT {_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise NotFound(f"no pantry item with id {item_id}: see `genie kitchen list`")
    return _row(row)


def update_item(
    conn: sqlite3.Connection,
    item_id: int,
    *,
    name: str | None = None,
    quantity: float | None = None,
    unit: str | None = None,
    location: str | None = None,
    opened: bool | None = None,
    expires: date | None = None,
    today: date | None = None,
) -> PantryItem:
    """Change a stored item (None: leave that field as it is), checked as `validate` checks a new one.

    The expiry follows the food: a date given here wins, and a date the user gave earlier is kept.  An
    estimated date is estimated again when the food changes (another name) or its storage does: a move
    counts from today (thawed chicken gets fridge days from now, not from the day it was bought), opening
    counts from today and never makes food last longer than its unopened date.  A quantity or unit edit
    leaves the date alone.  Read, check and write happen in one transaction: a cook running at the same
    time cannot slip in between.
    """
    if all(v is None for v in (name, quantity, unit, location, opened, expires)):
        raise BadInput("nothing to change: give a name, quantity, unit, location, opened or expires")
    today = today or date.today()
    with Transaction(conn):
        old = get_item(conn, item_id)
        new_name = _checked_name(name) if name is not None else old.name
        if quantity is None and unit is None:
            new_quantity, new_unit = old.quantity, old.unit
        else:
            new_quantity, new_unit = _checked_amount(
                new_name, old.quantity if quantity is None else quantity, old.unit if unit is None else unit
            )
        new_location = _checked_location(new_name, location) if location is not None else old.location
        new_opened = old.opened if opened is None else opened
        canonical = vocab.ingredient_key(new_name)
        moved = new_location != old.location
        opening = new_opened and not old.opened
        new_expires, source = old.expires, old.expiry_source
        if expires is not None:
            new_expires, source = _checked_expiry(new_name, expires, today), USER_GIVEN
        elif old.expiry_source != USER_GIVEN and (
            moved or new_opened != old.opened or canonical != old.canonical
        ):
            start = today if moved or opening else old.added
            estimate = expiry.estimate(canonical, new_name, new_location, new_opened, start)
            new_expires, source = estimate.expires, estimate.source
            if (
                opening
                and not moved
                and old.expires is not None
                and (new_expires is None or new_expires > old.expires)
            ):
                new_expires = old.expires
                source = f"{old.expiry_source}; opened {today}, but the unopened date comes first"
        conn.execute(
            "UPDATE items SET name = ?, canonical = ?, quantity = ?, unit = ?, location = ?, opened = ?,"
            " expires = ?, expiry_source = ? WHERE id = ?",
            (
                new_name,
                canonical,
                new_quantity,
                new_unit,
                new_location,
                int(new_opened),
                new_expires.isoformat() if new_expires else None,
                source,
                item_id,
            ),
        )
    return get_item(conn, item_id)


def list_items(conn: sqlite3.Connection) -> list[PantryItem]:
    """All items, soonest expiry first (items with no known expiry last)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM items ORDER BY expires IS NULL, expires, canonical, id"
    ).fetchall()
    return [_row(r) for r in rows]


def remove_item(conn: sqlite3.Connection, ref: str, quantity: float | None = None) -> PantryItem:
    """Remove an item by id or by name (the soonest-expiring match), or only ``quantity`` of it."""
    if ref.isdigit():
        item = get_item(conn, int(ref))
    else:
        canonical = vocab.ingredient_key(ref)
        matches = [i for i in list_items(conn) if i.canonical == canonical or i.name.lower() == ref.lower()]
        if not matches:
            raise NotFound(f"no pantry item called {ref!r}: see `genie kitchen list`")
        item = matches[0]
    if quantity is not None and quantity <= 0:
        raise BadInput(f"quantity to remove must be positive, got {quantity:g}")
    with Transaction(conn):
        if quantity is None or quantity >= item.quantity:
            conn.execute("DELETE FROM items WHERE id = ?", (item.id,))
        else:
            conn.execute("UPDATE items SET quantity = quantity - ? WHERE id = ?", (quantity, item.id))
    return item


CSV_FIELDS = ["name", "quantity", "unit", "location", "opened", "expires", "added"]


def read_csv(text: str) -> list[NewItem]:
    """Pantry items from CSV text with a header row (name required; others optional, see CSV_FIELDS)."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        raise BadInput(f"the CSV needs a header row with at least 'name' (columns: {', '.join(CSV_FIELDS)})")
    items = []
    for lineno, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        try:
            quantity = float(row["quantity"]) if row.get("quantity") else 1.0
        except ValueError as exc:
            raise BadInput(f"CSV line {lineno}: quantity {row['quantity']!r} is not a number") from exc
        try:
            opened, opened_on = _parse_opened(row.get("opened", ""))
            items.append(
                NewItem(
                    name=row.get("name", ""),
                    quantity=quantity,
                    unit=row.get("unit") or None,
                    location=row.get("location") or "fridge",
                    opened=opened,
                    opened_on=opened_on,
                    expires=_parse_date(row.get("expires"), "expires"),
                    added=_parse_date(row.get("added"), "added"),
                )
            )
        except BadInput as exc:
            raise BadInput(f"CSV line {lineno}: {exc}") from exc
    return items


_YES = {"1", "yes", "y", "true", "opened", "open"}
_NO = {"", "0", "no", "n", "false", "unopened", "sealed"}
CSV_HELP = (
    "CSV with a header row; columns: name (required), quantity, unit, location (fridge, freezer or "
    "pantry), opened (yes, no, or the date it was opened, YYYY-MM-DD: the expiry then counts from that "
    "day), expires and added (YYYY-MM-DD)."
)


def _parse_opened(value: str) -> tuple[bool, date | None]:
    """The CSV's ``opened`` column: yes / no, or the day it was opened (what `export` cannot know is kept:
    a date here used to read as "no", and the expiry was estimated as for a sealed pack)."""
    word = value.strip().lower()
    if word in _YES:
        return True, None
    if word in _NO:
        return False, None
    try:
        return True, date.fromisoformat(word)
    except ValueError as exc:
        raise BadInput(f"opened {value!r} is not yes, no or the date it was opened (YYYY-MM-DD)") from exc


def add_csv(conn: sqlite3.Connection, path: Path, today: date | None = None) -> list[PantryItem]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {path} as a UTF-8 CSV file: {exc}") from exc
    items = read_csv(text)
    today = today or date.today()
    for lineno, item in enumerate(items, start=2):
        try:
            validate(item, today)
        except BadInput as exc:
            raise BadInput(f"CSV line {lineno}: {exc}") from exc
    return add_items(conn, items, today)


def to_csv(items: Iterable[PantryItem]) -> str:
    """CSV that `add --csv` reads back (round-trip safe), plus id, canonical and expiry source."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *CSV_FIELDS, "canonical", "expiry_source"])
    for i in items:
        writer.writerow(
            [
                i.id,
                i.name,
                f"{i.quantity:g}",
                i.unit,
                i.location,
                "yes" if i.opened else "no",
                i.expires.isoformat() if i.expires else "",
                i.added.isoformat(),
                i.canonical,
                i.expiry_source,
            ]
        )
    return out.getvalue()


def staples(conn: sqlite3.Connection) -> set[str]:
    """Ingredients assumed always at hand (user-editable; seeded with salt, pepper, oil, water...)."""
    return {str(r[0]) for r in conn.execute("SELECT name FROM staples")}


def set_staple(conn: sqlite3.Connection, name: str, present: bool) -> str:
    canonical = vocab.ingredient_key(name)
    with Transaction(conn):
        if present:
            conn.execute("INSERT OR IGNORE INTO staples(name) VALUES (?)", (canonical,))
        else:
            conn.execute("DELETE FROM staples WHERE name = ?", (canonical,))
    return canonical
