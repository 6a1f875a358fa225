"""One extraction's review as HTML: `review_fragment` for a page, `review_html` for a self-contained file.

The text is shown whole, each value found in it (its span, `localgenie.structured.grounding`) inside a
``<mark>`` in its field's colour; below, a table lists every value: its JSON pointer, the value, where it
stands (offsets and the quoted text) or "not in the text", and the model's confidence (the weakest
token's probability, `localgenie.structured.confidence`), flagged "low" under ``min_confidence``.

* **Colours**: one per field, the pointer with its array indices folded (``/items/0/name`` and
  ``/items/3/name`` are both ``/items/*/name``), in the order the fields first appear in the answer;
  after twelve fields the palette starts again.
* **Hover**: each mark's ``title`` gives, per value it stands for, the pointer, the value, its offsets and
  its confidence; a label with the pointer shows on hover (CSS only: no script).
* **Overlapping spans** (a full name and the first name inside it; two values read from one place):
  the text is cut at every span's start and end, and each piece is marked once, in the colour of the
  *shortest* span that covers it (the innermost; on a tie the one first in the answer); its title lists
  every value that covers it, the winner first, and a piece covered by more than one is ``gr-stacked``.
* **Low confidence**: a mark with any value under ``min_confidence`` is ``gr-low`` (a wavy underline)
  and its row says "low".  A value with no confidence (the backend gave no log-probabilities) says so
  and is not flagged: there is nothing to compare.
* **Untrusted input**: the text, the values and the pointers come from a user and a model; every one is
  HTML-escaped (a ``<script>`` in the text is shown as text).  Offsets are Python string indices, as
  the spans are; a span outside the text, or empty, is listed with its offsets and not marked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise
from typing import Any

from ..structured.complete import Extraction
from ..structured.confidence import Confidence
from ..structured.grounding import Span
from ..structured.pointers import leaves as leaves_of
from .style import DOCUMENT_CSP, DOCUMENT_STYLE, PALETTE

DEFAULT_MIN_CONFIDENCE = 0.5
QUOTE_CHARS = 80  # of the quoted text in the table, and of a value in a title
_INDEX = re.compile(r"(?<=/)\d+(?=/|$)")


@dataclass(frozen=True)
class Review:
    """What a review shows: every leaf's value (JSON pointer → value, in the answer's order), its span
    (or None) and its confidence (missing: none was reported)."""

    leaves: Mapping[str, Any]
    spans: Mapping[str, Span | None]
    confidence: Mapping[str, Confidence]

    @classmethod
    def of(cls, source: ReviewSource) -> Review:
        """From an `Extraction`, a `Review`, or ``(value, spans, confidence)`` as the API answers them
        (spans as ``[start, end]`` lists; confidence as `Confidence`, ``{"min", "mean", "tokens"}``, a
        ``[min, mean, tokens]`` list or one number)."""
        if isinstance(source, Review):
            return source
        if isinstance(source, Extraction):
            found = source.leaves or leaves_of(source.value)
            return cls(found, dict(source.spans), dict(source.confidence))
        value, spans, confidence = source
        if hasattr(value, "model_dump"):  # a Pydantic model: its JSON form, as spans are keyed by
            value = value.model_dump(mode="json", by_alias=True)
        return cls(
            leaves_of(value),
            {pointer: _span(span) for pointer, span in spans.items()},
            {p: c for p, raw in confidence.items() if (c := _confidence(raw)) is not None},
        )


ReviewSource = Extraction[Any] | Review | tuple[Any, Mapping[str, Any], Mapping[str, Any]]


def _span(raw: Any) -> Span | None:
    if isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == 2:
        start, end = raw
        if all(isinstance(edge, int) and not isinstance(edge, bool) for edge in (start, end)):
            return (start, end)
    return None


def _confidence(raw: Any) -> Confidence | None:
    if isinstance(raw, Confidence):
        return raw
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        return Confidence(float(raw), float(raw), 1)
    if isinstance(raw, Mapping) and isinstance(raw.get("min"), int | float):
        mean = raw.get("mean", raw["min"])
        return Confidence(float(raw["min"]), float(mean), int(raw.get("tokens", 1)))
    if isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) >= 2:
        return Confidence(float(raw[0]), float(raw[1]), int(raw[2]) if len(raw) > 2 else 1)
    return None


def field_of(pointer: str) -> str:
    """The field a leaf belongs to: its pointer with array indices folded (``/items/0/name`` →
    ``/items/*/name``); every leaf of one field gets the field's colour."""
    return _INDEX.sub("*", pointer)


@dataclass(frozen=True)
class _Leaf:
    order: int
    pointer: str
    value: Any
    span: Span | None  # None: not in the text
    raw_span: Span | None  # the span as given, also when it is outside the text
    confidence: Confidence | None
    colour: int
    low: bool

    @property
    def length(self) -> int:
        assert self.span is not None
        return self.span[1] - self.span[0]


def _leaves(text: str, review: Review, min_confidence: float) -> list[_Leaf]:
    colours: dict[str, int] = {}
    found = []
    for order, (pointer, value) in enumerate(review.leaves.items()):
        colour = colours.setdefault(field_of(pointer), len(colours) % len(PALETTE))
        raw = review.spans.get(pointer)
        inside = raw is not None and 0 <= raw[0] < raw[1] <= len(text)
        known = review.confidence.get(pointer)
        low = known is not None and known.min < min_confidence
        found.append(_Leaf(order, pointer, value, raw if inside else None, raw, known, colour, low))
    return found


def review_fragment(
    text: str, source: ReviewSource, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> str:
    """The review as an HTML fragment (one ``<div class="gr">``) for a page that links `REVIEW_CSS`:
    a summary, the fields' colours, the marked text, and the table of every value."""
    rows = _leaves(text, Review.of(source), min_confidence)
    return "".join(
        [
            '<div class="gr">',
            _summary(rows, min_confidence),
            _legend(rows),
            '<pre class="gr-text">',
            _marked(text, rows),
            "</pre>",
            _table(text, rows, min_confidence),
            "</div>",
        ]
    )


def review_html(
    text: str,
    source: ReviewSource,
    *,
    title: str | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> str:
    """The review as one self-contained HTML document: inline CSS only, no script, nothing loaded from
    anywhere (its Content-Security-Policy allows its own stylesheet and nothing else)."""
    heading = escape(title or "Genie review")
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(DOCUMENT_CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="Genie">\n'
        f"<title>{heading}</title>\n<style>{DOCUMENT_STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{heading}</h1>\n"
        f"{review_fragment(text, source, min_confidence=min_confidence)}\n"
        "</main>\n</body>\n</html>\n"
    )


# ------------------------------------------------------------------ the parts


def _summary(rows: list[_Leaf], min_confidence: float) -> str:
    if not rows:
        return '<p class="gr-summary">The answer has no values to show.</p>'
    placed = sum(row.span is not None for row in rows)
    said = (
        f"{len(rows)} value{'s' if len(rows) != 1 else ''}: "
        f'<span class="gr-count-marked">{placed}</span> marked in the text, '
        f'<span class="gr-count-missing">{len(rows) - placed}</span> not in the text; '
    )
    if any(row.confidence is not None for row in rows):
        low = sum(row.low for row in rows)
        said += f'<span class="gr-count-low">{low}</span> under confidence {min_confidence:g}. '
    else:
        said += "no confidence reported. "
    return f'<p class="gr-summary">{said}Hover over a mark to see its field.</p>'


def _legend(rows: list[_Leaf]) -> str:
    fields: dict[str, int] = {}
    for row in rows:
        fields.setdefault(field_of(row.pointer), row.colour)
    items = "".join(
        f'<li class="gr-c{colour}"><span class="gr-swatch"></span>'
        f'<code class="gr-key">{escape(field)}</code></li>'
        for field, colour in fields.items()
    )
    return f'<ul class="gr-legend" aria-label="fields">{items}</ul>' if items else ""


def _marked(text: str, rows: list[_Leaf]) -> str:
    """The text, escaped, each piece covered by spans inside one mark (see the module's docstring)."""
    placed = [row for row in rows if row.span is not None]
    cuts = sorted({edge for row in placed for edge in row.span or ()})
    parts: list[str] = []
    written = 0
    for start, end in pairwise(cuts):
        covering = sorted(
            (row for row in placed if row.span and row.span[0] <= start and end <= row.span[1]),
            key=lambda row: (row.length, row.order),
        )
        if not covering:
            continue
        parts.append(escape(text[written:start]))
        parts.append(_mark(text[start:end], start, end, covering))
        written = end
    parts.append(escape(text[written:]))
    return "".join(parts)


def _mark(piece: str, start: int, end: int, covering: list[_Leaf]) -> str:
    winner = covering[0]
    classes = [f"gr-c{winner.colour}"]
    if len(covering) > 1:
        classes.append("gr-stacked")
    if any(row.low for row in covering):
        classes.append("gr-low")
    title = "\n".join(_describe(row) for row in covering)
    label = " + ".join(row.pointer for row in covering)
    return (
        f'<mark class="{" ".join(classes)}" data-pointer="{escape(winner.pointer)}" data-start="{start}" '
        f'data-end="{end}" data-field="{escape(label)}" title="{_attribute(title)}">{escape(piece)}</mark>'
    )


def _describe(row: _Leaf) -> str:
    """One value in a mark's title: pointer, value, offsets, confidence."""
    assert row.span is not None
    value = _shorten(json.dumps(row.value, ensure_ascii=False))
    start, end = row.span
    return f"{row.pointer} = {value} · characters {start}–{end} · {_sureness(row.confidence, row.low)}"


def _sureness(known: Confidence | None, low: bool) -> str:
    if known is None:
        return "no confidence reported"
    if known.tokens == 0:
        return "confidence 1.00 (every token forced)"
    return f"confidence {known.min:.2f} (mean {known.mean:.2f}){', low' if low else ''}"


def _table(text: str, rows: list[_Leaf], min_confidence: float) -> str:
    if not rows:
        return ""
    head = (
        "<thead><tr><th>Field</th><th>Value</th><th>In the text</th>"
        f'<th title="the least likely token\'s probability; low: under {min_confidence:g}">Confidence</th>'
        "</tr></thead>"
    )
    body = "".join(_row(text, row) for row in rows)
    return f'<div class="gr-scroll"><table class="gr-leaves">{head}<tbody>{body}</tbody></table></div>'


def _row(text: str, row: _Leaf) -> str:
    classes = []
    if row.span is None:
        classes.append("gr-missing")
        if row.raw_span is None:
            where = '<span class="gr-flag">not in the text</span>'
        else:
            start, end = row.raw_span
            where = f'characters {start}–{end}: <span class="gr-flag">outside the text</span>'
    else:
        start, end = row.span
        quoted = escape(_shorten(text[start:end]))
        where = f'{start}–{end} <span class="gr-quote">“{quoted}”</span>'
    if row.low:
        classes.append("gr-low")
    if row.confidence is None:
        sure = '<span class="gr-quote">none reported</span>'
    else:
        sure = f"{row.confidence.min:.2f}"
        if row.confidence.tokens:
            sure += f' <span class="gr-quote">(mean {row.confidence.mean:.2f})</span>'
        if row.low:
            sure += '<span class="gr-flag">low</span>'
    value = row.value if isinstance(row.value, str) else json.dumps(row.value, ensure_ascii=False)
    return (
        f'<tr class="{" ".join(classes)}" data-pointer="{escape(row.pointer)}">'
        f'<td class="gr-c{row.colour}"><span class="gr-swatch"></span>'
        f"<code>{_breakable(row.pointer)}</code></td>"
        f'<td class="gr-value">{escape(value)}</td><td class="gr-where">{where}</td>'
        f'<td class="gr-sure">{sure}</td></tr>'
    )


def _breakable(pointer: str) -> str:
    """A pointer, escaped, that a narrow column may break before each ``/`` (and only there)."""
    escaped = escape(pointer)
    return escaped[:1] + escaped[1:].replace("/", "<wbr>/")


def _shorten(value: str) -> str:
    return value if len(value) <= QUOTE_CHARS else value[: QUOTE_CHARS - 1] + "…"


def _attribute(value: str) -> str:
    """Text for a double-quoted attribute: escaped, line breaks kept as character references."""
    return escape(value).replace("\r", "&#13;").replace("\n", "&#10;")
