"""The HTML review: marks at the spans' offsets, one colour per field, overlaps resolved one way,
untrusted text escaped, every leaf listed (those not in the text and the unsure ones flagged)."""

from __future__ import annotations

import base64
import hashlib
import re

from localgenie.review import DOCUMENT_CSP, REVIEW_CSS, Review, review_fragment, review_html
from localgenie.review.render import field_of
from localgenie.structured import extract_details
from localgenie.structured.confidence import Confidence
from localgenie.structured.grounding import ground
from localgenie.structured.pointers import escape
from tests.structured.scripted import ScriptedBackend

from .reading import Reader

TEXT = "My name is John and I am 30 years old. I live in Oslo."
VALUE = {"name": "John", "age": 30, "city": "Oslo", "country": "Norway"}
SPANS = {"/name": (11, 15), "/age": (25, 27), "/city": (49, 53), "/country": None}
SURE = {
    "/name": Confidence(0.98, 0.99, 2),
    "/age": Confidence(0.31, 0.62, 1),
    "/city": Confidence(0.9, 0.95, 2),
    "/country": Confidence(0.7, 0.8, 3),
}


def test_each_grounded_value_is_marked_at_its_offsets_and_the_text_is_kept_whole() -> None:
    page = Reader(review_fragment(TEXT, (VALUE, SPANS, SURE)))
    assert page.shown == TEXT  # nothing added to or lost from the text
    assert [(m.attrs["data-pointer"], m.span, m.text) for m in page.marks] == [
        ("/name", (11, 15), "John"),
        ("/age", (25, 27), "30"),
        ("/city", (49, 53), "Oslo"),
    ]
    name = page.marks_of("/name")[0]
    assert name.attrs["data-field"] == "/name"
    assert name.attrs["title"] == '/name = "John" · characters 11–15 · confidence 0.98 (mean 0.99)'


def test_every_leaf_is_listed_and_the_ungrounded_and_unsure_are_flagged() -> None:
    page = Reader(review_fragment(TEXT, (VALUE, SPANS, SURE), min_confidence=0.5))
    assert [row.attrs["data-pointer"] for row in page.rows] == ["/name", "/age", "/city", "/country"]
    country = page.row("/country")
    assert "gr-missing" in country.classes and country.cells[2] == "not in the text"
    assert country.cells[1] == "Norway" and "gr-low" not in country.classes
    age = page.row("/age")
    assert "gr-low" in age.classes and age.cells[3].endswith("low") and age.cells[1] == "30"
    assert "gr-low" in page.marks_of("/age")[0].classes
    assert "confidence 0.31 (mean 0.62), low" in page.marks_of("/age")[0].attrs["title"]
    assert "gr-low" not in page.marks_of("/name")[0].classes
    assert page.row("/name").cells[2] == "11–15 “John”"
    summary = re.sub(r"<[^>]+>", "", review_fragment(TEXT, (VALUE, SPANS, SURE)))
    assert "4 values: 3 marked in the text, 1 not in the text; 1 under confidence 0.5" in summary
    # The threshold is the caller's: at 0.95 the name is the only sure value left.
    strict = Reader(review_fragment(TEXT, (VALUE, SPANS, SURE), min_confidence=0.95))
    assert [r.attrs["data-pointer"] for r in strict.rows if "gr-low" in r.classes] == [
        "/age",
        "/city",
        "/country",
    ]


def test_a_value_without_confidence_says_so_and_is_not_flagged() -> None:
    fragment = review_fragment(TEXT, (VALUE, SPANS, {}))
    page = Reader(fragment)
    assert "no confidence reported" in fragment and "under confidence" not in fragment
    assert not [m for m in page.marks if "gr-low" in m.classes]
    assert page.row("/name").cells[3] == "none reported"
    assert page.marks_of("/name")[0].attrs["title"].endswith("no confidence reported")


def test_script_in_the_text_values_and_keys_is_shown_as_text_never_markup() -> None:
    text = 'Ann <script>alert("x")</script> & <img src=x onerror=alert(1)> said "hi" in Oslo'
    key = 'who"><script>alert(2)</script>'
    value = {key: "Ann", "note": "<b onmouseover=alert(3)>bold</b>", "city": "Oslo"}
    spans = ground(text, value)
    document = review_html(text, (value, spans, {}), title="<script>alert(4)</script>")
    page = Reader(document)
    allowed = "html head meta title style body main h1 div p span ul li code pre mark table thead tbody tr th"
    allowed += " td"
    assert set(page.tags) <= set(allowed.split())
    assert "<script" not in document and "<img" not in document and "<b " not in document
    assert page.shown == text  # the browser shows exactly the text
    pointer = "/" + escape(key)  # '/who"><script>alert(2)<~1script>'
    ann = page.marks_of(pointer)
    assert [m.text for m in ann] == ["Ann"] and page.row(pointer).cells[0] == pointer
    assert page.row("/note").cells[1] == value["note"]
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in document  # the title too


def test_unicode_offsets_are_python_characters() -> None:
    text = "Café ☕ owner: José (Jose\u0301) 🇳🇴 from 東京都, age thirty"
    value = {"drink": "☕", "owner": "José", "flag": "🇳🇴", "city": "東京", "age": 30}
    spans = ground(text, value)
    page = Reader(review_fragment(text, (value, spans, {})))
    assert page.shown == text
    for pointer, span in spans.items():
        assert span is not None
        (mark,) = page.marks_of(pointer)
        assert mark.span == span and mark.text == text[span[0] : span[1]]
    assert page.marks_of("/city")[0].text == "東京" and page.marks_of("/age")[0].text == "thirty"


def test_nested_spans_the_inner_one_wins_and_the_title_lists_both() -> None:
    text = "Dr John Smith called."
    value = {"full_name": "John Smith", "first_name": "John"}
    page = Reader(review_fragment(text, (value, {"/full_name": (3, 13), "/first_name": (3, 7)}, {})))
    assert page.shown == text
    assert [(m.attrs["data-pointer"], m.span, m.text) for m in page.marks] == [
        ("/first_name", (3, 7), "John"),
        ("/full_name", (7, 13), " Smith"),
    ]
    inner, outer = page.marks
    assert "gr-stacked" in inner.classes and "gr-stacked" not in outer.classes
    assert inner.attrs["title"].splitlines()[0].startswith("/first_name = ")
    assert inner.attrs["title"].splitlines()[1].startswith("/full_name = ")
    assert inner.attrs["data-field"] == "/first_name + /full_name"


def test_crossing_and_identical_spans_are_placed_the_same_way_every_time() -> None:
    text = "from 2 to 5 March 2025"
    value = {"start": "2025-03-02", "end": "2025-03-05", "range": "2 to 5", "month": "March 2025"}
    spans = {"/start": (5, 22), "/end": (5, 22), "/range": (5, 11), "/month": (12, 22)}
    once = review_fragment(text, (value, spans, {}))
    assert once == review_fragment(text, (value, spans, {}))
    page = Reader(once)
    assert page.shown == text
    # Each piece once, in the shortest span covering it; /start and /end share one span: /start wins the
    # tie (first in the answer) but is never alone on a piece, so both only appear in titles.
    assert [(m.attrs["data-pointer"], m.text) for m in page.marks] == [
        ("/range", "2 to 5"),
        ("/start", " "),
        ("/month", "March 2025"),
    ]
    assert all("/start = " in m.attrs["title"] and "/end = " in m.attrs["title"] for m in page.marks)
    assert page.row("/end").cells[2] == "5–22 “2 to 5 March 2025”"


def test_spans_outside_the_text_are_listed_not_marked() -> None:
    value = {"a": "x", "b": "y", "c": "z"}
    page = Reader(review_fragment("xyz", (value, {"/a": [0, 1], "/b": (2, 9), "/c": (1, 1)}, {})))
    assert [m.attrs["data-pointer"] for m in page.marks] == ["/a"]
    assert page.row("/b").cells[2] == "characters 2–9: outside the text"
    assert page.row("/c").cells[2] == "characters 1–1: outside the text"


def test_one_colour_per_field_with_array_indices_folded() -> None:
    text = "Ann, 31; Bob, 42"
    value = {"items": [{"name": "Ann", "age": 31}, {"name": "Bob", "age": 42}]}
    page = Reader(review_fragment(text, (value, ground(text, value), {})))
    colour = {m.attrs["data-pointer"]: next(c for c in m.classes if c.startswith("gr-c")) for m in page.marks}
    assert colour["/items/0/name"] == colour["/items/1/name"] == "gr-c0"
    assert colour["/items/0/age"] == colour["/items/1/age"] == "gr-c1"
    assert field_of("/items/12/tags/3") == "/items/*/tags/*" and field_of("/a0/b") == "/a0/b"
    assert ".gr-c11 {" in REVIEW_CSS  # every colour a mark can get is styled


def test_an_extraction_is_reviewed_as_its_api_form_is() -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "city": {"type": "string"}, "country": {"type": "string"}},
        "required": ["name", "city", "country"],
    }
    answer = '{"name": "John", "city": "Oslo", "country": "Norway"}'
    result = extract_details(TEXT, schema, backend=ScriptedBackend(answer))
    assert result.spans["/name"] == (11, 15) and result.spans["/country"] is None
    as_json = {p: None if s is None else list(s) for p, s in result.spans.items()}
    confidence = {p: {"min": c.min, "mean": c.mean, "tokens": c.tokens} for p, c in result.confidence.items()}
    assert review_fragment(TEXT, result) == review_fragment(TEXT, (result.value, as_json, confidence))
    assert Review.of(result).leaves == {"/name": "John", "/city": "Oslo", "/country": "Norway"}


def test_the_file_is_self_contained_and_its_policy_allows_only_its_own_style() -> None:
    document = review_html(TEXT, (VALUE, SPANS, SURE), title="People")
    page = Reader(document)
    assert document.startswith("<!doctype html>") and "<title>People</title>" in document
    assert not re.search(r"\b(src|href)=|<link|<script|@import|url\(", document)
    digest = base64.b64encode(hashlib.sha256(page.style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in DOCUMENT_CSP and "script-src 'none'" in DOCUMENT_CSP
    assert 'http-equiv="Content-Security-Policy"' in document
    assert REVIEW_CSS in page.style and ' style="' not in document  # no inline style attribute


def test_an_answer_with_no_values_still_shows_the_text() -> None:
    page = Reader(review_fragment("nothing here", ({}, {}, {})))
    assert page.shown == "nothing here" and not page.marks and not page.rows
    assert "no values" in review_fragment("nothing here", ({}, {}, {}))
