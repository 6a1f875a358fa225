"""The shopping list: what is missing to cook the chosen recipes from the pantry, over HTTP and on the
Kitchen page (the recipes chosen there are kept in the web database)."""

from __future__ import annotations

import sqlite3
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from localgenie.errors import BadInput, NotFound
from localgenie.kitchen import cooking
from localgenie.kitchen.cooking import ShoppingItem
from localgenie.kitchen.db import MAX_ROWID

from .. import db, models
from ..deps import CSRF, AppState, KitchenConn, State, responses
from .recipes import ScaleForm, ServingsForm, amount, recipe_url

api = APIRouter(prefix="/api/kitchen", tags=["kitchen"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)


def shopping_items(conn: sqlite3.Connection, wanted: list[models.ShoppingRecipe]) -> list[ShoppingItem]:
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


@api.post(
    "/shopping-list",
    response_model=models.ShoppingResponse,
    responses=responses(
        400,
        404,
        say={404: "no such recipe"},
        ok={"content": {"text/markdown": {}, "text/csv": {}}, "description": "the list"},
    ),
)
def api_shopping_list(body: models.ShoppingRequest, conn: KitchenConn) -> Response | models.ShoppingResponse:
    """Everything missing to cook the recipes from the current pantry, summed per ingredient (units
    converted where they can be; staples never listed)."""
    items = shopping_items(conn, body.recipes)
    if body.format != "json":
        return _download(items, body.format)
    return models.ShoppingResponse(items=[models.ShoppingItemOut.model_validate(i) for i in items])


# ------------------------------------------------------------------ the selection (web database)


def _choose(state: AppState, recipe_id: int, how_much: models.Amount | None) -> None:
    """Put a recipe on the shopping list (again: with the new amount), or take it off (``how_much`` None)."""
    path = state.settings.web_db
    if how_much is None:
        db.shopping_remove(path, recipe_id)
        return
    if db.shopping_count(path, besides=recipe_id) >= models.MAX_LIST_RECIPES:
        raise BadInput(f"the shopping list holds at most {models.MAX_LIST_RECIPES} recipes: remove one first")
    db.shopping_put(path, recipe_id, how_much.servings, how_much.scale)


def _chosen_recipes(state: AppState, conn: sqlite3.Connection) -> list[tuple[models.ShoppingRecipe, str]]:
    """The selection with titles; recipes gone from the kitchen database (another GENIE_DB) are dropped."""
    out = []
    for recipe_id, servings, scale in db.shopping_selection(state.settings.web_db):
        try:
            title = cooking.load_recipe(conn, recipe_id).title
        except NotFound:
            _choose(state, recipe_id, None)
            continue
        out.append((models.ShoppingRecipe(recipe_id=recipe_id, servings=servings, scale=scale), title))
    return out


def panel(state: AppState, conn: sqlite3.Connection) -> dict[str, Any]:
    """What the Kitchen page's shopping panel shows: the chosen recipes and what to buy for them."""
    chosen = _chosen_recipes(state, conn)
    items: list[ShoppingItem] = []
    error = None
    if chosen:
        try:
            items = shopping_items(conn, [w for w, _ in chosen])
        except BadInput as exc:
            error = str(exc)
    return {"chosen": chosen, "shopping": items, "shopping_error": error}


@pages.post("/kitchen/shopping", response_model=None)
def kitchen_shopping(
    state: State,
    conn: KitchenConn,
    recipe_id: Annotated[int, Form(ge=1, le=MAX_ROWID)],
    action: Annotated[Literal["add", "remove"], Form()],
    servings: ServingsForm = None,
    scale: ScaleForm = None,
    back: Annotated[Literal["kitchen", "recipe"], Form()] = "kitchen",
) -> RedirectResponse:
    """Choose a recipe for the shopping list (with the amount shown on its card), or drop it."""
    how_much = amount(servings, scale)
    if action == "add":
        # An unknown recipe or an impossible amount is refused here, before it is chosen.
        cooking.plan(conn, recipe_id, how_much.servings, how_much.scale)
        _choose(state, recipe_id, how_much)
    else:
        _choose(state, recipe_id, None)
    if back == "recipe":
        return RedirectResponse(recipe_url(recipe_id, how_much), status_code=303)
    return RedirectResponse("/kitchen#shopping", status_code=303)


@pages.get("/kitchen/shopping-list.{fmt}", response_model=None)
def shopping_download(state: State, conn: KitchenConn, fmt: Literal["md", "csv"]) -> Response:
    """The chosen recipes' shopping list as a Markdown or CSV file."""
    chosen = _chosen_recipes(state, conn)
    items = shopping_items(conn, [w for w, _ in chosen]) if chosen else []
    return _download(items, "markdown" if fmt == "md" else "csv")


__all__ = ["api", "pages", "panel"]
