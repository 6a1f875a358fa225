"""Cooking a recipe (decrement the pantry, undo-able) and the shopping list of what is missing.

A cook is one transaction that also records every quantity it changed (and every row it deleted), so
`undo` restores exactly the previous state.  Amounts are converted into the pantry item's unit with pint
within a dimension, and across dimensions through the food's SR26 household weights (½ cup crumbled feta
is 75 g; a cup of cherry tomatoes is ¾ of a tomato); when SR26 has no weight either (a recipe's "2 cups
spinach" against a pantry "1 bag") the item is left alone and the user is told, rather than guessing.
What is taken is rounded as a cook measures (`units.round_amount`), and a processed form is its own food
(`forms.food_key`): frozen spinach is not taken from the bag of fresh spinach.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime

from localgenie.errors import BadInput, Conflict, NotFound
from localgenie.kitchen import units, vocab
from localgenie.kitchen.db import MAX_ROWID, Transaction
from localgenie.kitchen.forms import food_key
from localgenie.kitchen.nutrition import grams
from localgenie.kitchen.pantry import PantryItem, get_item, list_items, staples


@dataclass(frozen=True)
class Line:
    text: str
    quantity: float | None
    unit: str | None
    key: str


@dataclass(frozen=True)
class StoredRecipe:
    id: int
    title: str
    servings: float | None
    total_time_min: int | None
    lines: list[Line]
    directions: list[str]


@dataclass(frozen=True)
class Need:
    """An amount of an ingredient to buy (quantity None: "some", e.g. "salt to taste")."""

    key: str
    quantity: float | None
    unit: str | None
    source: str


# How each recipe line stands against the pantry (`CookPlan.marks`, one per line, for a recipe card).
HAVE, SHORT, MISSING, STAPLE, OTHER = "have", "short", "missing", "staple", "other"


@dataclass
class CookPlan:
    recipe: StoredRecipe
    factor: float
    takes: list[tuple[PantryItem, float]] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Per recipe line: HAVE (the pantry covers it, or it is "to taste" and in the pantry), SHORT (some, not
    # enough), MISSING, STAPLE (assumed at hand), OTHER (no ingredient recognised in the line).
    marks: list[str] = field(default_factory=list)


def load_recipe(conn: sqlite3.Connection, recipe_id: int) -> StoredRecipe:
    row = None
    if 0 < recipe_id <= MAX_ROWID:
        row = conn.execute(
            "SELECT id, title, servings, total_time_min, lines, directions FROM recipes WHERE id = ?",
            (recipe_id,),
        ).fetchone()
    if row is None:
        raise NotFound(f"no recipe with id {recipe_id}: ids are shown by `genie kitchen suggest`")
    lines = [Line(t, q, u, k) for t, q, u, k in json.loads(row[4])]
    return StoredRecipe(int(row[0]), str(row[1]), row[2], row[3], lines, json.loads(row[5]))


def scale_factor(recipe: StoredRecipe, servings: float | None, scale: float | None) -> float:
    """How much to multiply the recipe by: an explicit ``scale``, or ``servings`` over the recipe's own."""
    if scale is not None:
        if scale <= 0:
            raise BadInput("scale must be positive")
        return scale
    if servings is None:
        return 1.0
    if servings <= 0:
        raise BadInput("servings must be positive")
    if not recipe.servings:
        raise BadInput(f"'{recipe.title}' does not say how many it serves: use --scale instead of --servings")
    return servings / recipe.servings


def convert_for(quantity: float, unit: str, target: str, key: str) -> float | None:
    """``quantity unit`` of the food ``key`` in ``target`` units: pint within a dimension, else through
    grams with SR26's household weights for that food; None when neither knows (never a guess)."""
    if units.convertible(unit, target):
        return units.convert(quantity, unit, target)
    entry = vocab.vocabulary().get(key)
    if entry is None or entry.ndb is None:
        return None
    weight, per_target = grams(quantity, unit, entry.ndb), grams(1.0, target, entry.ndb)
    if weight is None or not per_target:
        return None
    return weight / per_target


def _measured(take: float, unit: str, left: float) -> float:
    """What a cook takes out: a whole or quartered count (¾ tomato, not 0.82), whole grams; other units
    as computed (rounding 0.47 l of milk to ½ l would change the pantry by more than the recipe says)."""
    if unit in units.COUNT_UNITS or unit in {"gram", "milliliter"}:
        return min(units.round_amount(take, unit) or take, left)
    return take


def plan(
    conn: sqlite3.Connection,
    recipe_id: int,
    servings: float | None = None,
    scale: float | None = None,
    today: date | None = None,
    pantry_state: dict[int, float] | None = None,
) -> CookPlan:
    """What cooking the recipe would take from the pantry and what is missing (nothing is written).

    ``pantry_state`` (item id -> quantity left) lets several recipes be planned against one pantry, so a
    shopping list for two recipes does not count the same eggs twice."""
    today = today or date.today()
    recipe = load_recipe(conn, recipe_id)
    result = CookPlan(recipe, scale_factor(recipe, servings, scale))
    by_key: dict[str, list[PantryItem]] = {}
    for item in list_items(conn):  # soonest expiry first: use what spoils first
        left = item.days_left(today)
        if left is None or left >= 0:
            by_key.setdefault(food_key(item.name, item.canonical, item.unit), []).append(item)
    left_over = pantry_state if pantry_state is not None else {}
    for items in by_key.values():
        for item in items:
            left_over.setdefault(item.id, item.quantity)
    staple_set = staples(conn)
    for line in recipe.lines:
        if not line.key:
            result.marks.append(OTHER)
            continue
        key = food_key(line.text, line.key, line.unit)
        items = by_key.get(key, [])
        if not items:
            if key not in staple_set:
                qty = None if line.quantity is None else line.quantity * result.factor
                result.needs.append(Need(key, qty, line.unit, recipe.title))
            result.marks.append(STAPLE if key in staple_set else MISSING)
            continue
        if line.quantity is None:
            result.marks.append(HAVE)
            continue  # "to taste": nothing measurable to take
        need, need_unit = line.quantity * result.factor, line.unit or "piece"
        wanted = need
        for item in items:
            if need <= 1e-9:
                break
            want = convert_for(need, need_unit, item.unit, line.key)
            if want is None:
                result.warnings.append(
                    f"{item.name}: the recipe's {units.format_amount(need, need_unit)} cannot be measured "
                    f"in {item.unit} (no SR26 weight for it); not decremented"
                )
                need = 0.0
                break
            take = min(want, left_over[item.id])
            if take > 0:
                result.takes.append((item, _measured(take, item.unit, left_over[item.id])))
                left_over[item.id] -= take
            need = need * (want - take) / want if want > 0 else 0.0
        if need < 0.05 * wanted:
            need = 0.0  # 0.8 of a tomato for 0.82 wanted: nobody buys the difference
        if need > 1e-9:
            result.warnings.append(f"not enough {key}: {units.format_amount(need, need_unit)} short")
            result.needs.append(Need(key, need, need_unit, recipe.title))
        result.marks.append(SHORT if need > 1e-9 else HAVE)
    result.warnings = list(dict.fromkeys(result.warnings))  # two lines of one food, one message
    return result


def cook(
    conn: sqlite3.Connection,
    recipe_id: int,
    servings: float | None = None,
    scale: float | None = None,
    today: date | None = None,
) -> tuple[int, CookPlan]:
    """Take the recipe's ingredients out of the pantry in one transaction; returns (cook id, plan)."""
    p = plan(conn, recipe_id, servings, scale, today)
    with Transaction(conn):
        cur = conn.execute(
            "INSERT INTO cooks(recipe_id, servings, at) VALUES (?, ?, ?)",
            (recipe_id, servings, datetime.now().isoformat(timespec="seconds")),
        )
        cook_id = int(cur.lastrowid or 0)
        for item, take in p.takes:
            current = get_item(conn, item.id)
            after = max(0.0, current.quantity - take)
            deleted = None
            if after <= 1e-9:
                row = conn.execute("SELECT * FROM items WHERE id = ?", (item.id,)).fetchone()
                names = [d[1] for d in conn.execute("PRAGMA table_info(items)")]
                deleted = json.dumps(dict(zip(names, row, strict=True)))
                conn.execute("DELETE FROM items WHERE id = ?", (item.id,))
            else:
                conn.execute("UPDATE items SET quantity = ? WHERE id = ?", (after, item.id))
            conn.execute(
                "INSERT INTO cook_changes(cook_id, item_id, before_quantity, after_quantity, deleted_row)"
                " VALUES (?, ?, ?, ?, ?)",
                (cook_id, item.id, current.quantity, after, deleted),
            )
    return cook_id, p


def undo(conn: sqlite3.Connection) -> int:
    """Undo the most recent cook that is not undone yet; returns its recipe id.

    The cook is looked up inside the transaction, so two undos at once revert two cooks, never one twice."""
    with Transaction(conn):
        last = last_cook(conn)
        if last is None:
            raise Conflict("nothing to undo: no cooking recorded")
        cook_id, recipe_id = last
        changes = conn.execute(
            "SELECT item_id, before_quantity, after_quantity, deleted_row FROM cook_changes"
            " WHERE cook_id = ?",
            (cook_id,),
        ).fetchall()
        for item_id, before, after, deleted in changes:
            if deleted:
                values = json.loads(deleted)
                cols = ", ".join(values)
                conn.execute(
                    f"INSERT INTO items({cols}) VALUES ({', '.join('?' * len(values))})",
                    list(values.values()),
                )
            else:
                # Add back what was taken, so a later manual edit of the same item is not overwritten.
                conn.execute(
                    "UPDATE items SET quantity = quantity + ? WHERE id = ?", (before - after, item_id)
                )
        conn.execute("UPDATE cooks SET undone = 1 WHERE id = ?", (cook_id,))
    return recipe_id


def last_cook(conn: sqlite3.Connection) -> tuple[int, int] | None:
    """(cook id, recipe id) of the cook `undo` would revert, or None when there is nothing to undo."""
    row = conn.execute("SELECT id, recipe_id FROM cooks WHERE undone = 0 ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


def is_undone(conn: sqlite3.Connection, cook_id: int) -> bool:
    row = conn.execute("SELECT undone FROM cooks WHERE id = ?", (cook_id,)).fetchone()
    return row is not None and bool(row[0])


@dataclass
class ShoppingItem:
    name: str
    quantity: float | None
    unit: str | None
    recipes: list[str]


def aggregate(needs: list[Need]) -> list[ShoppingItem]:
    """Sum needs per ingredient, converting to the first unit seen of the same kind (cups + tbsp -> cups)."""
    out: list[ShoppingItem] = []
    for need in needs:
        target = next(
            (
                s
                for s in out
                if s.name == need.key
                and (
                    (s.quantity is None and need.quantity is None)
                    or (
                        s.quantity is not None
                        and need.quantity is not None
                        and units.convertible(need.unit or "piece", s.unit or "piece")
                    )
                )
            ),
            None,
        )
        if target is None:
            out.append(ShoppingItem(need.key, need.quantity, need.unit, [need.source]))
            continue
        if need.quantity is not None and target.quantity is not None:
            target.quantity += units.convert(need.quantity, need.unit or "piece", target.unit or "piece")
        if need.source not in target.recipes:
            target.recipes.append(need.source)
    return sorted(out, key=lambda s: s.name)


def shopping_list(
    conn: sqlite3.Connection,
    recipe_ids: list[int],
    servings: float | None = None,
    scale: float | None = None,
    today: date | None = None,
) -> list[ShoppingItem]:
    """Everything missing to cook all ``recipe_ids`` from the current pantry, summed per ingredient."""
    if not recipe_ids:
        raise BadInput("name at least one recipe id")
    state: dict[int, float] = {}
    needs = [n for rid in recipe_ids for n in plan(conn, rid, servings, scale, today, state).needs]
    return aggregate(needs)


def _amount(item: ShoppingItem) -> str:
    return "" if item.quantity is None else units.format_amount(item.quantity, item.unit or "piece")


def to_markdown(items: list[ShoppingItem]) -> str:
    if not items:
        return "Nothing to buy.\n"
    lines = ["# Shopping list", ""]
    lines += [
        f"- [ ] {i.name}" + (f" — {_amount(i)}" if _amount(i) else "") + f" ({', '.join(i.recipes)})"
        for i in items
    ]
    return "\n".join(lines) + "\n"


def to_csv(items: list[ShoppingItem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["item", "quantity", "unit", "for"])
    for i in items:
        writer.writerow(
            [i.name, "" if i.quantity is None else f"{i.quantity:.4g}", i.unit or "", "; ".join(i.recipes)]
        )
    return out.getvalue()
