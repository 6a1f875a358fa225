"""KitchenGenie over HTTP: pantry CRUD, plain-words and photo adds with one confirm step, suggestions, menu
orders, and the Kitchen page (recipe cards, cooking and the shopping list are in `cooking`).  Every
judgement is the library's (`localgenie.kitchen`); this module only translates."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from starlette.datastructures import FormData

import localgenie
from localgenie.config import shared_data_dir
from localgenie.errors import BadInput
from localgenie.kitchen import corpus, pantry
from localgenie.kitchen.db import MAX_ROWID
from localgenie.kitchen.extraction import extract_pantry_items
from localgenie.kitchen.ingredients import parse_line
from localgenie.kitchen.order import Menu, load_menu, order_from_text
from localgenie.kitchen.pantry import NewItem, PantryItem
from localgenie.kitchen.suggest import Filters, expired_items, suggest
from localgenie.llm import Backend
from localgenie.vision import LIKELY, Recognition

from .. import db
from ..errors import NotFound, status_for
from ..jobs import Job, Progress
from ..pages import render
from ..photos import MAX_PHOTOS, display_name, recognise_uploads
from ..security import verify_csrf
from ..state import AppState, get_state, kitchen_conn
from . import cooking as cooking_routes

api = APIRouter(prefix="/api", tags=["kitchen"])
pages = APIRouter(include_in_schema=False)

Location = Literal["fridge", "freezer", "pantry"]
Diet = Literal["vegetarian", "vegan", "gluten-free", "dairy-free", "nut-free"]
Conn = Annotated[sqlite3.Connection, Depends(kitchen_conn)]
ItemId = Annotated[int, PathParam(ge=1, le=MAX_ROWID)]  # pantry items and drafts: SQLite row ids
State = Annotated[AppState, Depends(get_state)]
# A small model on a short list stays within these; a looping one is cut off instead of running for minutes.
PANTRY_MAX_TOKENS = 384
PANTRY_MAX_RETRIES = 1
IMPORT_KIND = "kitchen-import"
MAX_NAME = 200


# ------------------------------------------------------------------ API models


class ItemIn(BaseModel):
    """An item as the user describes it: `pantry.NewItem` over HTTP."""

    name: str = Field(min_length=1, max_length=MAX_NAME, pattern=r"\S")
    quantity: float = Field(default=1.0, gt=0, le=1_000_000)
    unit: str | None = Field(default=None, max_length=40)
    location: Location = "fridge"
    opened: bool = False
    opened_on: date | None = None
    expires: date | None = Field(default=None, description="omit to estimate from USDA FoodKeeper")

    def new_item(self) -> NewItem:
        return NewItem(**self.model_dump())

    @classmethod
    def of(cls, item: NewItem) -> ItemIn:
        return cls.model_validate(item, from_attributes=True)


class PreviewItem(BaseModel):
    """What the pantry records for an item (`pantry.ValidatedItem`): canonical name, unit, expiry estimate."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    canonical: str
    quantity: float
    unit: str
    location: str
    opened: bool
    expires: date | None
    expiry_source: str


class ItemOut(PreviewItem):
    """A stored item (`pantry.PantryItem`)."""

    id: int
    added: date
    days_left: int | None

    @classmethod
    def of(cls, item: PantryItem, today: date | None = None) -> ItemOut:
        return cls.model_validate({**asdict(item), "days_left": item.days_left(today or date.today())})


class ItemPatch(BaseModel):
    """The fields to change; omitted (or null) fields stay as they are.  An estimated expiry is estimated
    again when the name, place or opened state changes; a date you gave is kept unless you send another."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME, pattern=r"\S")
    quantity: float | None = Field(default=None, gt=0, le=1_000_000)
    unit: str | None = Field(default=None, max_length=40)
    location: Location | None = None
    opened: bool | None = None
    expires: date | None = None


class AddItems(BaseModel):
    items: list[ItemIn] = Field(min_length=1, max_length=200)


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


class Candidate(BaseModel):
    """One ingredient seen in the photos, to confirm before it is stored."""

    ingredient: str
    confidence: float = Field(ge=0, le=1)
    status: Literal["likely", "maybe"] = Field(description=f"maybe: below {LIKELY:.0%}, kept only if picked")
    seen_as: str = Field(description="the product class (or the vision server's own words) behind it")
    photo: str = Field(description="the uploaded file's name")
    regions: int = Field(description="how many regions of the photos agreed")
    alternatives: list[tuple[str, float]] = Field(description="the next guesses for the same region")
    item: ItemIn = Field(description="post this to /api/pantry to store it")


class RecognizeResponse(BaseModel):
    candidates: list[Candidate] = Field(description="likely items first, then maybes; nothing is stored")
    photos: int
    regions: int
    seconds: float


class SuggestRequest(BaseModel):
    diets: list[Diet] = Field(default_factory=list, max_length=5)
    exclude: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=20
    )
    max_minutes: int | None = Field(default=None, gt=0, le=24 * 60)
    limit: int = Field(default=10, ge=1, le=50)


class UsedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ingredient: str
    item: str
    days_left: int | None


class SuggestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    recipe_id: int = Field(description="GET /api/kitchen/recipes/{recipe_id} for the recipe card")
    title: str
    score: Annotated[float, AfterValidator(lambda score: round(score, 3))]
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
    corrections: list[str] = Field(description="the model's slips that code corrected (shown, not priced)")


# ------------------------------------------------------------------ helpers (library calls only)


def _preview(items: list[NewItem]) -> list[PreviewItem]:
    today = date.today()
    return [PreviewItem.model_validate(pantry.validate(item, today)) for item in items]


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
    return SuggestResponse(
        suggestions=[SuggestionOut.model_validate(s) for s in suggest(conn, filters, limit=limit)],
        expired=[ItemOut.of(i) for i in expired_items(conn)],
    )


def _candidates(result: Recognition, location: Location) -> list[Candidate]:
    return [
        Candidate(
            ingredient=found.ingredient,
            confidence=round(found.confidence, 4),
            status=found.status,
            seen_as=found.label,
            photo=found.photo,
            regions=found.regions,
            alternatives=[(name, round(p, 4)) for name, p in found.alternatives],
            item=ItemIn(name=found.ingredient, quantity=float(found.quantity or 1), location=location),
        )
        for found in result.items
    ]


# ------------------------------------------------------------------ API

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "bad input (the message says what to fix)"},
    404: {"description": "no such item"},
    429: {"description": "model busy: retry after Retry-After seconds"},
}
PHOTO_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    413: {"description": "the upload is over the size limit"},
    415: {"description": "not a photo (the first bytes decide, not the name or declared type)"},
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
def get_pantry_item(item_id: ItemId, conn: Conn) -> ItemOut:
    return ItemOut.of(pantry.get_item(conn, item_id))


@api.patch("/pantry/{item_id:int}", response_model=ItemOut, responses=ERRORS)
def patch_pantry_item(item_id: ItemId, body: ItemPatch, conn: Conn) -> ItemOut:
    """Change an item's name, amount, unit, place, opened state or expiry (checked as adding checks;
    nothing changes when any field is refused)."""
    return ItemOut.of(pantry.update_item(conn, item_id, **body.model_dump(exclude_none=True)))


@api.delete("/pantry/{item_id:int}", response_model=ItemOut, responses=ERRORS)
def delete_pantry_item(
    item_id: ItemId,
    conn: Conn,
    quantity: Annotated[float | None, Query(gt=0, le=1_000_000, description="remove only this much")] = None,
) -> ItemOut:
    """Remove an item, or only ``quantity`` of it; answers with the item as it was."""
    return ItemOut.of(pantry.remove_item(conn, str(item_id), quantity))


@api.post("/kitchen/recognize", response_model=RecognizeResponse, responses=PHOTO_ERRORS)
async def recognize(
    state: State,
    photo: Annotated[list[UploadFile], File(description=f"1 to {MAX_PHOTOS} photos (JPEG, PNG, WebP…)")],
    location: Annotated[Location, Form(description="where the items will go")] = "fridge",
    single: Annotated[bool, Form(description="each photo shows one item (faster: no tiling)")] = False,
) -> RecognizeResponse:
    """Ingredients seen in photos, with confidences, to confirm: nothing is stored (post the chosen
    candidates' ``item`` to /api/pantry).  "maybe" candidates should only be kept when the user picks them."""
    result = await recognise_uploads(state, photo, multi=not single)
    return RecognizeResponse(
        candidates=_candidates(result, location),
        photos=result.photos,
        regions=result.regions,
        seconds=round(result.seconds, 3),
    )


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
        corrections=priced.corrections,
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


class DraftItem(BaseModel):
    """An item awaiting confirmation; photo items carry what the recogniser said about them."""

    item: ItemIn
    keep: bool = True  # ticked on the confirm page
    status: Literal["likely", "maybe"] | None = None  # photo items only
    confidence: float | None = None
    seen_as: str | None = None


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
        "photo_error": None,
        "model": state.queue.model,
        **cooking_routes.kitchen_panels(state, conn),
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


def _save_draft(state: AppState, source: str, items: list[DraftItem]) -> RedirectResponse:
    with db.connect(state.settings.web_db) as wconn:
        cur = wconn.execute(
            "INSERT INTO drafts(source_text, items, created) VALUES (?, ?, ?)",
            (source, json.dumps([d.model_dump(mode="json") for d in items]), _now()),
        )
        draft_id = int(cur.lastrowid or 0)
    return RedirectResponse(f"/kitchen/drafts/{draft_id}", status_code=303)


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
    return _save_draft(state, text, [DraftItem(item=ItemIn.of(i)) for i in items])


@pages.post("/kitchen/photo", response_model=None)
async def kitchen_photo(
    request: Request,
    state: State,
    conn: Conn,
    photo: Annotated[list[UploadFile], File()],
    location: Annotated[Location, Form()] = "fridge",
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse | HTMLResponse:
    """Recognise the photos and show what was seen on the same confirm step as typed items."""
    verify_csrf(request, csrf_token)
    try:
        result = await recognise_uploads(state, photo)
        if not result.items:
            raise BadInput("no ingredient recognised in the photo: add the items as text instead")
    except BadInput as exc:
        context = _kitchen_context(state, conn) | {"photo_error": str(exc)}
        return render(request, "kitchen.html", context, status=status_for(exc))
    drafts = [
        DraftItem(
            item=c.item,
            keep=c.status == "likely",  # a maybe is stored only when the user ticks it
            status=c.status,
            confidence=c.confidence,
            seen_as=c.seen_as,
        )
        for c in _candidates(result, location)
    ]
    names = ", ".join(sorted({display_name(p.filename) for p in photo}))
    return _save_draft(state, f"photo: {names}", drafts)


def _load_draft(state: AppState, draft_id: int) -> tuple[str, list[DraftItem]]:
    with db.connect(state.settings.web_db) as conn:
        row = conn.execute("SELECT source_text, items FROM drafts WHERE id = ?", (draft_id,)).fetchone()
    if row is None:
        raise NotFound(f"no draft {draft_id}: it was stored or discarded already")
    # Drafts saved before photo adds existed hold bare items.
    stored = [d if "item" in d else {"item": d} for d in json.loads(row[1])]
    return str(row[0]), [DraftItem.model_validate(d) for d in stored]


def _drop_draft(state: AppState, draft_id: int) -> None:
    with db.connect(state.settings.web_db) as conn:
        conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))


def _draft_page(
    request: Request, draft_id: int, text: str, drafts: list[DraftItem], error: str | None = None
) -> HTMLResponse:
    rows = []
    for draft in drafts:
        try:
            preview: PreviewItem | None = _preview([draft.item.new_item()])[0]
        except BadInput:
            preview = None  # a rename the pantry refuses: shown as typed, the error says why
        rows.append({"draft": draft, "preview": preview})
    context = {"draft_id": draft_id, "text": text, "rows": rows, "error": error}
    return render(request, "kitchen_confirm.html", context, status=400 if error else 200)


def _chosen(drafts: list[DraftItem], form: FormData) -> list[DraftItem]:
    kept = {str(v) for v in form.getlist("keep")}
    chosen = []
    for n, draft in enumerate(drafts):
        name = " ".join(str(form.get(f"name-{n}") or "").split()) or draft.item.name
        if len(name) > MAX_NAME:
            raise BadInput(f"item {n + 1}: a name of {len(name)} characters is too long (at most {MAX_NAME})")
        item = draft.item.model_copy(update={"name": name})
        chosen.append(draft.model_copy(update={"keep": str(n) in kept, "item": item}))
    return chosen


@pages.get("/kitchen/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(request: Request, state: State, draft_id: ItemId) -> HTMLResponse:
    text, drafts = _load_draft(state, draft_id)
    return _draft_page(request, draft_id, text, drafts)


@pages.post("/kitchen/drafts/{draft_id}", response_model=None)
async def draft_decide(
    request: Request,
    state: State,
    conn: Conn,
    draft_id: ItemId,
    action: Annotated[Literal["store", "discard"], Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Store the ticked items under the names in the form (all ticked ones, or none if one is refused)."""
    verify_csrf(request, csrf_token)
    text, drafts = _load_draft(state, draft_id)
    if action == "store":
        form = await request.form()
        try:
            if form.get("choose"):  # the confirm page's own form: the user's ticks and names
                drafts = _chosen(drafts, form)
            pantry.add_items(conn, [d.item.new_item() for d in drafts if d.keep])
        except BadInput as exc:
            return _draft_page(request, draft_id, text, drafts, error=str(exc))
    _drop_draft(state, draft_id)
    return RedirectResponse("/kitchen", status_code=303)


@pages.post("/kitchen/items/{item_id}/remove", response_model=None)
def kitchen_remove(
    request: Request,
    conn: Conn,
    item_id: ItemId,
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    verify_csrf(request, csrf_token)
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
