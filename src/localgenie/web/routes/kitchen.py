"""The Kitchen page, recipe suggestions, menu orders and the recipe corpus import (the pantry is in
`pantry`, recipe cards and cooking in `recipes`, the shopping list in `shopping`).  Every judgement is the
library's (`localgenie.kitchen`); this module only translates."""

from __future__ import annotations

import json
import sqlite3
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

import localgenie
from localgenie.config import shared_data_dir
from localgenie.errors import BadInput
from localgenie.kitchen import cooking, corpus, pantry
from localgenie.kitchen import db as kitchen_db
from localgenie.kitchen.order import Menu, load_menu, order_from_text
from localgenie.kitchen.suggest import Filters, expired_items, suggest

from .. import models
from ..deps import CSRF, AppState, KitchenConn, State, responses
from ..errors import NotFound
from ..jobs import Handler, Job, Progress
from ..pages import render
from . import shopping

api = APIRouter(prefix="/api", tags=["kitchen"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)

IMPORT_KIND = "kitchen-import"
ERRORS = responses(400, 404, 429, say={404: "no such item"})


def _menu(state: AppState, given: models.MenuIn | None) -> Menu:
    if given is not None:
        menu = Menu.model_validate_json(given.model_dump_json())
        for item in menu.items:
            if item.price is None and not item.sizes:
                raise BadInput(f"menu item {item.name!r} has neither a price nor sizes")
        return menu
    if state.settings.menu_path is None:
        raise BadInput("this server has no menu: set GENIE_MENU to a menu TOML file, or send one as 'menu'")
    return load_menu(state.settings.menu_path)


def _suggest(conn: sqlite3.Connection, filters: Filters, limit: int) -> models.SuggestResponse:
    return models.SuggestResponse(
        suggestions=[models.SuggestionOut.model_validate(s) for s in suggest(conn, filters, limit=limit)],
        expired=[models.ItemOut.model_validate(i) for i in expired_items(conn)],
    )


# ------------------------------------------------------------------ API


@api.post("/kitchen/suggest", response_model=models.SuggestResponse, responses=ERRORS)
def api_suggest(body: models.SuggestRequest, conn: KitchenConn) -> models.SuggestResponse:
    """Recipes that use up the pantry, what spoils first counting most."""
    return _suggest(conn, Filters(frozenset(body.diets), tuple(body.exclude), body.max_minutes), body.limit)


@api.post("/order", response_model=models.OrderResponse, responses=ERRORS)
async def api_order(body: models.OrderRequest, state: State) -> models.OrderResponse:
    """A spoken-style order → menu lines priced by code (unknown items are problems, never charged)."""
    menu = _menu(state, body.menu)
    if not body.text.strip():
        raise BadInput("the order text is empty")
    order, priced = await state.queue.run(
        lambda backend: order_from_text(
            body.text, menu, partial(localgenie.extract_details, backend=backend)
        ),
        kind="order",
    )
    return models.OrderResponse(
        order=[models.OrderLineOut.model_validate(line) for line in order.lines],
        lines=[models.PricedLineOut.model_validate(line) for line in priced.lines],
        total=str(priced.total),
        currency=priced.currency,
        problems=priced.problems,
        corrections=priced.corrections,
    )


# ------------------------------------------------------------------ corpus import job


def import_handler(state: AppState) -> Handler:
    def run(job: Job, progress: Progress) -> str:
        shared = shared_data_dir()
        path = shared / "recipes" / "recipes.jsonl.gz" if shared else None
        if path is None or not path.is_file():
            raise BadInput("the shared recipe corpus is not here: set GENIE_SHARED_DATA")
        conn = kitchen_db.connect(state.settings.kitchen_db)
        try:
            report = corpus.import_file(conn, path, lambda frac, rows: progress("import", rows, 0, frac))
        finally:
            conn.close()
        return json.dumps({"added": report.added, "duplicates": report.duplicates, "skipped": report.skipped})

    return run


# ------------------------------------------------------------------ page


def _last_cook(conn: sqlite3.Connection) -> tuple[tuple[int, int] | None, str | None]:
    """The cook that Undo reverts, and its recipe's title."""
    last = cooking.last_cook(conn)
    if last is None:
        return None, None
    try:
        return last, cooking.load_recipe(conn, last[1]).title
    except NotFound:
        return last, f"recipe {last[1]}"


def kitchen_page_with(
    request: Request, state: AppState, conn: sqlite3.Connection, status: int = 200, **shown: Any
) -> HTMLResponse:
    """The Kitchen page, with ``shown`` over its defaults (an add's error and text, suggestions)."""
    imports = state.jobs.recent(IMPORT_KIND, limit=1)
    last, last_title = _last_cook(conn)
    context: dict[str, Any] = {
        "items": pantry.list_items(conn),
        "has_recipes": conn.execute("SELECT 1 FROM recipes LIMIT 1").fetchone() is not None,
        "import_job": imports[0] if imports else None,
        "diets": list(corpus.DIETS),
        "suggestions": None,
        "suggest_error": None,
        "chosen_diets": [],
        "add_error": None,
        "add_text": "",
        "photo_error": None,
        "model": state.queue.model,
        "last_cook": last,
        "last_cook_title": last_title,
        **shopping.panel(state, conn),
        **shown,
    }
    return render(request, "kitchen.html", context, status=status)


@pages.get("/kitchen", response_class=HTMLResponse)
def kitchen_page(
    request: Request,
    state: State,
    conn: KitchenConn,
    diet: Annotated[list[str] | None, Query()] = None,
    suggest_now: Annotated[bool, Query(alias="suggest")] = False,
) -> HTMLResponse:
    if not suggest_now:
        return kitchen_page_with(request, state, conn)
    chosen = [d for d in diet or [] if d in corpus.DIETS]
    try:
        found = _suggest(conn, Filters(frozenset(chosen)), 10)
    except BadInput as exc:
        return kitchen_page_with(request, state, conn, chosen_diets=chosen, suggest_error=str(exc))
    return kitchen_page_with(request, state, conn, chosen_diets=chosen, suggestions=found)


@pages.post("/kitchen/import", response_model=None)
def kitchen_import(state: State) -> RedirectResponse:
    state.runner.submit(IMPORT_KIND, "recipe corpus import", {})
    return RedirectResponse("/kitchen", status_code=303)


__all__ = ["IMPORT_KIND", "api", "import_handler", "kitchen_page_with", "pages"]
