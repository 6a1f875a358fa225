"""Recognising ingredients with a vision-capable OpenAI-compatible server.

How to choose (also in MODEL_CARD.md): the embedded recogniser is offline, about a second per photo,
and knows only the 81 products of the Grocery Store Dataset (fruit, vegetables, Swedish dairy and
juice cartons).  A vision server sees anything — leftovers, jars, brands it never trained on — at
the price of a server: GPT-4o-class models are accurate and fast over the network; llava or
moondream on Ollama and llama.cpp's server with ``--mmproj`` run locally but take seconds to
minutes per photo on a CPU, and small ones miss or invent items.  Either way the answer goes through
the same confirm-before-adding step.

The photo is re-encoded as a bounded JPEG (upright, EXIF stripped: no location leaves the machine)
and sent as an ``image_url`` content part; the answer is requested with the ingredient-list JSON
Schema and validated against it, with one retry that shows the model its mistake.
"""

from __future__ import annotations

import base64
import io
import os
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from localgenie.errors import SchemaViolation
from localgenie.llm import Backend, Message
from localgenie.structured import complete_details
from localgenie.vision.images import Photo, open_photo
from localgenie.vision.recognise import (
    LIKELY,
    MAYBE,
    Found,
    Recognition,
    merge_photos,
    merged,
    recognise,
)

SEND_SIDE = 1024  # enough detail for labels; a larger upload costs tokens and time
MAX_RETRIES = 1

SYSTEM = (
    "You list the food items visible in a photo of a fridge, shelf or counter, for a kitchen "
    "inventory. Name each distinct item once with a generic ingredient name a recipe would use "
    "(for example 'milk', 'red bell pepper', 'greek yogurt'), not a brand. Give a confidence from 0 "
    "to 1 and how many you can count. Leave out anything that is not food. Reply with JSON only."
)


class SeenItem(BaseModel):
    """One food item in the photo."""

    name: str = Field(min_length=1, max_length=80, description="generic ingredient name, lower case")
    confidence: float = Field(ge=0, le=1, description="0 to 1: how sure you are it is this food")
    count: int | None = Field(default=None, ge=0, description="how many are visible, if countable")


class PhotoIngredients(BaseModel):
    """Food items visible in the photo."""

    items: list[SeenItem] = Field(description="every distinct food item visible")


def vision_server_from_env() -> tuple[str, str | None, str | None] | None:
    """``GENIE_VISION_BASE_URL`` (+ ``GENIE_VISION_MODEL``, ``GENIE_API_KEY``), kept apart from the text
    server's ``GENIE_BASE_URL`` because a text-only model cannot take a photo."""
    url = os.environ.get("GENIE_VISION_BASE_URL")
    if not url:
        return None
    return url, os.environ.get("GENIE_VISION_MODEL"), os.environ.get("GENIE_API_KEY")


def photo_data_url(photo: Photo, max_side: int = SEND_SIDE) -> str:
    image = photo.image.copy()
    image.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)  # a fresh file: no EXIF, no GPS
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def ask_about_photo(backend: Backend, photo: Photo, *, max_retries: int = MAX_RETRIES) -> PhotoIngredients:
    """One photo → the server's schema-valid ingredient list, or `SchemaViolation` after the retries."""
    messages = [
        Message("system", SYSTEM),
        Message("user", "List the food items in this photo.", images=(photo_data_url(photo),)),
    ]
    try:
        answer = complete_details(
            messages, PhotoIngredients, backend=backend, max_retries=max_retries, max_tokens=800
        )
    except SchemaViolation as exc:
        raise SchemaViolation(
            f"{photo.source}: the vision server gave no schema-valid ingredient list: {exc}",
            errors=exc.errors,
            attempts=exc.attempts,
        ) from exc
    value: PhotoIngredients = answer.value
    return value


def recognise_remote(
    photos: Sequence[Path | str | Photo],
    backend: Backend,
    *,
    likely: float = LIKELY,
    maybe: float = MAYBE,
) -> Recognition:
    """The vision-server twin of `recognise`: the same `Recognition`, merged per ingredient name
    across photos, with `Recognition.by_photo` for each photo's own answer."""
    start = time.perf_counter()
    per_photo: list[tuple[str, list[Found]]] = []
    for item in photos:
        photo = item if isinstance(item, Photo) else open_photo(item)
        best: dict[str, Found] = {}
        counts: dict[str, int] = {}
        for seen in ask_about_photo(backend, photo).items:
            name = " ".join(seen.name.lower().split())
            if seen.confidence < maybe or not name:
                continue
            counts[name] = counts.get(name, 0) + 1
            if name in best and best[name].confidence >= seen.confidence:
                continue
            best[name] = Found(
                ingredient=name,
                confidence=seen.confidence,
                status="likely" if seen.confidence >= likely else "maybe",
                label=seen.name,
                coarse="",
                photo=photo.source,
                box=(0, 0, *photo.image.size),
                regions=0,
                quantity=seen.count,
            )
        per_photo.append((photo.source, merged(best, counts)))
    items = merge_photos([found for _, found in per_photo])
    return Recognition(items, len(photos), len(photos), time.perf_counter() - start, per_photo)


def recognise_configured(
    photos: Sequence[Path | str | Photo],
    *,
    multi: bool = True,
    server: tuple[str, str | None, str | None] | None = None,
) -> Recognition:
    """What `genie kitchen add --photo` and the web app run: the vision server ``server`` (url, model, key)
    or ``GENIE_VISION_BASE_URL`` when one is set, else the embedded recogniser."""
    server = server or vision_server_from_env()
    if server is None:
        return recognise(photos, multi=multi)
    from localgenie.llm.openai_compat import OpenAICompatBackend

    url, model, key = server
    return recognise_remote(photos, OpenAICompatBackend(url, api_key=key, model=model))
