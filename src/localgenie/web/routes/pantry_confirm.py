"""Adding to the pantry through one confirm step: photos are recognised (the API answers candidates; the
Kitchen page's form keeps them as a draft), and the page's plain words are read into a draft too.  A draft
is kept in the web database until its user stores the ticked items, edited or not, or discards it."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter
from starlette.datastructures import FormData

from localgenie.errors import BadInput, SchemaViolation
from localgenie.kitchen import pantry, units
from localgenie.kitchen.extraction import missed_parts
from localgenie.vision import Recognition

from .. import db, models
from ..deps import CSRF, AppState, KitchenConn, RowId, State, responses
from ..errors import NotFound, status_for
from ..pages import render
from ..photos import MAX_PHOTOS, display_name, recognise_uploads
from .kitchen import kitchen_page_with
from .pantry import parse_items, preview

api = APIRouter(prefix="/api", tags=["kitchen"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)

_DRAFTS = TypeAdapter(list[models.DraftItem])
UNIT_NAMES = sorted(unit.replace("_", " ") for unit in units.UNITS)  # offered on the confirm page


def candidates(result: Recognition, location: models.Location) -> list[models.Candidate]:
    return [
        models.Candidate(
            ingredient=found.ingredient,
            confidence=round(found.confidence, 4),
            status=found.status,
            seen_as=found.label,
            photo=found.photo,
            regions=found.regions,
            alternatives=[(name, round(p, 4)) for name, p in found.alternatives],
            item=models.ItemIn(name=found.ingredient, quantity=float(found.quantity or 1), location=location),
        )
        for found in result.items
    ]


# ------------------------------------------------------------------ API


@api.post(
    "/kitchen/recognize",
    response_model=models.RecognizeResponse,
    responses=responses(
        400, 404, 413, 415, 429, say={404: "no such item", 415: "not a photo (the first bytes decide)"}
    ),
)
async def recognize(
    state: State,
    photo: Annotated[list[UploadFile], File(description=f"1 to {MAX_PHOTOS} photos (JPEG, PNG, WebP…)")],
    location: Annotated[models.Location, Form(description="where the items will go")] = "fridge",
    single: Annotated[bool, Form(description="each photo shows one item (faster: no tiling)")] = False,
) -> models.RecognizeResponse:
    """Ingredients seen in photos, with confidences, to confirm: nothing is stored (post the chosen
    candidates' ``item`` to /api/pantry).  "maybe" candidates should only be kept when the user picks them."""
    result = await recognise_uploads(state, photo, multi=not single)
    return models.RecognizeResponse(
        candidates=candidates(result, location),
        photos=result.photos,
        regions=result.regions,
        seconds=result.seconds,
    )


# ------------------------------------------------------------------ pages: add, confirm, store


def _save_draft(state: AppState, source: str, items: list[models.DraftItem]) -> RedirectResponse:
    draft_id = db.add_draft(state.settings.web_db, source, _DRAFTS.dump_json(items).decode())
    return RedirectResponse(f"/kitchen/drafts/{draft_id}", status_code=303)


@pages.post("/kitchen/add", response_model=None)
async def kitchen_add(
    request: Request,
    state: State,
    conn: KitchenConn,
    text: Annotated[str, Form(max_length=5000)] = "",
    mode: Annotated[Literal["model", "lines"], Form()] = "lines",
    location: Annotated[models.Location, Form()] = "fridge",
) -> RedirectResponse | HTMLResponse:
    """Read the text, keep the result as a draft, and show it for confirmation (nothing stored yet).

    Unusable text is the user's to fix (400); an answer the model got wrong (`SchemaViolation`, e.g.
    `PantryNotUnderstood`) is the model's (422): both are shown on the form, the text kept."""
    try:
        items = await parse_items(state, text, mode, location)
    except (BadInput, SchemaViolation) as exc:
        return kitchen_page_with(request, state, conn, status_for(exc), add_error=str(exc), add_text=text)
    return _save_draft(state, text, [models.DraftItem(item=models.ItemIn.model_validate(i)) for i in items])


@pages.post("/kitchen/photo", response_model=None)
async def kitchen_photo(
    request: Request,
    state: State,
    conn: KitchenConn,
    photo: Annotated[list[UploadFile], File()],
    location: Annotated[models.Location, Form()] = "fridge",
) -> RedirectResponse | HTMLResponse:
    """Recognise the photos and show what was seen on the same confirm step as typed items."""
    try:
        result = await recognise_uploads(state, photo)
        if not result.items:
            raise BadInput("no ingredient recognised in the photo: add the items as text instead")
    except BadInput as exc:
        return kitchen_page_with(request, state, conn, status_for(exc), photo_error=str(exc))
    drafts = [
        models.DraftItem(
            item=c.item,
            keep=c.status == "likely",  # a maybe is stored only when the user ticks it
            status=c.status,
            confidence=c.confidence,
            seen_as=c.seen_as,
        )
        for c in candidates(result, location)
    ]
    names = ", ".join(sorted({display_name(p.filename) for p in photo}))
    return _save_draft(state, f"photo: {names}", drafts)


def _load_draft(state: AppState, draft_id: int) -> tuple[str, list[models.DraftItem]]:
    row = db.get_draft(state.settings.web_db, draft_id)
    if row is None:
        raise NotFound(f"no draft {draft_id}: it was stored or discarded already")
    text, items = row
    # Drafts saved before photo adds existed hold bare items.
    return text, _DRAFTS.validate_python([d if "item" in d else {"item": d} for d in json.loads(items)])


def _draft_page(
    request: Request, draft_id: int, text: str, drafts: list[models.DraftItem], error: str | None = None
) -> HTMLResponse:
    rows = []
    for draft in drafts:
        try:
            shown: models.PreviewItem | None = preview([draft.item.new_item()])[0]
        except BadInput:
            shown = None  # a rename the pantry refuses: shown as typed, the error says why
        rows.append({"draft": draft, "preview": shown})
    typed = not any(d.confidence is not None for d in drafts)  # photo drafts have no text to cover
    missed = missed_parts(text, [d.item.name for d in drafts]) if typed else []
    context = {
        "draft_id": draft_id,
        "text": text,
        "rows": rows,
        "error": error,
        "units": UNIT_NAMES,
        "missed": missed,
    }
    return render(request, "kitchen_confirm.html", context, status=400 if error else 200)


def _chosen(drafts: list[models.DraftItem], form: FormData) -> tuple[list[models.DraftItem], list[str]]:
    """The drafts as the confirm form left them (ticks, names, amounts, units, places), and what is wrong
    with the form's values; a field the form did not send keeps the drafted value."""
    kept = {str(v) for v in form.getlist("keep")}
    chosen, problems = [], []
    for n, draft in enumerate(drafts):
        item = draft.item

        def field(name: str, n: int = n) -> str | None:
            value = form.get(f"{name}-{n}")
            return None if value is None else " ".join(str(value).split())

        update: dict[str, Any] = {"name": field("name") or item.name}
        if len(update["name"]) > models.MAX_NAME:
            problems.append(
                f"item {n + 1}: a name of {len(update['name'])} characters is too long "
                f"(at most {models.MAX_NAME})"
            )
        if (quantity := field("quantity")) is not None:
            try:
                update["quantity"] = _quantity(quantity)
            except ValueError as exc:
                problems.append(f"item {n + 1}: {exc}")
        if (unit := field("unit")) is not None:
            update["unit"] = unit[:40] or None  # empty: a count ("3 carrots")
        if (location := field("location")) is not None:
            if location in get_args(models.Location):
                update["location"] = location
            else:
                problems.append(f"item {n + 1}: the place must be fridge, freezer or pantry")
        chosen.append(
            draft.model_copy(update={"keep": str(n) in kept, "item": item.model_copy(update=update)})
        )
    return chosen, problems


def _quantity(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"quantity {text!r} is not a number") from None
    if not 0 < value <= 1_000_000:
        raise ValueError(f"quantity {text} must be more than 0 (and at most 1,000,000)")
    return value


@pages.get("/kitchen/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(request: Request, state: State, draft_id: RowId) -> HTMLResponse:
    text, drafts = _load_draft(state, draft_id)
    return _draft_page(request, draft_id, text, drafts)


@pages.post("/kitchen/drafts/{draft_id}", response_model=None)
async def draft_decide(
    request: Request,
    state: State,
    conn: KitchenConn,
    draft_id: RowId,
    action: Annotated[Literal["store", "discard"], Form()],
) -> Response:
    """Store the ticked items as the form edited them (all ticked ones, or none if one is refused)."""
    text, drafts = _load_draft(state, draft_id)
    if action == "store":
        form = await request.form()
        if form.get("choose"):  # the confirm page's own form: the user's ticks and edits
            drafts, problems = _chosen(drafts, form)
            if problems:
                return _draft_page(request, draft_id, text, drafts, error="; ".join(problems))
        try:
            pantry.add_items(conn, [d.item.new_item() for d in drafts if d.keep])
        except BadInput as exc:
            return _draft_page(request, draft_id, text, drafts, error=str(exc))
    db.delete_draft(state.settings.web_db, draft_id)
    return RedirectResponse("/kitchen", status_code=303)


__all__ = ["api", "candidates", "pages"]
