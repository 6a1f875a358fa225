"""The review of a kept Extract run (`localgenie.review`): shown under the result on the run's page,
and as one self-contained file at ``/extract/{id}/review.html``; its stylesheet is ``/review.css`` (the
app's Content-Security-Policy allows no inline style, so the page links it).

A run keeps its leaves' spans and confidence (`stored`).  For a run kept before reviews were, the spans
are found again from its text by the same code that finds them at extraction time; its confidence was
not kept and shows as "none reported".
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from localgenie import Extraction
from localgenie.review import DOCUMENT_CSP, REVIEW_CSS, Review, review_fragment, review_html
from localgenie.structured.grounding import ground

from .. import db
from ..deps import CSRF, RowId, State
from ..errors import NotFound

pages = APIRouter(include_in_schema=False, dependencies=CSRF)

REVIEW_FILE = "genie-review-{run_id}.html"


def stored(result: Extraction[Any]) -> str:
    """What a run keeps for its review: ``{"spans": {pointer: [start, end] | null}, "confidence":
    {pointer: [min, mean, tokens]}}`` as JSON text."""
    spans = {pointer: None if span is None else list(span) for pointer, span in result.spans.items()}
    confidence = {pointer: [c.min, c.mean, c.tokens] for pointer, c in result.confidence.items()}
    return json.dumps({"spans": spans, "confidence": confidence}, ensure_ascii=False)


def review_of(run: db.ExtractionRun) -> Review | None:
    """The run's review, or None for a run with no value."""
    if run.value is None:
        return None
    value = json.loads(run.value)
    if run.review is None:
        return Review.of((value, ground(run.text, value), {}))
    kept = json.loads(run.review)
    return Review.of((value, kept.get("spans") or {}, kept.get("confidence") or {}))


def fragment(run: db.ExtractionRun | None) -> Markup | None:
    """The review as HTML for the run's page (every text and value in it escaped by the renderer)."""
    review = None if run is None else review_of(run)
    if run is None or review is None:
        return None
    return Markup(review_fragment(run.text, review))  # built escaped by localgenie.review


@pages.get("/review.css")
def review_css() -> Response:
    return Response(REVIEW_CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@pages.get("/extract/{run_id}/review.html", response_class=HTMLResponse)
def review_file(
    run_id: RowId,
    state: State,
    download: Annotated[bool, Query(description="as a file to save (an attachment)")] = False,
) -> HTMLResponse:
    """The run's review as the file `genie extract --html` writes: its own styles, no script."""
    run = db.get_extraction(state.settings.web_db, run_id)
    review = None if run is None else review_of(run)
    if run is None or review is None:
        raise NotFound(f"no extraction {run_id} with a value to review")
    html = review_html(run.text, review, title=f"Genie review · extraction #{run_id}")
    headers = {"Content-Security-Policy": f"{DOCUMENT_CSP}; frame-ancestors 'self'"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{REVIEW_FILE.format(run_id=run_id)}"'
    return HTMLResponse(html, headers=headers)
