"""Recipe cards, cooking with undo, and the shopping list, over HTTP and on the Kitchen page.

Every number here comes from `localgenie.kitchen` (amounts from the cook plan, nutrition from USDA SR26,
sums from `cooking.aggregate`); this module only translates.  What the page must show again after a
reload (what a cook took and warned about, the recipes chosen for the shopping list) lives in the web
database.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from localgenie.errors import BadInput, NotFound
from localgenie.kitchen import cooking
from localgenie.kitchen.cooking import CookPlan, ShoppingItem
from localgenie.kitchen.db import MAX_ROWID
from localgenie.kitchen.nutrition import NUTRIENTS, recipe_nutrition

from .. import db
from ..pages import render
from ..security import verify_csrf
from ..state import AppState, get_state, kitchen_conn

api = APIRouter(prefix="/api/kitchen", tags=["kitchen"])
pages = APIRouter(include_in_schema=False)

Conn = Annotated[sqlite3.Connection, Depends(kitchen_conn)]
State = Annotated[AppState, Depends(get_state)]
RecipeId = Annotated[int, PathParam(ge=1, le=MAX_ROWID)]
Mark = Literal["have", "short", "missing", "staple", "other"]
NUTRIENT_LABELS = {
    "kcal": "energy (kcal)",
    "protein_g": "protein (g)",
    "fat_g": "fat (g)",
    "carbs_g": "carbohydrate (g)",
    "fiber_g": "fibre (g)",
    "sugar_g": "sugars (g)",
    "sodium_mg": "sodium (mg)",
}
MAX_SERVINGS = 1000.0
MAX_SCALE = 100.0
MAX_LIST_RECIPES = 20

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "bad input (the message says what to fix)"},
    404: {"description": "no such recipe"},
}

Servings = Annotated[float | None, Field(default=None, gt=0, le=MAX_SERVINGS)]
Scale = Annotated[float | None, Field(default=None, gt=0, le=MAX_SCALE)]


# ------------------------------------------------------------------ API models


class Amount(BaseModel):
    """How much of a recipe: ``servings`` (needs the recipe's own count) or a ``scale`` factor, not both."""

    servings: Servings = Field(default=None, description="cook for this many (the recipe must say its own)")
    scale: Scale = Field(default=None, description="multiply every amount by this factor")

    @model_validator(mode="after")
    def _one_of(self) -> Amount:
        if self.servings is not None and self.scale is not None:
            raise ValueError("give servings or scale, not both")
        return self


class IngredientOut(BaseModel):
    text: str = Field(description="the recipe's own line")
    ingredient: str | None = Field(description="the ingredient recognised in it (None: none)")
    quantity: float | None = Field(description="the amount for the requested servings, in ``unit``")
    unit: str | None
    mark: Mark = Field(
        description="have: the pantry covers it; short: some, not enough; missing; staple: assumed at "
        "hand; other: no ingredient recognised in the line"
    )


class UnmatchedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    text: str
    food: str | None = Field(description="the SR26 food it matched, if any")
    problem: str


class NutritionOut(BaseModel):
    servings: float = Field(description="servings the totals are divided by")
    servings_known: bool = Field(description="false: the recipe does not say; values are for the whole dish")
    per_serving: dict[str, float] = Field(description="USDA SR26 values per serving, counted lines only")
    counted: int = Field(description="ingredient lines counted")
    unmatched: list[UnmatchedOut] = Field(description="lines left out (listed, never guessed)")


class ShoppingItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    quantity: float | None = Field(description="None: an unmeasured amount ('to taste')")
    unit: str | None
    recipes: list[str]


class RecipeCard(BaseModel):
    id: int
    title: str
    servings: float | None = Field(description="what the recipe serves as written (None: it does not say)")
    total_time_min: int | None
    factor: float = Field(description="the amounts below are the recipe's times this")
    cook_servings: float | None = Field(description="the servings asked for")
    ingredients: list[IngredientOut]
    directions: list[str]
    nutrition: NutritionOut
    missing: list[ShoppingItemOut] = Field(description="what to buy to cook it from the current pantry")
    warnings: list[str]


class Inspiration(BaseModel):
    recipe_id: int
    title: str


class RecipeOrigin(BaseModel):
    """How a recipe the model wrote came about (kept in the web database, shown on its card)."""

    model: str
    inspired_by: list[Inspiration] = Field(description="the imported recipes it was grounded on")
    problems: list[str] = Field(description="what is still wrong with it (code could not repair it)")
    warnings: list[str]
    notes: list[str] = Field(description="what code changed or could not do")
    tips: list[str]
    attempts: int
    seconds: float


class CookRequest(Amount):
    recipe_id: int = Field(ge=1, le=MAX_ROWID)


class TakenOut(BaseModel):
    item_id: int
    name: str
    quantity: float = Field(description="taken, in the item's unit")
    unit: str
    left: float = Field(description="left in the pantry afterwards (0: the item was used up and removed)")


class CookResponse(BaseModel):
    cook_id: int
    recipe_id: int
    title: str
    factor: float
    taken: list[TakenOut]
    warnings: list[str] = Field(description="amounts not taken (unit mismatch) or not enough in the pantry")
    missing: list[ShoppingItemOut]


class UndoResponse(BaseModel):
    recipe_id: int
    title: str | None = Field(description="None when the recipe is no longer in the database")


class ShoppingRecipe(Amount):
    recipe_id: int = Field(ge=1, le=MAX_ROWID)


class ShoppingRequest(BaseModel):
    recipes: list[ShoppingRecipe] = Field(min_length=1, max_length=MAX_LIST_RECIPES)
    format: Literal["json", "markdown", "csv"] = Field(
        default="json", description="markdown and csv answer a file download"
    )


class ShoppingResponse(BaseModel):
    items: list[ShoppingItemOut] = Field(description="missing ingredients summed across the recipes")


# ------------------------------------------------------------------ library calls


def card_for(conn: sqlite3.Connection, recipe_id: int, amount: Amount) -> RecipeCard:
    """The recipe card: every number from the library (cook plan, SR26 nutrition, aggregated needs)."""
    plan = cooking.plan(conn, recipe_id, amount.servings, amount.scale)
    recipe = plan.recipe
    count = recipe.servings or 1.0
    # Per serving does not depend on how much is cooked: computed on the recipe as written.
    nutrition = recipe_nutrition([(x.text, x.quantity, x.unit, x.key) for x in recipe.lines], count)
    return RecipeCard(
        id=recipe.id,
        title=recipe.title,
        servings=recipe.servings,
        total_time_min=recipe.total_time_min,
        factor=plan.factor,
        cook_servings=amount.servings or (recipe.servings * plan.factor if recipe.servings else None),
        ingredients=[
            IngredientOut(
                text=line.text,
                ingredient=line.key or None,
                quantity=None if line.quantity is None else line.quantity * plan.factor,
                unit=line.unit,
                mark=mark,  # type: ignore[arg-type]
            )
            for line, mark in zip(recipe.lines, plan.marks, strict=True)
        ],
        directions=recipe.directions,
        nutrition=NutritionOut(
            servings=count,
            servings_known=bool(recipe.servings),
            per_serving={n: round(nutrition.per_serving[n], 1) for n in NUTRIENTS},
            counted=len(nutrition.lines) - len(nutrition.unmatched),
            unmatched=[UnmatchedOut.model_validate(x) for x in nutrition.unmatched],
        ),
        missing=_items(cooking.aggregate(plan.needs)),
        warnings=plan.warnings,
    )


def _items(items: list[ShoppingItem]) -> list[ShoppingItemOut]:
    return [ShoppingItemOut.model_validate(i) for i in items]


def _cook(conn: sqlite3.Connection, recipe_id: int, amount: Amount) -> CookResponse:
    cook_id, plan = cooking.cook(conn, recipe_id, amount.servings, amount.scale)
    return CookResponse(
        cook_id=cook_id,
        recipe_id=recipe_id,
        title=plan.recipe.title,
        factor=plan.factor,
        taken=_taken(plan),
        warnings=plan.warnings,
        missing=_items(cooking.aggregate(plan.needs)),
    )


def _taken(plan: CookPlan) -> list[TakenOut]:
    """One line per pantry item (a recipe may take the same eggs on two lines)."""
    out: dict[int, TakenOut] = {}
    for item, take in plan.takes:
        entry = out.setdefault(
            item.id, TakenOut(item_id=item.id, name=item.name, quantity=0, unit=item.unit, left=0)
        )
        entry.quantity += take
        entry.left = max(0.0, item.quantity - entry.quantity)
    return list(out.values())


def _undo(conn: sqlite3.Connection) -> UndoResponse:
    recipe_id = cooking.undo(conn)
    try:
        title: str | None = cooking.load_recipe(conn, recipe_id).title
    except NotFound:
        title = None
    return UndoResponse(recipe_id=recipe_id, title=title)


def _shopping(conn: sqlite3.Connection, wanted: list[ShoppingRecipe]) -> list[ShoppingItem]:
    """What is missing to cook all of ``wanted`` from one pantry (the same eggs are not counted twice)."""
    left: dict[int, float] = {}
    needs = [
        need
        for w in wanted
        for need in cooking.plan(conn, w.recipe_id, w.servings, w.scale, pantry_state=left).needs
    ]
    return cooking.aggregate(needs)


def _download(items: list[ShoppingItem], fmt: Literal["markdown", "csv"]) -> Response:
    if fmt == "markdown":
        body, media, name = cooking.to_markdown(items), "text/markdown; charset=utf-8", "shopping-list.md"
    else:
        body, media, name = cooking.to_csv(items), "text/csv; charset=utf-8", "shopping-list.csv"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ------------------------------------------------------------------ API


@api.get("/recipes/{recipe_id:int}", response_model=RecipeCard, responses=ERRORS)
def recipe_card(
    recipe_id: RecipeId,
    conn: Conn,
    servings: Annotated[float | None, Query(gt=0, le=MAX_SERVINGS)] = None,
    scale: Annotated[float | None, Query(gt=0, le=MAX_SCALE)] = None,
) -> RecipeCard:
    """A recipe with each ingredient marked against the pantry, directions, and nutrition per serving
    (USDA SR26; lines that cannot be matched or weighed are listed, not guessed)."""
    return card_for(conn, recipe_id, _amount(servings, scale))


@api.post("/cook", response_model=CookResponse, responses=ERRORS)
def api_cook(body: CookRequest, conn: Conn) -> CookResponse:
    """Take a recipe's ingredients out of the pantry in one transaction (``/undo`` reverts it).  Amounts
    whose units cannot be converted are left alone and reported in ``warnings``, never guessed."""
    return _cook(conn, body.recipe_id, body)


@api.post("/undo", response_model=UndoResponse, responses={409: {"description": "nothing to undo"}})
def api_undo(conn: Conn) -> UndoResponse:
    """Undo the most recent cook: the pantry gets back exactly what it took."""
    return _undo(conn)


@api.post(
    "/shopping-list",
    response_model=ShoppingResponse,
    responses={
        **ERRORS,
        200: {"content": {"text/markdown": {}, "text/csv": {}}, "description": "the list"},
    },
)
def api_shopping_list(body: ShoppingRequest, conn: Conn) -> Response | ShoppingResponse:
    """Everything missing to cook the recipes from the current pantry, summed per ingredient (units
    converted where they can be; staples never listed)."""
    items = _shopping(conn, body.recipes)
    if body.format != "json":
        return _download(items, body.format)
    return ShoppingResponse(items=_items(items))


# ------------------------------------------------------------------ page state (web database)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _save_cook(state: AppState, result: CookResponse) -> None:
    with db.connect(state.settings.web_db) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO cook_results(cook_id, recipe_id, result, created) VALUES (?, ?, ?, ?)",
            (result.cook_id, result.recipe_id, result.model_dump_json(), _now()),
        )


def _load_cook(state: AppState, cook_id: int, recipe_id: int) -> CookResponse | None:
    with db.connect(state.settings.web_db) as conn:
        row = conn.execute(
            "SELECT result FROM cook_results WHERE cook_id = ? AND recipe_id = ?", (cook_id, recipe_id)
        ).fetchone()
    return None if row is None else CookResponse.model_validate_json(row[0])


def save_origin(state: AppState, recipe_id: int, origin: RecipeOrigin) -> None:
    with db.connect(state.settings.web_db) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO generated(recipe_id, result, created) VALUES (?, ?, ?)",
            (recipe_id, origin.model_dump_json(), _now()),
        )


def load_origin(state: AppState, recipe_id: int) -> RecipeOrigin | None:
    """None for a recipe the model did not write here (imported, or written by the CLI)."""
    with db.connect(state.settings.web_db) as conn:
        row = conn.execute("SELECT result FROM generated WHERE recipe_id = ?", (recipe_id,)).fetchone()
    return None if row is None else RecipeOrigin.model_validate_json(row[0])


def _selection(state: AppState) -> list[ShoppingRecipe]:
    with db.connect(state.settings.web_db) as conn:
        rows = conn.execute(
            "SELECT recipe_id, servings, scale FROM shopping ORDER BY added, recipe_id"
        ).fetchall()
    return [ShoppingRecipe(recipe_id=r[0], servings=r[1], scale=r[2]) for r in rows]


def _choose(state: AppState, recipe_id: int, amount: Amount | None) -> None:
    """Put a recipe on the shopping list (again: with the new amount), or take it off (``amount`` None)."""
    with db.connect(state.settings.web_db) as conn:
        if amount is None:
            conn.execute("DELETE FROM shopping WHERE recipe_id = ?", (recipe_id,))
            return
        count = conn.execute("SELECT count(*) FROM shopping WHERE recipe_id != ?", (recipe_id,)).fetchone()[0]
        if count >= MAX_LIST_RECIPES:
            raise BadInput(f"the shopping list holds at most {MAX_LIST_RECIPES} recipes: remove one first")
        conn.execute(
            "INSERT INTO shopping(recipe_id, servings, scale, added) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(recipe_id) DO UPDATE SET servings = excluded.servings, scale = excluded.scale",
            (recipe_id, amount.servings, amount.scale, _now()),
        )


def _chosen_recipes(state: AppState, conn: sqlite3.Connection) -> list[tuple[ShoppingRecipe, str]]:
    """The selection with titles; recipes gone from the kitchen database (another GENIE_DB) are dropped."""
    out = []
    for wanted in _selection(state):
        try:
            out.append((wanted, cooking.load_recipe(conn, wanted.recipe_id).title))
        except NotFound:
            _choose(state, wanted.recipe_id, None)
    return out


def kitchen_panels(state: AppState, conn: sqlite3.Connection) -> dict[str, Any]:
    """What the Kitchen page shows besides the pantry: the shopping list and the cook that Undo reverts."""
    chosen = _chosen_recipes(state, conn)
    shopping: list[ShoppingItem] = []
    shopping_error = None
    if chosen:
        try:
            shopping = _shopping(conn, [w for w, _ in chosen])
        except BadInput as exc:
            shopping_error = str(exc)
    last = cooking.last_cook(conn)
    last_title = None
    if last is not None:
        try:
            last_title = cooking.load_recipe(conn, last[1]).title
        except NotFound:
            last_title = f"recipe {last[1]}"
    return {
        "chosen": chosen,
        "shopping": shopping,
        "shopping_error": shopping_error,
        "last_cook": last,
        "last_cook_title": last_title,
    }


# ------------------------------------------------------------------ pages


def _amount(servings: float | None, scale: float | None) -> Amount:
    try:
        return Amount(servings=servings, scale=scale)
    except ValueError as exc:
        raise BadInput("give servings or scale, not both") from exc


def _card_context(
    state: AppState,
    conn: sqlite3.Connection,
    recipe_id: int,
    servings: float | None,
    scale: float | None,
    cooked: int | None = None,
    undone: bool = False,
) -> dict[str, Any]:
    card = card_for(conn, recipe_id, _amount(servings, scale))
    result = _load_cook(state, cooked, recipe_id) if cooked is not None else None
    last = cooking.last_cook(conn)
    return {
        "card": card,
        "labels": NUTRIENT_LABELS,
        "cooked": result,
        "cooked_undone": result is not None and cooking.is_undone(conn, result.cook_id),
        "undone": undone,
        "can_undo": last is not None,
        "last_is_this": last is not None and result is not None and last[0] == result.cook_id,
        "on_list": any(w.recipe_id == recipe_id for w in _selection(state)),
        "servings": servings,
        "scale": scale,
        "origin": load_origin(state, recipe_id),
    }


@pages.get("/kitchen/recipes/{recipe_id}", response_class=HTMLResponse)
def recipe_page(
    request: Request,
    state: State,
    conn: Conn,
    recipe_id: RecipeId,
    servings: Annotated[float | None, Query(gt=0, le=MAX_SERVINGS)] = None,
    scale: Annotated[float | None, Query(gt=0, le=MAX_SCALE)] = None,
    cooked: Annotated[int | None, Query(ge=1, le=MAX_ROWID)] = None,
    undone: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    context = _card_context(state, conn, recipe_id, servings, scale, cooked, undone)
    return render(request, "kitchen_recipe.html", context)


@pages.get("/kitchen/recipes/{recipe_id}/card", response_class=HTMLResponse)
def recipe_card_fragment(request: Request, state: State, conn: Conn, recipe_id: RecipeId) -> HTMLResponse:
    """The card alone, for the Kitchen page to show a generated recipe under its streamed text."""
    return render(request, "_recipe_card.html", _card_context(state, conn, recipe_id, None, None))


def _recipe_url(recipe_id: int, amount: Amount, **extra: int) -> str:
    query = {"servings": amount.servings, "scale": amount.scale, **extra}
    parts = [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in query.items() if v is not None]
    return f"/kitchen/recipes/{recipe_id}" + ("?" + "&".join(parts) if parts else "")


@pages.post("/kitchen/recipes/{recipe_id}/cook", response_model=None)
def recipe_cook(
    request: Request,
    state: State,
    conn: Conn,
    recipe_id: RecipeId,
    servings: Annotated[float | None, Form(gt=0, le=MAX_SERVINGS)] = None,
    scale: Annotated[float | None, Form(gt=0, le=MAX_SCALE)] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Cook, keep what it took and warned about, and show it on the card (a reload does not cook again)."""
    verify_csrf(request, csrf_token)
    amount = _amount(servings, scale)
    result = _cook(conn, recipe_id, amount)
    _save_cook(state, result)
    return RedirectResponse(_recipe_url(recipe_id, amount, cooked=result.cook_id), status_code=303)


@pages.post("/kitchen/undo", response_model=None)
def kitchen_undo(
    request: Request,
    conn: Conn,
    back: Annotated[Literal["kitchen", "recipe"], Form()] = "kitchen",
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    verify_csrf(request, csrf_token)
    undone = _undo(conn)
    if back == "recipe":
        return RedirectResponse(f"/kitchen/recipes/{undone.recipe_id}?undone=1", status_code=303)
    return RedirectResponse("/kitchen#cooking", status_code=303)


@pages.post("/kitchen/shopping", response_model=None)
def kitchen_shopping(
    request: Request,
    state: State,
    conn: Conn,
    recipe_id: Annotated[int, Form(ge=1, le=MAX_ROWID)],
    action: Annotated[Literal["add", "remove"], Form()],
    servings: Annotated[float | None, Form(gt=0, le=MAX_SERVINGS)] = None,
    scale: Annotated[float | None, Form(gt=0, le=MAX_SCALE)] = None,
    back: Annotated[Literal["kitchen", "recipe"], Form()] = "kitchen",
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Choose a recipe for the shopping list (with the amount shown on its card), or drop it."""
    verify_csrf(request, csrf_token)
    amount = _amount(servings, scale)
    if action == "add":
        cooking.plan(conn, recipe_id, amount.servings, amount.scale)  # unknown recipe or bad amount: refused
        _choose(state, recipe_id, amount)
    else:
        _choose(state, recipe_id, None)
    if back == "recipe":
        return RedirectResponse(_recipe_url(recipe_id, amount), status_code=303)
    return RedirectResponse("/kitchen#shopping", status_code=303)


@pages.get("/kitchen/shopping-list.{fmt}", response_model=None)
def shopping_download(state: State, conn: Conn, fmt: Literal["md", "csv"]) -> Response:
    """The chosen recipes' shopping list as a Markdown or CSV file."""
    chosen = _chosen_recipes(state, conn)
    items = _shopping(conn, [w for w, _ in chosen]) if chosen else []
    return _download(items, "markdown" if fmt == "md" else "csv")


__all__ = [
    "Amount",
    "Inspiration",
    "RecipeCard",
    "RecipeOrigin",
    "ShoppingItemOut",
    "api",
    "card_for",
    "kitchen_panels",
    "load_origin",
    "pages",
    "save_origin",
]
