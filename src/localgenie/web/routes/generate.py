"""A new recipe written by the model for the pantry (`localgenie.kitchen.generate`), streamed as it forms:
``POST /api/kitchen/generate`` answers server-sent events (`..streaming`), and the Kitchen page's Generate
button reads them.

The events are ``status`` lines, ``partial`` (the recipe so far: `localgenie.Partial.as_json`, so the
page shows the title, then each ingredient and step as it completes, never raw JSON), then ``recipe``
(the stored, checked recipe and its card) or ``error``.  A model that goes round in circles is stopped
at the third copy of an ingredient or step and retried; if every attempt loops, the ``error`` event
says so in words, and ``variant`` on the next request asks for a different try.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sse_starlette.sse import EventSourceResponse

from localgenie.errors import BadInput
from localgenie.kitchen import db as kitchen_db
from localgenie.kitchen.generate import EventFn, GeneratedRecipe, generate_recipe
from localgenie.kitchen.suggest import Filters
from localgenie.llm import Backend

from .. import models
from ..deps import CSRF, AppState, State, responses
from ..streaming import Channel, Event
from .recipes import card_for, save_origin

api = APIRouter(prefix="/api/kitchen", tags=["kitchen"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)
SHOWN_EVENTS = ("status", "partial")  # "text" (the raw JSON) is for the CLI's --verbose, not for a page


def _result(conn: sqlite3.Connection, model: str, generated: GeneratedRecipe) -> models.GeneratedOut:
    return models.GeneratedOut(
        model=model,
        recipe_id=generated.recipe_id,
        card=card_for(conn, generated.recipe_id, models.Amount()),
        recipe=generated.recipe,
        problems=generated.check.problems,
        warnings=generated.check.warnings,
        notes=generated.notes,
        tips=generated.recipe.tips,
        inspired_by=[models.Inspiration(recipe_id=i, title=t) for i, t in generated.inspired_by],
        shopping=[models.ShoppingItemOut.model_validate(s) for s in generated.shopping],
        attempts=generated.attempts,
        seconds=round(generated.seconds, 2),
    )


def _start(
    state: AppState, body: models.GenerateRequest, emit: EventFn
) -> asyncio.Future[models.GeneratedOut]:
    """Queue the generation (`QueueFull` at once when the line is full)."""
    filters = Filters(frozenset(body.diets), tuple(body.exclude), body.max_minutes)

    def shown(kind: str, data: str) -> None:
        if kind in SHOWN_EVENTS:
            emit(kind, data)

    def work(backend: Backend) -> models.GeneratedOut:
        # The library's first status line comes before any model work, and raises `Cancelled` if the
        # client has already gone.
        conn = kitchen_db.connect(state.settings.kitchen_db)
        try:
            generated = generate_recipe(
                conn,
                backend,
                use=body.use,
                servings=body.servings,
                filters=filters,
                on_event=shown,
                variant=body.variant,
            )
            out = _result(conn, state.queue.model, generated)
        finally:
            conn.close()
        save_origin(state, out.recipe_id, models.RecipeOrigin.model_validate(out.model_dump()))
        return out

    return state.queue.submit(work, kind="recipe")


@api.post(
    "/generate",
    responses=responses(
        400,
        429,
        say={400: "bad input: empty pantry, an item to use that is not in it"},
        ok={
            "content": {"text/event-stream": {}},
            "description": "events: status (a line), partial (the recipe so far: {attempt, value, "
            "complete, partial} with JSON pointers), then recipe (GeneratedOut as JSON) or error "
            "({status, error, message})",
        },
    ),
)
async def api_generate(body: models.GenerateRequest, state: State) -> EventSourceResponse:
    """Write a new recipe for the pantry with the model, grounded on the best-matching imported recipes and
    checked by code; stored, so it can be cooked (``/cook`` with its ``recipe_id``) and shopped for."""
    channel: Channel[models.GeneratedOut] = Channel()
    future = _start(state, body, channel.emit)

    def last(out: models.GeneratedOut) -> Event:
        return {"event": "recipe", "data": out.model_dump_json()}

    return await channel.respond(state.queue, future, last)


@pages.post("/kitchen/generate", response_model=None)
async def kitchen_generate(
    state: State,
    use: Annotated[str, Form(max_length=600)] = "",
    servings: Annotated[int, Form(ge=1, le=24)] = 2,
) -> RedirectResponse:
    """Without JavaScript: write the recipe, then show its card (the page scripts stream it instead)."""
    wanted = [w.strip() for w in use.split(",") if w.strip()]
    try:
        body = models.GenerateRequest(use=wanted, servings=servings)
    except ValidationError as exc:
        raise BadInput(f"cannot write that recipe: {exc.errors()[0]['msg']}") from None
    out = await _start(state, body, lambda kind, data: None)
    return RedirectResponse(f"/kitchen/recipes/{out.recipe_id}", status_code=303)


__all__ = ["api", "pages"]
