"""Recipe cards and cooking with undo, over HTTP and on the Kitchen page.

Every number here comes from `localgenie.kitchen` (amounts from the cook plan, nutrition from USDA SR26,
sums from `cooking.aggregate`); this module only translates.  What a cook took and warned about is kept
in the web database, so the card shows it again after a reload.
"""

from __future__ import annotations

import sqlite3
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from localgenie.errors import BadInput, NotFound
from localgenie.kitchen import cooking
from localgenie.kitchen.cooking import CookPlan, Need
from localgenie.kitchen.db import MAX_ROWID
from localgenie.kitchen.nutrition import NUTRIENTS, recipe_nutrition

from .. import db, models
from ..deps import CSRF, AppState, KitchenConn, RowId, State, responses
from ..pages import render

api = APIRouter(prefix="/api/kitchen", tags=["kitchen"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)

NUTRIENT_LABELS = {
    "kcal": "energy (kcal)",
    "protein_g": "protein (g)",
    "fat_g": "fat (g)",
    "carbs_g": "carbohydrate (g)",
    "fiber_g": "fibre (g)",
    "sugar_g": "sugars (g)",
    "sodium_mg": "sodium (mg)",
}
ERRORS = responses(400, 404, say={404: "no such recipe"})
ServingsQuery = Annotated[float | None, Query(gt=0, le=models.MAX_SERVINGS)]
ScaleQuery = Annotated[float | None, Query(gt=0, le=models.MAX_SCALE)]
ServingsForm = Annotated[float | None, Form(gt=0, le=models.MAX_SERVINGS)]
ScaleForm = Annotated[float | None, Form(gt=0, le=models.MAX_SCALE)]


# ------------------------------------------------------------------ library calls


def amount(servings: float | None, scale: float | None) -> models.Amount:
    try:
        return models.Amount(servings=servings, scale=scale)
    except ValueError as exc:
        raise BadInput("give servings or scale, not both") from exc


def shopping_list(needs: list[Need]) -> list[models.ShoppingItemOut]:
    return [models.ShoppingItemOut.model_validate(item) for item in cooking.aggregate(needs)]


def card_for(conn: sqlite3.Connection, recipe_id: int, how_much: models.Amount) -> models.RecipeCard:
    """The recipe card: every number from the library (cook plan, SR26 nutrition, aggregated needs)."""
    plan = cooking.plan(conn, recipe_id, how_much.servings, how_much.scale)
    recipe = plan.recipe
    count = recipe.servings or 1.0
    # Per serving does not depend on how much is cooked: computed on the recipe as written.
    nutrition = recipe_nutrition([(x.text, x.quantity, x.unit, x.key) for x in recipe.lines], count)
    return models.RecipeCard(
        id=recipe.id,
        title=recipe.title,
        servings=recipe.servings,
        total_time_min=recipe.total_time_min,
        factor=plan.factor,
        cook_servings=how_much.servings or (recipe.servings * plan.factor if recipe.servings else None),
        ingredients=[
            models.IngredientOut(
                text=line.text,
                ingredient=line.key or None,
                quantity=None if line.quantity is None else line.quantity * plan.factor,
                unit=line.unit,
                mark=mark,  # type: ignore[arg-type]
            )
            for line, mark in zip(recipe.lines, plan.marks, strict=True)
        ],
        directions=recipe.directions,
        nutrition=models.NutritionOut(
            servings=count,
            servings_known=bool(recipe.servings),
            per_serving={n: round(nutrition.per_serving[n], 1) for n in NUTRIENTS},
            counted=len(nutrition.lines) - len(nutrition.unmatched),
            unmatched=[models.UnmatchedOut.model_validate(x) for x in nutrition.unmatched],
        ),
        missing=shopping_list(plan.needs),
        warnings=plan.warnings,
    )


def _cook(conn: sqlite3.Connection, recipe_id: int, how_much: models.Amount) -> models.CookResponse:
    cook_id, plan = cooking.cook(conn, recipe_id, how_much.servings, how_much.scale)
    return models.CookResponse(
        cook_id=cook_id,
        recipe_id=recipe_id,
        title=plan.recipe.title,
        factor=plan.factor,
        taken=_taken(plan),
        warnings=plan.warnings,
        missing=shopping_list(plan.needs),
    )


def _taken(plan: CookPlan) -> list[models.TakenOut]:
    """One line per pantry item (a recipe may take the same eggs on two lines)."""
    out: dict[int, models.TakenOut] = {}
    for item, take in plan.takes:
        entry = out.setdefault(
            item.id, models.TakenOut(item_id=item.id, name=item.name, quantity=0, unit=item.unit, left=0)
        )
        entry.quantity += take
        entry.left = max(0.0, item.quantity - entry.quantity)
    return list(out.values())


def _undo(conn: sqlite3.Connection) -> models.UndoResponse:
    recipe_id = cooking.undo(conn)
    try:
        title: str | None = cooking.load_recipe(conn, recipe_id).title
    except NotFound:
        title = None
    return models.UndoResponse(recipe_id=recipe_id, title=title)


def save_origin(state: AppState, recipe_id: int, origin: models.RecipeOrigin) -> None:
    db.put_generated(state.settings.web_db, recipe_id, origin.model_dump_json())


def load_origin(state: AppState, recipe_id: int) -> models.RecipeOrigin | None:
    """None for a recipe the model did not write here (imported, or written by the CLI)."""
    stored = db.get_generated(state.settings.web_db, recipe_id)
    return None if stored is None else models.RecipeOrigin.model_validate_json(stored)


# ------------------------------------------------------------------ API


@api.get("/recipes/{recipe_id:int}", response_model=models.RecipeCard, responses=ERRORS)
def recipe_card(
    recipe_id: RowId, conn: KitchenConn, servings: ServingsQuery = None, scale: ScaleQuery = None
) -> models.RecipeCard:
    """A recipe with each ingredient marked against the pantry, directions, and nutrition per serving
    (USDA SR26; lines that cannot be matched or weighed are listed, not guessed)."""
    return card_for(conn, recipe_id, amount(servings, scale))


@api.post("/cook", response_model=models.CookResponse, responses=ERRORS)
def api_cook(body: models.CookRequest, conn: KitchenConn) -> models.CookResponse:
    """Take a recipe's ingredients out of the pantry in one transaction (``/undo`` reverts it).  Amounts
    whose units cannot be converted are left alone and reported in ``warnings``, never guessed."""
    return _cook(conn, body.recipe_id, body)


@api.post("/undo", response_model=models.UndoResponse, responses=responses(409, say={409: "nothing to undo"}))
def api_undo(conn: KitchenConn) -> models.UndoResponse:
    """Undo the most recent cook: the pantry gets back exactly what it took."""
    return _undo(conn)


# ------------------------------------------------------------------ pages


def recipe_url(recipe_id: int, how_much: models.Amount, **extra: int) -> str:
    query = {"servings": how_much.servings, "scale": how_much.scale, **extra}
    parts = [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in query.items() if v is not None]
    return f"/kitchen/recipes/{recipe_id}" + ("?" + "&".join(parts) if parts else "")


def _card_context(
    state: AppState,
    conn: sqlite3.Connection,
    recipe_id: int,
    servings: float | None,
    scale: float | None,
    cooked: int | None = None,
    undone: bool = False,
) -> dict[str, Any]:
    card = card_for(conn, recipe_id, amount(servings, scale))
    stored = db.get_cook_result(state.settings.web_db, cooked, recipe_id) if cooked is not None else None
    result = None if stored is None else models.CookResponse.model_validate_json(stored)
    last = cooking.last_cook(conn)
    return {
        "card": card,
        "labels": NUTRIENT_LABELS,
        "cooked": result,
        "cooked_undone": result is not None and cooking.is_undone(conn, result.cook_id),
        "undone": undone,
        "can_undo": last is not None,
        "last_is_this": last is not None and result is not None and last[0] == result.cook_id,
        "on_list": any(chosen == recipe_id for chosen, _, _ in db.shopping_selection(state.settings.web_db)),
        "servings": servings,
        "scale": scale,
        "origin": load_origin(state, recipe_id),
    }


@pages.get("/kitchen/recipes/{recipe_id}", response_class=HTMLResponse)
def recipe_page(
    request: Request,
    state: State,
    conn: KitchenConn,
    recipe_id: RowId,
    servings: ServingsQuery = None,
    scale: ScaleQuery = None,
    cooked: Annotated[int | None, Query(ge=1, le=MAX_ROWID)] = None,
    undone: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    context = _card_context(state, conn, recipe_id, servings, scale, cooked, undone)
    return render(request, "kitchen_recipe.html", context)


@pages.get("/kitchen/recipes/{recipe_id}/card", response_class=HTMLResponse)
def recipe_card_fragment(request: Request, state: State, conn: KitchenConn, recipe_id: RowId) -> HTMLResponse:
    """The card alone, for the Kitchen page to show a generated recipe under its streamed text."""
    return render(request, "_recipe_card.html", _card_context(state, conn, recipe_id, None, None))


@pages.post("/kitchen/recipes/{recipe_id}/cook", response_model=None)
def recipe_cook(
    state: State, conn: KitchenConn, recipe_id: RowId, servings: ServingsForm = None, scale: ScaleForm = None
) -> RedirectResponse:
    """Cook, keep what it took and warned about, and show it on the card (a reload does not cook again)."""
    how_much = amount(servings, scale)
    result = _cook(conn, recipe_id, how_much)
    db.put_cook_result(state.settings.web_db, result.cook_id, recipe_id, result.model_dump_json())
    return RedirectResponse(recipe_url(recipe_id, how_much, cooked=result.cook_id), status_code=303)


@pages.post("/kitchen/undo", response_model=None)
def kitchen_undo(
    conn: KitchenConn, back: Annotated[Literal["kitchen", "recipe"], Form()] = "kitchen"
) -> RedirectResponse:
    undone = _undo(conn)
    if back == "recipe":
        return RedirectResponse(f"/kitchen/recipes/{undone.recipe_id}?undone=1", status_code=303)
    return RedirectResponse("/kitchen#cooking", status_code=303)


__all__ = ["amount", "api", "card_for", "load_origin", "pages", "recipe_url", "save_origin"]
