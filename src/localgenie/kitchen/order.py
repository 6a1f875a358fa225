"""Menu ordering: the LLM turns "two large pepperonis, one medium veggie without olives" into an `Order`;
code prices it from the menu file.

The model never sees or produces a price.  Anything the menu does not list (an item, a size, an extra) is
reported as a problem and left out of the total, so a hallucinated "truffle pizza" cannot be charged.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from localgenie.errors import BadInput, SchemaViolation
from localgenie.structured import Extractor

# --- what the LLM fills ----------------------------------------------------------------------------------


class OrderLine(BaseModel):
    """One kind of item in the order."""

    item: str = Field(description="menu item as said, e.g. 'pepperoni pizza'")
    size: str | None = Field(default=None, description="size if said: small, medium or large")
    quantity: int = Field(default=1, description="how many are exactly like this line")
    add: list[str] = Field(
        default_factory=list, description="extras said for these ones only, e.g. 'extra cheese'; else []"
    )
    remove: list[str] = Field(
        default_factory=list, description="things said to leave off these ones, e.g. 'olives'; else []"
    )


class Order(BaseModel):
    """A food order."""

    # Measured on the default model: "two large pepperonis ... extra cheese on one of the large" put the
    # cheese on both and appended garlic bread nobody asked for; these words target both mistakes.
    lines: list[OrderLine] = Field(
        description="only what the text orders, one line per group of identical items; when a change "
        "applies to only some, split them: 1 with the change, the rest without"
    )


# --- the menu file ---------------------------------------------------------------------------------------


class MenuItem(BaseModel):
    name: str
    aliases: list[str] = Field(default_factory=list)
    price: Decimal | None = None
    sizes: dict[str, Decimal] = Field(default_factory=dict)
    toppings: list[str] = Field(default_factory=list)

    @field_validator("sizes")
    @classmethod
    def _lower_sizes(cls, v: dict[str, Decimal]) -> dict[str, Decimal]:
        return {k.lower(): p for k, p in v.items()}


class Menu(BaseModel):
    name: str = "Menu"
    currency: str = "USD"
    items: list[MenuItem]
    extras: dict[str, Decimal] = Field(default_factory=dict)

    def find(self, said: str) -> MenuItem | None:
        want = _norm(said)
        for item in self.items:
            names = {_norm(item.name), *(_norm(a) for a in item.aliases)}
            if want in names:
                return item
        return None


def _norm(text: str) -> str:
    words = text.lower().replace("-", " ").split()
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 and not w.endswith("ss") else w for w in words)


def load_menu(path: Path) -> Menu:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadInput(f"menu file {path} does not exist") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"menu file {path} is not valid TOML: {exc}") from exc
    try:
        menu = Menu.model_validate(data)
    except ValidationError as exc:
        raise BadInput(f"menu file {path} does not fit the menu format: {exc}") from exc
    for item in menu.items:
        if item.price is None and not item.sizes:
            raise BadInput(f"menu item {item.name!r} has neither a price nor sizes")
    return menu


# --- pricing ---------------------------------------------------------------------------------------------


@dataclass
class PricedLine:
    description: str
    quantity: int
    unit_price: Decimal
    total: Decimal


@dataclass
class PricedOrder:
    currency: str
    lines: list[PricedLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # The model's slips that code corrected (an extra on the wrong line, an invented item): shown, but
    # the order as priced is what the text says.
    corrections: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0"))


def _extra_price(menu: Menu, said: str) -> tuple[str, Decimal] | None:
    extras = {_norm(k): (k, v) for k, v in menu.extras.items()}
    key = _norm(said)
    return extras.get(key) or extras.get(_norm(f"extra {said}")) or extras.get(key.removeprefix("extra "))


def price_order(order: Order, menu: Menu) -> PricedOrder:
    """Price every line the menu can price; everything else becomes a problem, never a guess."""
    result = PricedOrder(menu.currency)
    if not order.lines:
        result.problems.append("the order is empty")
    for line in order.lines:
        item = menu.find(line.item)
        if item is None:
            result.problems.append(f"unknown item {line.item!r}: not on the menu, not priced")
            continue
        if not 1 <= line.quantity <= 100:
            result.problems.append(f"{item.name}: quantity {line.quantity} is not plausible, not priced")
            continue
        if item.sizes:
            size = (line.size or "").lower().strip()
            if size not in item.sizes:
                sizes = ", ".join(item.sizes)
                said = f"size {line.size!r}" if line.size else "no size"
                result.problems.append(f"{item.name}: {said} given; choose one of {sizes}; not priced")
                continue
            price, label = item.sizes[size], f"{size} {item.name}"
        else:
            assert item.price is not None
            price, label = item.price, item.name
            if line.size:
                result.problems.append(f"{item.name} comes in one size; size {line.size!r} ignored")
        changes = []
        for extra in line.add:
            found = _extra_price(menu, extra)
            if found is None:
                result.problems.append(f"{item.name}: extra {extra!r} is not on the menu, not added")
                continue
            changes.append(f"+ {found[0]}")
            price += found[1]
        for gone in line.remove:
            if item.toppings and _norm(gone) not in {_norm(t) for t in item.toppings}:
                result.problems.append(f"{item.name} has no {gone!r} to leave off")
                continue
            changes.append(f"no {gone}")
        description = label + (f" ({', '.join(changes)})" if changes else "")
        price = price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        result.lines.append(PricedLine(description, line.quantity, price, price * line.quantity))
    return result


def order_schema(
    menu: Menu, clauses: list[str] | None = None, max_lines: int | None = None
) -> dict[str, Any]:
    """The `Order` schema narrowed to this menu: the grammar can only name real items and sizes.

    A small model left free writes "two large pepperonis" as the item name; with an enum it must pick
    "Pepperoni pizza".  What the menu lacks goes to ``not_on_menu`` instead of being forced onto the
    nearest item, so it is reported, never silently swapped for something else.  With ``clauses`` (the
    retry), ``said`` must be one of the text's own comma-separated parts: the answer cannot then anchor
    a line to words the text does not contain (tiny wrote the item names there).  ``max_lines`` bounds
    the answer: tiny otherwise repeats one line until the token cap.
    """
    schema = Order.model_json_schema()
    line_schema = schema["$defs"]["OrderLine"]
    # "said" comes first: the model copies the words before it names an item, which anchors each line
    # to the text, and code drops a line whose words are not in the text (an invented garlic bread).
    said: dict[str, Any] = {
        "type": "string",
        "maxLength": 60,
        "description": "the few words of the text about this item only, copied",
    }
    if clauses:
        said = {"enum": clauses, "description": "the part of the text about this item, copied"}
    line_schema["properties"] = {"said": said, **line_schema["properties"]}
    line_schema["required"] = ["said", *line_schema.get("required", [])]
    line = line_schema["properties"]
    line["item"] = {"enum": [item.name for item in menu.items], "description": "which menu item"}
    sizes = sorted({size for item in menu.items for size in item.sizes})
    if sizes:
        line["size"] = {
            "anyOf": [{"enum": sizes}, {"type": "null"}],
            "default": None,
            "description": "size if said",
        }
    line["quantity"] = {**line["quantity"], "type": "integer", "minimum": 1}
    schema["properties"]["lines"]["maxItems"] = min(max_lines or MAX_LINES, MAX_LINES)
    schema["properties"]["not_on_menu"] = {
        "type": "array",
        "items": {"type": "string"},
        "maxItems": MAX_LINES,
        "description": "anything ordered that is not one of the menu items, as said",
    }
    return schema


MAX_LINES = 20
ATTEMPTS = 2


class OrderNotUnderstood(SchemaViolation):
    """The model answered, but held to the text's words nothing of what the text orders was left.

    An empty order priced at 0 would be the model's slip presented as the customer's order; this is
    a failed answer instead (exit 3).  ``errors`` lists each dropped line and why it was dropped.
    """


def order_from_text(
    text: str,
    menu: Menu,
    extract: Extractor,
    *,
    model: str | None = None,
    attempts: int = ATTEMPTS,
) -> tuple[Order, PricedOrder]:
    """Plain words -> `Order` (via ``extract``, i.e. ``localgenie.extract_details``) -> priced by code.

    When code's corrections leave no line although the text names something on the menu, the answer
    has failed: it is asked for once more with ``said`` narrowed to the text's own clauses, then
    `OrderNotUnderstood` names what was dropped and why.
    """
    if not text.strip():
        raise BadInput("the order text is empty")
    named = named_items(text, menu)
    clauses = clauses_of(text)
    # One line per part of the text, plus one per item it names (two in one part: "a pepperoni and a
    # coke"): more would be repetition, which is how tiny fills its token cap.
    max_lines = len(clauses) + len(named)
    dropped: list[str] = []
    for attempt in range(1, attempts + 1):
        schema = order_schema(menu, clauses=None if attempt == 1 else clauses, max_lines=max_lines)
        data = dict(extract(text, schema, model=model).value)  # a dict schema: the value is a dict
        said_missing = [str(thing) for thing in data.pop("not_on_menu", None) or []]
        lines, notes = _anchored_lines(text, data.get("lines", []), menu)
        if not lines and named:
            dropped = list(dict.fromkeys(notes)) or ["the answer listed no menu item"]
            continue
        # "not on the menu" must also be something the text says (default listed a soda nobody ordered).
        missing = [t for t in said_missing if set(_squash(t).split()) <= set(_squash(text).split())]
        order = Order.model_validate({**data, "lines": lines})
        priced = price_order(order, menu)
        if attempt > 1:
            notes.insert(0, f"the first answer kept nothing of the order ({'; '.join(dropped)}): asked again")
        priced.corrections += notes
        priced.problems += [f"{thing!r} is not on the menu, not priced" for thing in missing]
        return order, priced
    raise OrderNotUnderstood(
        f"the model's answer kept nothing of what the text orders ({', '.join(named)}) after "
        f"{attempts} attempts; dropped: {'; '.join(dropped)}. Try a larger model (--model default) "
        "or name each item with its size and count, separated by commas",
        errors=[("$.lines", reason) for reason in dropped],
        attempts=attempts,
    )


def named_items(text: str, menu: Menu) -> list[str]:
    """The menu items the text names (by name or alias, plurals too): what it plainly orders."""
    return [item.name for item in menu.items if _mentions(text, item)]


def clauses_of(text: str) -> list[str]:
    """The text's comma- or semicolon-separated parts, as written (each names one or a few items)."""
    return [part.strip() for part in _CLAUSE_END.split(" ".join(text.split())) if part.strip()]


def _mentions(text: str, item: MenuItem) -> bool:
    words = f" {_words(text)} "
    return any(f" {_norm(name)} " in words for name in [item.name, *item.aliases])


def _words(text: str) -> str:
    """``text`` as `_norm` words without punctuation ("pepperonis," -> "pepperoni")."""
    return _norm(re.sub(r"[^\w\s-]", " ", text))


_CLAUSE_END = re.compile(r"[,;]")
_PART_OF = re.compile(r"\b(one|two|three|\d+) of (the|them|those)\b")


def _anchored_lines(
    text: str, lines: list[dict[str, Any]], menu: Menu
) -> tuple[list[dict[str, Any]], list[str]]:
    """Hold each line to the words it came from (``said``), so code, not the model, settles:

    - a line whose words are not in the text, or do not name its item, was invented: dropped;
    - a size its words do not say is replaced by the one they say, or taken off (then the line asks
      for a size instead of charging a guess);
    - an extra or a removal its words do not mention belongs to another line: dropped ("two large
      pepperonis" does not get the extra cheese said for "one of the large");
    - "extra cheese on one of the large" is part of an item already counted: taken out of that line.
    """
    kept: list[dict[str, Any]] = []
    notes: list[str] = []
    for answer in lines:
        # A copy: the caller's answer stays as the model wrote it.
        line = {**answer, "add": list(answer.get("add") or []), "remove": list(answer.get("remove") or [])}
        said = str(line.pop("said", "") or "")
        if said and _squash(said) not in _squash(text):
            notes.append(f"{line.get('item')!r} ({said!r}) is not in the order text, not added")
            continue
        if said:
            clause = _clause(_squash(text), _squash(said))
            part = bool(_PART_OF.search(_squash(said)))
            item = menu.find(str(line.get("item", "")))
            if item is not None and not part and not _mentions(clause, item):
                notes.append(f"{item.name!r} is not what {said!r} orders, not added")
                continue
            if item is not None and item.sizes:
                _hold_size(line, clause, item, notes)
            words = set(clause.split())
            for field in ("add", "remove"):
                for change in list(line.get(field) or []):
                    if not set(_squash(change).split()) - {"extra", "no"} <= words:
                        line[field].remove(change)
                        notes.append(f"{change!r} was not said for {said!r}: left off that line")
            line["_part"] = part
        kept.append(line)
    for line in [x for x in kept if x.get("_part", False)]:
        if not any(x is not line and x.get("item") == line.get("item") for x in kept):
            kept.remove(line)  # "one of the large" and no other line of that item: nothing it refers to
            notes.append(f"{line.get('item')!r} is not named in the text, not added")
            continue
        whole = next(
            (
                x
                for x in kept
                if x is not line
                and x.get("item") == line.get("item")
                and x.get("size") == line.get("size")
                and int(x.get("quantity", 1)) > int(line.get("quantity", 1))
            ),
            None,
        )
        if whole is not None:
            whole["quantity"] = int(whole.get("quantity", 1)) - int(line.get("quantity", 1))
    for line in kept:
        line.pop("_part", None)
    return kept, notes


def _hold_size(line: dict[str, Any], clause: str, item: MenuItem, notes: list[str]) -> None:
    """The size is what the line's words say: a small model drops it ("two large pepperonis" with no
    size) or carries one over from the line before."""
    said_sizes = [size for size in item.sizes if f" {_norm(size)} " in f" {_words(clause)} "]
    size = line.get("size")
    if size in said_sizes:
        return
    if len(said_sizes) == 1:
        line["size"] = said_sizes[0]
        notes.append(f"{item.name}: size {size!r} -> {said_sizes[0]!r}, as {clause.strip()!r} says")
    elif size is not None and not said_sizes:
        line["size"] = None
        notes.append(f"{item.name}: size {size!r} was not said in {clause.strip()!r}, left off")


def _clause(text: str, said: str) -> str:
    """The comma-separated part of the text around ``said`` ("one medium veggie" -> "one medium veggie
    without olives"): a model copying a few words may stop before the change it then lists."""
    start = text.find(said)
    if start < 0:
        return said
    before = [m.end() for m in _CLAUSE_END.finditer(text, 0, start)]
    after = _CLAUSE_END.search(text, start + len(said))
    return text[before[-1] if before else 0 : after.start() if after else len(text)]


def _squash(text: str) -> str:
    return " ".join(text.lower().split())
