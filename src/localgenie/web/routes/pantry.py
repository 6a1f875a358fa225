"""The pantry over HTTP: list, add, change and remove items, and plain words read into items to confirm
(the Kitchen page's add-by-words and add-by-photo go through one confirm step, in `pantry_confirm`).
Every judgement is the library's (`localgenie.kitchen.pantry`); this module only translates."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

import localgenie
from localgenie.errors import BadInput
from localgenie.kitchen import pantry
from localgenie.kitchen.extraction import extract_pantry_items
from localgenie.kitchen.ingredients import parse_line
from localgenie.kitchen.pantry import NewItem
from localgenie.llm import Backend

from .. import models
from ..deps import CSRF, AppState, KitchenConn, RowId, State, responses

api = APIRouter(prefix="/api", tags=["kitchen"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)

# A small model on a short list stays within these; a looping one is cut off instead of running for minutes.
PANTRY_MAX_TOKENS = 384
PANTRY_MAX_RETRIES = 1
ERRORS = responses(400, 404, 429, say={404: "no such item"})


# ------------------------------------------------------------------ library calls


def preview(items: list[NewItem]) -> list[models.PreviewItem]:
    """What the pantry would record; raises BadInput naming the item when one cannot be stored."""
    today = date.today()
    return [models.PreviewItem.model_validate(pantry.validate(item, today)) for item in items]


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
            bounded = partial(
                localgenie.extract_details,
                backend=backend,
                max_tokens=PANTRY_MAX_TOKENS,
                max_retries=PANTRY_MAX_RETRIES,
            )
            return extract_pantry_items(text, bounded)

        items = await state.queue.run(work, kind="pantry")
    preview(items)
    return items


# ------------------------------------------------------------------ API


@api.get("/pantry", response_model=list[models.ItemOut])
def list_pantry(conn: KitchenConn) -> list[models.ItemOut]:
    """Pantry items, soonest expiry first (unknown expiry last)."""
    return [models.ItemOut.model_validate(i) for i in pantry.list_items(conn)]


@api.post("/pantry", response_model=list[models.ItemOut], status_code=201, responses=ERRORS)
def add_pantry(body: models.AddItems, conn: KitchenConn) -> list[models.ItemOut]:
    """Store items (all or nothing); expiry is estimated from USDA FoodKeeper when not given."""
    return [
        models.ItemOut.model_validate(i) for i in pantry.add_items(conn, [i.new_item() for i in body.items])
    ]


@api.post("/pantry/parse", response_model=models.ParseResponse, responses=ERRORS)
async def parse_pantry(body: models.ParseRequest, state: State) -> models.ParseResponse:
    """Plain words → items to confirm (nothing is stored: post ``items`` to /api/pantry to keep them)."""
    items = await parse_items(state, body.text, body.mode, body.location)
    return models.ParseResponse(
        items=[models.ItemIn.model_validate(i) for i in items], preview=preview(items)
    )


@api.get("/pantry/{item_id:int}", response_model=models.ItemOut, responses=ERRORS)
def get_pantry_item(item_id: RowId, conn: KitchenConn) -> models.ItemOut:
    return models.ItemOut.model_validate(pantry.get_item(conn, item_id))


@api.patch("/pantry/{item_id:int}", response_model=models.ItemOut, responses=ERRORS)
def patch_pantry_item(item_id: RowId, body: models.ItemPatch, conn: KitchenConn) -> models.ItemOut:
    """Change an item's name, amount, unit, place, opened state or expiry (checked as adding checks;
    nothing changes when any field is refused)."""
    return models.ItemOut.model_validate(
        pantry.update_item(conn, item_id, **body.model_dump(exclude_none=True))
    )


@api.delete("/pantry/{item_id:int}", response_model=models.ItemOut, responses=ERRORS)
def delete_pantry_item(
    item_id: RowId,
    conn: KitchenConn,
    quantity: Annotated[float | None, Query(gt=0, le=1_000_000, description="remove only this much")] = None,
) -> models.ItemOut:
    """Remove an item, or only ``quantity`` of it; answers with the item as it was."""
    return models.ItemOut.model_validate(pantry.remove_item(conn, str(item_id), quantity))


# ------------------------------------------------------------------ pages


@pages.post("/kitchen/items/{item_id}/remove", response_model=None)
def kitchen_remove(conn: KitchenConn, item_id: RowId) -> RedirectResponse:
    pantry.remove_item(conn, str(item_id))
    return RedirectResponse("/kitchen", status_code=303)


__all__ = ["api", "pages", "parse_items", "preview"]
