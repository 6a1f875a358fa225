"""KitchenGenie over HTTP: pantry CRUD, plain-words add with a confirm step, suggestions, menu orders, and
the Kitchen page.  Every judgement is the library's (`localgenie.kitchen`); this module only translates."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

import localgenie
from localgenie.config import shared_data_dir
from localgenie.errors import BadInput
from localgenie.kitchen import corpus, pantry
from localgenie.kitchen.extraction import extract_pantry_items
from localgenie.kitchen.ingredients import parse_line
from localgenie.kitchen.order import Menu, load_menu, order_from_text
from localgenie.kitchen.pantry import NewItem, PantryItem
from localgenie.kitchen.suggest import Filters, expired_items, suggest
from localgenie.llm import Backend

from .. import db
from ..errors import NotFound
from ..jobs import Job, Progress
from ..pages import render
from ..security import verify_csrf
from ..state import AppState, get_state, kitchen_conn

api = APIRouter(prefix="/api", tags=["kitchen"])
pages = APIRouter(include_in_schema=False)

Location = Literal["fridge", "freezer", "pantry"]
Diet = Literal["vegetarian", "vegan", "gluten-free", "dairy-free", "nut-free"]
Conn = Annotated[sqlite3.Connection, Depends(kitchen_conn)]
State = Annotated[AppState, Depends(get_state)]
# A small model on a short list stays within these; a looping one is cut off instead of running for minutes.
PANTRY_MAX_TOKENS = 384
PANTRY_MAX_RETRIES = 1
IMPORT_KIND = "kitchen-import"


# ------------------------------------------------------------------ API models


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    quantity: float = Field(default=1.0, gt=0, le=1_000_000)
    unit: str | None = Field(default=None, max_length=40)
    location: Location = "fridge"
    opened: bool = False
    opened_on: date | None = None
    expires: date | None = Field(default=None, description="omit to estimate from USDA FoodKeeper")

    def new_item(self) -> NewItem:
        return NewItem(
            name=self.name,
            quantity=self.quantity,
            unit=self.unit,
            location=self.location,
            opened=self.opened,
            opened_on=self.opened_on,
            expires=self.expires,
        )

    @classmethod
    def of(cls, item: NewItem) -> ItemIn:
        return cls(
            name=item.name,
            quantity=item.quantity,
            unit=item.unit,
            location=item.location,  # type: ignore[arg-type]
            opened=item.opened,
            opened_on=item.opened_on,
            expires=item.expires,
        )


class ItemOut(BaseModel):
    id: int
    name: str
    canonical: str
    quantity: float
    unit: str
    location: str
    added: date
    opened: bool
    expires: date | None
    expiry_source: str
    days_left: int | None

    @classmethod
    def of(cls, item: PantryItem, today: date | None = None) -> ItemOut:
        return cls(**asdict(item), days_left=item.days_left(today or date.today()))


class AddItems(BaseModel):
    items: list[ItemIn] = Field(min_length=1, max_length=200)


class PreviewItem(BaseModel):
    name: str
    canonical: str
    quantity: float
    unit: str
    location: str
    opened: bool
    expires: date | None
    expiry_source: str


class ParseRequest(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    mode: Literal["model", "lines"] = Field(
        default="model",
        description="model: plain words read by the LLM; lines: one '12 eggs' per line, no model",
    )
    location: Location = Field(
        default="fridge", description="where items go when the text does not say (lines)"
    )


class ParseResponse(BaseModel):
    items: list[ItemIn] = Field(description="post these to /api/pantry to store them")
    preview: list[PreviewItem] = Field(
        description="what the pantry will record: canonical names, expiry estimates"
    )


class SuggestRequest(BaseModel):
    diets: list[Diet] = Field(default_factory=list, max_length=5)
    exclude: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=20
    )
    max_minutes: int | None = Field(default=None, gt=0, le=24 * 60)
    limit: int = Field(default=10, ge=1, le=50)


class UsedOut(BaseModel):
    ingredient: str
    item: str
    days_left: int | None


class SuggestionOut(BaseModel):
    recipe_id: int
    title: str
    score: float
    why: str
    used: list[UsedOut]
    missing: list[str]
    total_time_min: int | None
    notes: list[str]


class SuggestResponse(BaseModel):
    suggestions: list[SuggestionOut]
    expired: list[ItemOut]


# Prices arrive as JSON numbers and become Decimals by their shortest repr (2.1 → Decimal("2.1")).
Price = Annotated[float, Field(ge=0, le=100_000)]


class MenuItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    price: Price | None = None
    sizes: dict[str, Price] = Field(default_factory=dict)
    toppings: list[str] = Field(default_factory=list, max_length=50)


class MenuIn(BaseModel):
    name: str = Field(default="Menu", max_length=100)
    currency: str = Field(default="USD", max_length=8)
    items: list[MenuItemIn] = Field(min_length=1, max_length=200)
    extras: dict[str, Price] = Field(default_factory=dict)


class OrderRequest(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    menu: MenuIn | None = Field(
        default=None, description="the menu to price from; default: the server's menu"
    )


class OrderLineOut(BaseModel):
    item: str
    size: str | None
    quantity: int
    add: list[str]
    remove: list[str]


class PricedLineOut(BaseModel):
    description: str
    quantity: int
    unit_price: str
    total: str


class OrderResponse(BaseModel):
    order: list[OrderLineOut] = Field(description="what the model understood")
    lines: list[PricedLineOut] = Field(description="what the menu prices (by code, never by the model)")
    total: str
    currency: str
    problems: list[str]


# ------------------------------------------------------------------ helpers (library calls only)


def _preview(items: list[NewItem]) -> list[PreviewItem]:
    today = date.today()
    out = []
    for item in items:
        v = pantry.validate(item, today)
        out.append(
            PreviewItem(
                name=v.name,
                canonical=v.canonical,
                quantity=v.quantity,
                unit=v.unit,
                location=v.location,
                opened=v.opened,
                expires=v.expires,
                expiry_source=v.expiry_source,
            )
        )
    return out


def _items_from_lines(text: str, location: str) -> list[NewItem]:
    """One item per line, parsed by the recipe-line parser: instant and deterministic, no model."""
    items = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parsed = parse_line(line.strip())
        if not parsed.name.strip():
            raise BadInput(f"line {line.strip()!r} names no food")
        items.append(
            NewItem(name=parsed.name, quantity=parsed.quantity or 1.0, unit=parsed.unit, location=location)
        )
    if not items:
        raise BadInput("nothing to add: the text is empty")
    return items


async def parse_items(state: AppState, text: str, mode: str, location: str) -> list[NewItem]:
    if mode == "lines":
        items = _items_from_lines(text, location)
    else:
        if not text.strip():
            raise BadInput("nothing to add: the text is empty")

        def work(backend: Backend) -> list[NewItem]:
            def bounded_extract(t: str, schema: Any, model: str | None = None) -> Any:
                return localgenie.extract(
                    t, schema, backend=backend, max_tokens=PANTRY_MAX_TOKENS, max_retries=PANTRY_MAX_RETRIES
                )

            return extract_pantry_items(text, bounded_extract)

        items = await state.queue.run(work)
    _preview(items)  # raises BadInput naming the item when one cannot be stored
    return items


def _menu(state: AppState, given: MenuIn | None) -> Menu:
    if given is not None:
        menu = Menu.model_validate_json(given.model_dump_json())
        for item in menu.items:
            if item.price is None and not item.sizes:
                raise BadInput(f"menu item {item.name!r} has neither a price nor sizes")
        return menu
    if state.settings.menu_path is None:
        raise BadInput("this server has no menu: set GENIE_MENU to a menu TOML file, or send one as 'menu'")
    return load_menu(state.settings.menu_path)


def _run_suggest(conn: sqlite3.Connection, filters: Filters, limit: int) -> SuggestResponse:
    found = suggest(conn, filters, limit=limit)
    return SuggestResponse(
        suggestions=[
            SuggestionOut(
                recipe_id=s.recipe_id,
                title=s.title,
                score=round(s.score, 3),
                why=s.why,
                used=[UsedOut(ingredient=u.ingredient, item=u.item, days_left=u.days_left) for u in s.used],
                missing=s.missing,
                total_time_min=s.total_time_min,
                notes=s.notes,
            )
            for s in found
        ],
        expired=[ItemOut.of(i) for i in expired_items(conn)],
    )


# ------------------------------------------------------------------ API

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "bad input (the message says what to fix)"},
    404: {"description": "no such item"},
    429: {"description": "model busy: retry after Retry-After seconds"},
}


@api.get("/pantry", response_model=list[ItemOut])
def list_pantry(conn: Conn) -> list[ItemOut]:
    """Pantry items, soonest expiry first (unknown expiry last)."""
    today = date.today()
    return [ItemOut.of(i, today) for i in pantry.list_items(conn)]


@api.post("/pantry", response_model=list[ItemOut], status_code=201, responses=ERRORS)
def add_pantry(body: AddItems, conn: Conn) -> list[ItemOut]:
    """Store items (all or nothing); expiry is estimated from USDA FoodKeeper when not given."""
    return [ItemOut.of(i) for i in pantry.add_items(conn, [i.new_item() for i in body.items])]


@api.post("/pantry/parse", response_model=ParseResponse, responses=ERRORS)
async def parse_pantry(body: ParseRequest, request: Request) -> ParseResponse:
    """Plain words → items to confirm (nothing is stored: post ``items`` to /api/pantry to keep them)."""
    items = await parse_items(get_state(request), body.text, body.mode, body.location)
    return ParseResponse(items=[ItemIn.of(i) for i in items], preview=_preview(items))


@api.get("/pantry/{item_id:int}", response_model=ItemOut, responses=ERRORS)
def get_pantry_item(item_id: int, conn: Conn) -> ItemOut:
    try:
        return ItemOut.of(pantry.get_item(conn, item_id))
    except BadInput as exc:
        raise NotFound(str(exc)) from exc


@api.delete("/pantry/{item_id:int}", response_model=ItemOut, responses=ERRORS)
def delete_pantry_item(
    item_id: int,
    conn: Conn,
    quantity: Annotated[float | None, Query(gt=0, le=1_000_000, description="remove only this much")] = None,
) -> ItemOut:
    """Remove an item, or only ``quantity`` of it; answers with the item as it was."""
    try:
        pantry.get_item(conn, item_id)
    except BadInput as exc:
        raise NotFound(str(exc)) from exc
    return ItemOut.of(pantry.remove_item(conn, str(item_id), quantity))


@api.post("/kitchen/suggest", response_model=SuggestResponse, responses=ERRORS)
def api_suggest(body: SuggestRequest, conn: Conn) -> SuggestResponse:
    """Recipes that use up the pantry, what spoils first counting most."""
    return _run_suggest(
        conn, Filters(frozenset(body.diets), tuple(body.exclude), body.max_minutes), body.limit
    )


@api.post("/order", response_model=OrderResponse, responses=ERRORS)
async def api_order(body: OrderRequest, request: Request) -> OrderResponse:
    """A spoken-style order → menu lines priced by code (unknown items are problems, never charged)."""
    state = get_state(request)
    menu = _menu(state, body.menu)
    if not body.text.strip():
        raise BadInput("the order text is empty")
    order, priced = await state.queue.run(
        lambda backend: order_from_text(
            body.text, menu, lambda t, schema, model=None: localgenie.extract(t, schema, backend=backend)
        )
    )
    return OrderResponse(
        order=[OrderLineOut(**line.model_dump()) for line in order.lines],
        lines=[
            PricedLineOut(
                description=p.description,
                quantity=p.quantity,
                unit_price=str(p.unit_price),
                total=str(p.total),
            )
            for p in priced.lines
        ],
        total=str(priced.total),
        currency=priced.currency,
        problems=priced.problems,
    )


# ------------------------------------------------------------------ corpus import job


def import_handler(state: AppState) -> Any:
    def run(job: Job, progress: Progress) -> str:
        shared = shared_data_dir()
        path = shared / "recipes" / "recipes.jsonl.gz" if shared else None
        if path is None or not path.is_file():
            raise BadInput("the shared recipe corpus is not here: set GENIE_SHARED_DATA")
        from localgenie.kitchen import db as kitchen_db

        conn = kitchen_db.connect(state.settings.kitchen_db)
        try:
            report = corpus.import_file(conn, path, lambda frac, rows: progress("import", rows, 0, frac))
        finally:
            conn.close()
        return json.dumps({"added": report.added, "duplicates": report.duplicates, "skipped": report.skipped})

    return run


# ------------------------------------------------------------------ page


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _kitchen_context(state: AppState, conn: sqlite3.Connection) -> dict[str, Any]:
    has_recipes = conn.execute("SELECT 1 FROM recipes LIMIT 1").fetchone() is not None
    imports = state.jobs.recent(IMPORT_KIND, limit=1)
    return {
        "items": pantry.list_items(conn),
        "has_recipes": has_recipes,
        "import_job": imports[0] if imports else None,
        "diets": list(corpus.DIETS),
        "suggestions": None,
        "suggest_error": None,
        "chosen_diets": [],
        "add_error": None,
        "add_text": "",
        "model": state.queue.model,
    }


@pages.get("/kitchen", response_class=HTMLResponse)
def kitchen_page(
    request: Request,
    state: State,
    conn: Conn,
    diet: Annotated[list[str] | None, Query()] = None,
    suggest_now: Annotated[bool, Query(alias="suggest")] = False,
) -> HTMLResponse:
    context = _kitchen_context(state, conn)
    if suggest_now:
        chosen = [d for d in diet or [] if d in corpus.DIETS]
        context["chosen_diets"] = chosen
        try:
            context["suggestions"] = _run_suggest(conn, Filters(frozenset(chosen)), 10)
        except BadInput as exc:
            context["suggest_error"] = str(exc)
    return render(request, "kitchen.html", context)


@pages.post("/kitchen/add", response_model=None)
async def kitchen_add(
    request: Request,
    state: State,
    conn: Conn,
    text: Annotated[str, Form(max_length=5000)] = "",
    mode: Annotated[Literal["model", "lines"], Form()] = "lines",
    location: Annotated[Location, Form()] = "fridge",
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse | HTMLResponse:
    """Read the text, keep the result as a draft, and show it for confirmation (nothing stored yet)."""
    verify_csrf(request, csrf_token)
    try:
        items = await parse_items(state, text, mode, location)
    except BadInput as exc:
        context = _kitchen_context(state, conn) | {"add_error": str(exc), "add_text": text}
        return render(request, "kitchen.html", context, status=400)
    drafts = [ItemIn.of(i).model_dump(mode="json") for i in items]
    with db.connect(state.settings.web_db) as wconn:
        cur = wconn.execute(
            "INSERT INTO drafts(source_text, items, created) VALUES (?, ?, ?)",
            (text, json.dumps(drafts), _now()),
        )
        draft_id = int(cur.lastrowid or 0)
    return RedirectResponse(f"/kitchen/drafts/{draft_id}", status_code=303)


def _load_draft(state: AppState, draft_id: int) -> tuple[str, list[NewItem]]:
    with db.connect(state.settings.web_db) as conn:
        row = conn.execute("SELECT source_text, items FROM drafts WHERE id = ?", (draft_id,)).fetchone()
    if row is None:
        raise NotFound(f"no draft {draft_id}: it was stored or discarded already")
    return str(row[0]), [ItemIn.model_validate(d).new_item() for d in json.loads(row[1])]


def _drop_draft(state: AppState, draft_id: int) -> None:
    with db.connect(state.settings.web_db) as conn:
        conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))


@pages.get("/kitchen/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(request: Request, state: State, draft_id: int) -> HTMLResponse:
    text, items = _load_draft(state, draft_id)
    return render(
        request, "kitchen_confirm.html", {"draft_id": draft_id, "text": text, "preview": _preview(items)}
    )


@pages.post("/kitchen/drafts/{draft_id}", response_model=None)
def draft_decide(
    request: Request,
    state: State,
    conn: Conn,
    draft_id: int,
    action: Annotated[Literal["store", "discard"], Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    verify_csrf(request, csrf_token)
    _, items = _load_draft(state, draft_id)
    if action == "store":
        pantry.add_items(conn, items)
    _drop_draft(state, draft_id)
    return RedirectResponse("/kitchen", status_code=303)


@pages.post("/kitchen/items/{item_id}/remove", response_model=None)
def kitchen_remove(
    request: Request,
    conn: Conn,
    item_id: int,
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    verify_csrf(request, csrf_token)
    try:
        pantry.get_item(conn, item_id)
    except BadInput as exc:
        raise NotFound(str(exc)) from exc
    pantry.remove_item(conn, str(item_id))
    return RedirectResponse("/kitchen", status_code=303)


@pages.post("/kitchen/import", response_model=None)
def kitchen_import(
    request: Request, state: State, csrf_token: Annotated[str, Form()] = ""
) -> RedirectResponse:
    verify_csrf(request, csrf_token)
    state.runner.submit(IMPORT_KIND, "recipe corpus import", {})
    return RedirectResponse("/kitchen", status_code=303)


__all__ = ["IMPORT_KIND", "api", "import_handler", "pages"]
