"""Recipe import: the shared corpus format, CSV, HTML/JSON-LD; idempotence, bad rows, bad files, kill -9."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from localgenie.errors import BadInput
from localgenie.kitchen import corpus, db, pantry
from localgenie.kitchen.pantry import NewItem
from localgenie.kitchen.suggest import suggest

from .conftest import FullImport

JSONLD_PAGE = """<html><head><title>x</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Recipe",
 "name": "Spinach and Feta Frittata", "recipeYield": "4 servings", "totalTime": "PT35M",
 "recipeIngredient": ["8 large eggs", "2 cups baby spinach", "1/2 cup crumbled feta cheese",
                      "1 tablespoon olive oil"],
 "recipeInstructions": [{"@type": "HowToStep", "text": "Whisk the eggs."},
    {"@type": "HowToStep", "text": "Wilt the spinach in the oil, add eggs and feta, bake."}]}
</script></head><body><h1>Frittata</h1></body></html>"""


def test_importing_the_corpus_slice_is_idempotent(kitchen: sqlite3.Connection, corpus_slice: Path) -> None:
    before = corpus.recipe_count(kitchen)
    assert before > 7000
    again = corpus.import_file(kitchen, corpus_slice)
    assert again.added == 0 and corpus.recipe_count(kitchen) == before


def test_a_recipe_row_is_parsed_into_ingredient_keys(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    row = {
        "title": "Eggs Florentine",
        "ingredients": ["4 eggs", "1 (10 ounce) bag fresh spinach", "salt"],
        "directions": ["Cook."],
        "tags": ["Vegetarian"],
        "source": "test",
        "url": "http://x",
        "language": "en-US",
    }
    path.write_text(json.dumps(row) + "\n")
    report = corpus.import_file(conn, path)
    assert (report.added, report.skipped) == (1, 0)
    keys = {k for (k,) in conn.execute("SELECT key FROM recipe_keys")}
    assert keys == {"egg", "spinach", "salt"}
    diet = conn.execute("SELECT diet FROM recipes").fetchone()[0]
    assert "V" in diet and "G" not in diet  # vegetarian, not vegan (eggs)


def test_bad_rows_are_skipped_and_counted(conn: sqlite3.Connection, tmp_path: Path) -> None:
    good = {"title": "Toast", "ingredients": ["1 slice bread"]}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"title": "No ingredients", "ingredients": []}),
        json.dumps({"ingredients": ["1 egg"]}),
        json.dumps([1, 2]),
    ]
    path = tmp_path / "mixed.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    report = corpus.import_file(conn, path)
    assert (report.added, report.skipped) == (1, 4)
    assert any("invalid JSON" in r for r in report.skip_reasons)


def test_csv_and_html_and_jsonld_imports(conn: sqlite3.Connection, tmp_path: Path) -> None:
    csv_path = tmp_path / "r.csv"
    csv_path.write_text('title,ingredients,directions,total_time\nOmelette,"3 eggs|1 tbsp butter",Cook.,10\n')
    html_path = tmp_path / "page.html"
    html_path.write_text(JSONLD_PAGE)
    ld_path = tmp_path / "recipe.json"
    ld_path.write_text(JSONLD_PAGE.split('json">')[1].split("</script>")[0])
    assert corpus.import_file(conn, csv_path).added == 1
    assert corpus.import_file(conn, html_path).added == 1
    assert corpus.import_file(conn, ld_path).added == 0  # same recipe as the HTML page: deduplicated
    rows = dict(conn.execute("SELECT title, total_time_min FROM recipes").fetchall())
    assert rows == {"Omelette": 10, "Spinach and Feta Frittata": 35}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("recipes.jsonl.gz", b'{"title": "x"}\n', "not gzip"),
        ("recipes.jsonl", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "binary"),
        ("recipes.jsonl", b"name,price\nwidget,3\n" * 50, "does not look like a recipe file"),
        ("recipes.jsonl", b'{"user": "bob", "age": 3}\n' * 50, "does not look like a recipe file"),
        ("page.html", b"<html><body>no recipe here</body></html>", "no schema.org Recipe"),
        ("recipe.json", b'{"@type": "Person", "name": "Bob"}', "no schema.org Recipe"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(
    conn: sqlite3.Connection, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadInput, match=message):
        corpus.import_file(conn, path)
    assert corpus.recipe_count(conn) == 0


def test_kill_9_mid_import_loses_nothing_and_resumes(
    corpus_slice: Path, imported_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "kitchen.sqlite"
    conn = db.connect(path)
    pantry.add_items(conn, [NewItem("eggs", 12), NewItem("feta", 200, "g")], today=date(2026, 3, 10))
    before = pantry.to_csv(pantry.list_items(conn))
    conn.close()

    script = (
        "import sys; from pathlib import Path; from localgenie.kitchen import db, corpus; "
        "corpus.import_file(db.connect(sys.argv[1]), Path(sys.argv[2]))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path), str(corpus_slice)], env=os.environ.copy()
    )
    watcher = sqlite3.connect(path, timeout=30)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:  # wait until at least one batch is committed, then kill
            row = (
                watcher.execute("SELECT rows_done FROM imports").fetchone() if _has_imports(watcher) else None
            )
            if row and row[0] >= corpus.BATCH:
                break
            assert proc.poll() is None, "import finished before it could be killed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        watcher.close()

    conn = db.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert pantry.to_csv(pantry.list_items(conn)) == before
    partial = corpus.recipe_count(conn)
    assert 0 < partial < _count(imported_template)
    assert suggest(conn, today=date(2026, 3, 10))  # works on the partial corpus (stale index rebuilt)
    report = corpus.import_file(conn, corpus_slice)
    assert report.resumed_from >= corpus.BATCH
    assert corpus.recipe_count(conn) == _count(imported_template)
    assert pantry.to_csv(pantry.list_items(conn)) == before


def _has_imports(c: sqlite3.Connection) -> bool:
    return c.execute("SELECT 1 FROM sqlite_master WHERE name = 'imports'").fetchone() is not None


def _count(path: Path) -> int:
    c = sqlite3.connect(path)
    try:
        return int(c.execute("SELECT count(*) FROM recipes").fetchone()[0])
    finally:
        c.close()


@pytest.mark.slow
def test_full_corpus_imports_within_three_minutes(full_import: FullImport) -> None:
    report = full_import.report
    assert report.added > 73000 and report.skipped < 200
    assert full_import.seconds < 180, f"full import took {full_import.seconds:.0f} s"
