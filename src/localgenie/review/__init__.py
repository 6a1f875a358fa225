"""The review of one extraction, as HTML: the text with every value found in it highlighted in its
field's colour, and a table of every value (where it stands, or "not in the text", and how sure the
model was).  One renderer for `genie extract --html` (a self-contained file) and the web Extract page
(a fragment and a stylesheet)."""

from __future__ import annotations

from .render import DEFAULT_MIN_CONFIDENCE, Review, review_fragment, review_html
from .style import DOCUMENT_CSP, REVIEW_CSS

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "DOCUMENT_CSP",
    "REVIEW_CSS",
    "Review",
    "review_fragment",
    "review_html",
]
