"""The pantry as a table that fits the terminal: one line per item, at any width.

Rich wraps a cell that does not fit into as many lines as it needs, so at 80 columns the FoodKeeper
source became a column one word wide and a pantry of seven items ran to 80 lines.  Here every cell stays
on one line: columns are shown in order of importance while they fit (id, item, quantity, place and
expiry always; then opened, ingredient and source), the item name and the source are cut with "…" when
they must be, and the source puts the storage time first so a cut keeps what matters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from rich.table import Table

from localgenie.kitchen import pantry, units

ITEM_MIN = 14  # "sun-dried tom…": still recognisable
SOURCE_MIN = 16  # "3-7 Days · Lett…": below this the column says nothing


@dataclass(frozen=True)
class _Column:
    header: str
    cell: Callable[[pantry.ValidatedItem], str]


def quantity_text(item: pantry.ValidatedItem) -> str:
    return f"{item.quantity:g} {units.short_unit(item.unit)}".rstrip()


def expires_text(item: pantry.ValidatedItem, today: date, *, short: bool = False) -> str:
    """ "2026-12-05 (3 d)", or only "3 d" where even that does not fit."""
    left = item.days_left(today)
    if item.expires is None or left is None:
        return "?"
    days = "expired" if left < 0 else f"{left} d"
    return days if short else f"{item.expires} ({days})"


_FOODKEEPER = re.compile(
    r"^FoodKeeper (?P<label>.+?), (?:refrigerator|freezer|pantry) (?P<state>[^:]*): (?P<span>.+)$"
)


def source_text(source: str) -> str:
    """ "FoodKeeper Lettuce (leaf, spinach), refrigerator unopened: 3-7 Days" -> "3-7 Days · Lettuce (leaf,
    spinach), FoodKeeper": the time first, so that a cut keeps it; place and opened have their columns."""
    found = _FOODKEEPER.match(source)
    if found is None:
        return source
    state = found["state"]
    note = "" if state in ("unopened", "after opening") else f" ({state})"
    return f"{found['span']} · {found['label']}, FoodKeeper{note}"


def _style(item: pantry.ValidatedItem, today: date) -> str:
    left = item.days_left(today)
    if left is None:
        return ""
    if left < 0:
        return "bold red"
    return "yellow" if left <= 3 else ""


def pantry_table(items: Sequence[pantry.ValidatedItem], title: str, width: int, today: date) -> Table:
    """``items`` as a `Table` at most ``width`` characters wide (red: expired, yellow: 3 days or less)."""

    def natural(column: _Column) -> int:
        return max([len(column.header), *(len(column.cell(i)) for i in items)])

    name = _Column("item", lambda i: i.name)
    source = _Column("source", lambda i: source_text(i.expiry_source))

    def free(columns: list[_Column]) -> int:
        """Room left for the item name and the source once the other columns have their full width
        (rich's default box: a rule before each column and after the last, a space either side)."""
        fixed = sum(natural(c) for c in columns if c is not name and c is not source)
        return width - fixed - 3 * len(columns) - 1

    shown = [name, _Column("qty", quantity_text), _Column("where", lambda i: i.location)]
    if all(isinstance(i, pantry.PantryItem) for i in items):
        shown.insert(0, _Column("id", lambda i: str(getattr(i, "id", ""))))
    item_min = min(natural(name), ITEM_MIN)
    expires = _Column("expires", lambda i: expires_text(i, today))
    if free([*shown, expires]) < item_min:
        expires = _Column("expires", lambda i: expires_text(i, today, short=True))
    for column in (
        _Column("opened", lambda i: "yes" if i.opened else ""),
        _Column("ingredient", lambda i: i.canonical),
    ):
        if free([*shown, column, expires]) >= item_min:
            shown.append(column)
    shown.append(expires)  # last before the source: the date next to where it came from
    if free([*shown, source]) >= item_min + SOURCE_MIN:
        shown.append(source)
    room = free(shown)
    # The name has the first claim on the room (cut only to leave the source its minimum), the source
    # takes the rest.
    item_width = min(natural(name), max(item_min, room - (SOURCE_MIN if source in shown else 0)))
    source_width = max(SOURCE_MIN, min(natural(source), room - item_width))
    table = Table(title=title)
    for column in shown:
        fixed = item_width if column is name else source_width if column is source else natural(column)
        table.add_column(column.header, width=fixed, no_wrap=True, overflow="ellipsis")
    for item in items:
        table.add_row(*(c.cell(item) for c in shown), style=_style(item, today))
    return table
