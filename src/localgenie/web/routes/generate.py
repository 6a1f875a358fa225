"""A new recipe written by the model for the pantry (`localgenie.kitchen.generate`), streamed as it is
written: ``POST /api/kitchen/generate`` answers server-sent events, and the Kitchen page's Generate button
reads them.

The request takes its place in the model's line before anything is sent, so a full line is a plain 429.
Bad input (an empty pantry, an ingredient to use that is not there) is found by the library in its first
instant, so the response waits briefly for the first event: a request that fails at once gets its real
status code; one that has to wait for the model starts streaming ("waiting for the model") and reports a
later failure as an ``error`` event.  A client that goes away stops the generation at the next chunk, so
the model is free again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sse_starlette.sse import EventSourceResponse

from localgenie.errors import BadInput
from localgenie.kitchen import db as kitchen_db
from localgenie.kitchen.generate import GeneratedRecipe, generate_recipe
from localgenie.kitchen.suggest import Filters
from localgenie.llm import Backend

from .. import models
from ..deps import CSRF, AppState, State, responses
from ..errors import error_body, status_for
from .recipes import card_for, save_origin

api = APIRouter(prefix="/api/kitchen", tags=["kitchen"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)
log = logging.getLogger("localgenie.web")

FIRST_EVENT_SECONDS = 2.0  # how long a request waits for the library's first word before streaming


class Cancelled(Exception):
    """The client went away: stop writing."""


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
    state: AppState, body: models.GenerateRequest, on_event: Any, cancelled: threading.Event
) -> asyncio.Future[models.GeneratedOut]:
    """Queue the generation (`QueueFull` at once when the line is full)."""
    filters = Filters(frozenset(body.diets), tuple(body.exclude), body.max_minutes)

    def emit(kind: str, data: str) -> None:
        if cancelled.is_set():
            raise Cancelled
        on_event(kind, data)

    def work(backend: Backend) -> models.GeneratedOut:
        if cancelled.is_set():
            raise Cancelled
        conn = kitchen_db.connect(state.settings.kitchen_db)
        try:
            generated = generate_recipe(
                conn, backend, use=body.use, servings=body.servings, filters=filters, on_event=emit
            )
            out = _result(conn, state.queue.model, generated)
        finally:
            conn.close()
        save_origin(state, out.recipe_id, models.RecipeOrigin.model_validate(out.model_dump()))
        return out

    future = state.queue.submit(work, kind="recipe")
    # Collected here so an abandoned generation (client gone) does not log "exception never retrieved".
    future.add_done_callback(lambda f: f.cancelled() or f.exception())
    return future


Event = dict[str, str]


async def _either(
    getter: asyncio.Future[Event], work: asyncio.Future[models.GeneratedOut], timeout: float | None = None
) -> None:
    """Wait until the next event arrives or the work ends (events first: the work's own completion is
    delivered after every event it sent, in order, by the event loop)."""
    waiters: set[asyncio.Future[Any]] = {getter, work}
    if not getter.done():
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)


def _error(exc: Exception) -> dict[str, Any]:
    status = status_for(exc)
    if status == 500:
        log.exception("generation failed", exc_info=exc)
        return {
            "status": 500,
            "error": "InternalError",
            "message": "internal error: the server log has the details",
        }
    return {"status": status, **error_body(exc)}


@api.post(
    "/generate",
    responses=responses(
        400,
        429,
        say={400: "bad input: empty pantry, an item to use that is not in it"},
        ok={
            "content": {"text/event-stream": {}},
            "description": "events: status (a line), text (the model's JSON as it is written), then "
            "recipe (GeneratedOut as JSON) or error ({status, error, message})",
        },
    ),
)
async def api_generate(body: models.GenerateRequest, state: State) -> EventSourceResponse:
    """Write a new recipe for the pantry with the model, grounded on the best-matching imported recipes and
    checked by code; stored, so it can be cooked (``/cook`` with its ``recipe_id``) and shopped for."""
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[Event] = asyncio.Queue()
    cancelled = threading.Event()

    def on_event(kind: str, data: str) -> None:
        loop.call_soon_threadsafe(events.put_nowait, {"event": kind, "data": data})

    future = _start(state, body, on_event, cancelled)
    first: asyncio.Future[Event] = asyncio.ensure_future(events.get())
    await _either(first, future, timeout=FIRST_EVENT_SECONDS)
    if future.done() and not first.done() and future.exception() is not None:
        first.cancel()
        future.result()  # raises: the error handlers answer with the right status code
    waiting = state.queue.pending - 1

    async def stream() -> AsyncIterator[Event]:
        getter = first
        try:
            if not getter.done():
                yield {"event": "status", "data": f"waiting for the model ({waiting} ahead)"}
            while True:
                await _either(getter, future)
                if not getter.done():  # finished: every event it sent is queued already
                    break
                yield getter.result()
                getter = asyncio.ensure_future(events.get())
            getter.cancel()
            while not events.empty():
                yield events.get_nowait()
            try:
                out = future.result()
            except Exception as exc:  # the response has started: the failure becomes the last event
                yield {"event": "error", "data": json.dumps(_error(exc))}
            else:
                yield {"event": "recipe", "data": out.model_dump_json()}
        finally:
            cancelled.set()  # the client left (or the stream ended): stop at the next chunk
            getter.cancel()

    return EventSourceResponse(stream(), ping=15, sep="\n")


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
    out = await _start(state, body, lambda kind, data: None, threading.Event())
    return RedirectResponse(f"/kitchen/recipes/{out.recipe_id}", status_code=303)


__all__ = ["api", "pages"]
