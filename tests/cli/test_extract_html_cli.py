"""`genie extract --html FILE`: the review written beside the JSON, on the tiny model; refused where it
cannot be written, before the model loads."""

from __future__ import annotations

import json
from pathlib import Path

from localgenie.structured.pointers import leaves
from tests.review.reading import Reader

from ..conftest import SEED_TEXT
from .test_extract_cli import PERSON, genie


def test_html_writes_the_review_with_each_grounded_value_marked(tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    result = genie("extract", "-m", "tiny", "-s", PERSON, "--spans", "--html", str(out), SEED_TEXT)
    assert result.returncode == 0, result.stderr.decode()
    printed = json.loads(result.stdout)  # stdout is still the JSON, and only that
    value, spans = printed["value"], printed["spans"]
    page = Reader(out.read_text(encoding="utf-8"))
    assert page.shown == SEED_TEXT
    assert [row.attrs["data-pointer"] for row in page.rows] == list(leaves(value))
    start, end = spans["/name"]
    (name,) = page.marks_of("/name")
    assert name.span == (start, end) and name.text == value["name"] == SEED_TEXT[start:end]
    marked = {mark.attrs["data-pointer"] for mark in page.marks}
    assert marked == {pointer for pointer, span in spans.items() if span is not None}
    for pointer, span in spans.items():
        row = page.row(pointer)
        assert ("gr-missing" in row.classes) == (span is None)
        assert row.cells[2] == "not in the text" if span is None else row.cells[2].startswith(f"{span[0]}–")


def test_html_with_multi_and_min_confidence_keeps_exit_3_and_still_writes(tmp_path: Path) -> None:
    out = tmp_path / "people.html"
    text = "Ann Lee is 41 and lives in Leeds. Bob Roe, 7, lives in York."
    result = genie(
        "extract", "-m", "tiny", "-s", PERSON, "--multi", "--min-confidence", "1", "--html", str(out), text
    )
    assert result.returncode == 3, result.stderr.decode()  # --min-confidence 1: every model is unsure
    value = json.loads(result.stdout)
    page = Reader(out.read_text(encoding="utf-8"))
    assert page.shown == text
    assert [row.attrs["data-pointer"] for row in page.rows] == list(leaves(value))
    assert all(pointer.startswith("/items/") for pointer in leaves(value))
    flagged = [row for row in page.rows if "gr-low" in row.classes]
    assert flagged and "under confidence 1" in out.read_text(encoding="utf-8")
    for mark in page.marks:
        start, end = mark.span
        assert mark.text == text[start:end]


def test_html_is_refused_with_json_lines_and_for_a_missing_folder(tmp_path: Path) -> None:
    batch = genie(
        "extract", "-s", "name", "--json-lines", "-", "--html", str(tmp_path / "x.html"), stdin=b"a\n"
    )
    assert batch.returncode == 2 and b"cannot be used with --json-lines" in batch.stderr
    missing = tmp_path / "nowhere" / "x.html"
    lost = genie("extract", "-m", "no-such-model", "-s", "name", "--html", str(missing), "Ann")
    assert lost.returncode == 2  # refused before the model is looked for
    assert f"the folder {missing.parent} does not exist".encode() in lost.stderr
    assert not missing.parent.exists()
