"""`genie kitchen ...` end to end through the Typer app (the library does the work; this checks wiring)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import localgenie
from localgenie.cli.kitchen import app
from localgenie.errors import BadInput, GenieWarning
from localgenie.kitchen import units
from localgenie.kitchen.extraction import PantryExtraction, PantryItemDraft
from tests.structured.scripted import answering

from .conftest import FullImport

runner = CliRunner()


def _run(db: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "--db", str(db)] if args[0] not in ("order",) else list(args))


def test_a_week_in_the_kitchen(tmp_path: Path) -> None:
    db = tmp_path / "k.sqlite"
    csv_path = tmp_path / "pantry.csv"
    csv_path.write_text("name,quantity,unit,location\neggs,12,,fridge\nmilk,1,l,fridge\nfeta,200,g,fridge\n")
    recipes = tmp_path / "r.jsonl"
    recipes.write_text(
        json.dumps({"title": "Feta Omelette", "ingredients": ["3 eggs", "50 g feta", "salt"]}) + "\n"
    )

    assert _run(db, "add", "--csv", str(csv_path)).exit_code == 0
    listed = _run(db, "list")
    assert listed.exit_code == 0 and "eggs" in listed.output
    assert "FoodKeeper Eggs (in shell), refrigerator unopened: 3-5 Weeks" in _run(db, "export").output
    result = _run(db, "import", str(recipes))
    assert result.exit_code == 0 and "1 added" in result.output
    result = _run(db, "suggest")
    assert result.exit_code == 0 and "1. Feta Omelette" in result.output and "why:" in result.output
    assert _run(db, "cook", "1").exit_code == 0
    exported = _run(db, "export").output
    assert "eggs,9," in exported and "feta,150," in exported
    assert _run(db, "undo").exit_code == 0
    assert "eggs,12," in _run(db, "export").output
    result = _run(db, "shopping-list", "1", "--scale", "5")
    assert result.exit_code == 0 and "- [ ] egg — 3 (Feta Omelette)" in result.output
    assert _run(db, "remove", "milk").exit_code == 0
    assert "milk" not in _run(db, "export").output
    assert "kcal" in _run(db, "nutrition", "1").output


def test_add_plain_words_goes_through_extraction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_extract(text: str, schema: type, *, model: str | None = None) -> PantryExtraction:
        assert schema is PantryExtraction
        return PantryExtraction(
            items=[
                PantryItemDraft(name="eggs", quantity=12),
                PantryItemDraft(name="chicken breasts", quantity=2, location="freezer"),
            ]
        )

    monkeypatch.setattr(localgenie, "extract_details", answering(fake_extract))
    db = tmp_path / "k.sqlite"
    result = _run(db, "add", "a dozen eggs, 2 chicken breasts in the freezer", "--yes")
    assert result.exit_code == 0, result.output
    assert "chicken breasts" in _run(db, "export").output


def test_errors_surface_as_genie_errors_for_the_top_level_cli(tmp_path: Path) -> None:
    db = tmp_path / "k.sqlite"
    result = _run(db, "suggest")
    assert isinstance(result.exception, BadInput) and "pantry is empty" in str(result.exception)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,quantity\neggs,-3\n")
    result = _run(db, "add", "--csv", str(bad))
    assert isinstance(result.exception, BadInput)


def test_add_csv_with_an_opened_date_keeps_it_and_says_so_in_help(tmp_path: Path) -> None:
    db = tmp_path / "k.sqlite"
    opened = date.today() - timedelta(days=1)
    csv_path = tmp_path / "pantry.csv"
    csv_path.write_text(f"name,quantity,unit,location,opened\nfeta,200,g,fridge,{opened}\n")
    result = _run(db, "add", "--csv", str(csv_path), "-y")
    assert result.exit_code == 0, result.output
    exported = _run(db, "export").output
    assert f"feta,200,gram,fridge,yes,{opened + timedelta(days=7)}," in exported
    assert "refrigerator opened" in exported
    csv_path.write_text("name,opened\nfeta,last week\n")
    result = _run(db, "add", "--csv", str(csv_path), "-y")
    assert isinstance(result.exception, BadInput) and "CSV line 2: opened 'last week'" in str(
        result.exception
    )
    help_text = re.sub(r"[\s│]+", " ", runner.invoke(app, ["add", "--help"]).output)  # rich's box too
    assert "the date it was opened, YYYY-MM-DD" in help_text


@pytest.mark.parametrize("columns", [80, 120])
def test_list_fits_the_terminal_one_line_per_item(tmp_path: Path, columns: int) -> None:
    db = tmp_path / "k.sqlite"
    csv_path = tmp_path / "pantry.csv"
    csv_path.write_text(
        "name,quantity,unit,location,opened\n"
        "baby spinach,0.5,bag,fridge,\n"
        f"feta cheese,200,g,fridge,{date.today() - timedelta(days=1)}\n"
        "eggs,12,,fridge,\n"
        "chicken breasts,2,,freezer,\n"
        "sun-dried tomatoes in olive oil,1,jar,pantry,yes\n"
        "basmati rice,1,kg,pantry,\n"
    )
    assert _run(db, "add", "--csv", str(csv_path)).exit_code == 0
    result = subprocess.run(
        [sys.executable, "-m", "localgenie", "kitchen", "list", "--db", str(db)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": str(columns)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    rows = [line for line in lines if line.startswith("│")]
    assert len(rows) == 6  # no cell wraps onto a second line
    spinach = next(row for row in rows if "baby spinach" in row)
    assert (
        "0.5 bag" in spinach
        and "fridge" in spinach
        and f"{date.today() + timedelta(days=3)} (3 d)" in spinach
    )
    assert any("sun-dried tomatoes" in row for row in rows)
    if columns >= 120:
        header = next(line for line in lines if line.startswith("┃"))
        assert "ingredient" in header and "source" in header
        assert "3-7 Days" in spinach  # the storage time leads the source, so a cut keeps it


@pytest.mark.slow
def test_cook_43711_of_the_imported_corpus_as_the_issue_did(full_import: FullImport, tmp_path: Path) -> None:
    """`genie kitchen cook 43711` took "0.00664894 bag spinach" and left feta and tomato "not decremented"."""
    db = tmp_path / "k.sqlite"
    shutil.copy(full_import.path, db)
    csv_path = tmp_path / "pantry.csv"
    csv_path.write_text(
        "name,quantity,unit\neggs,12,\nbaby spinach,0.5,bag\nfeta cheese,200,g\ntomatoes,4,\n"
    )
    assert _run(db, "add", "--csv", str(csv_path)).exit_code == 0
    result = _run(db, "cook", "43711")
    assert result.exit_code == 0, result.output
    assert "Cooked My Big Fat Greek Omelet" in result.output
    taken = [line.strip() for line in result.output.splitlines() if line.startswith("  - ")]
    assert sorted(taken) == ["- 75 g feta cheese", "- 8 eggs", "- ¾ tomatoes"]
    assert "not decremented" not in result.output and "spinach" not in result.output
    shopping = _run(db, "shopping-list", "43711").output
    assert "- [ ] frozen spinach — 10 oz" in shopping and "tomato" not in shopping


MENU = Path(__file__).resolve().parents[2] / "examples" / "menu.toml"


def _genie(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "localgenie", *args], capture_output=True, text=True, timeout=600
    )


def test_order_that_tiny_cannot_take_fails_as_the_models_answer_never_as_an_empty_order() -> None:
    """The issue's order on the real tiny: never an empty order and exit 2 for the model's slip.

    What tiny writes depends on rounding (the decoder's batch shapes): either its lines never hold to
    the text's words (exit 3 naming what was dropped, as the fake-answer tests in test_order.py pin
    down) or code keeps the part that does (exit 0, a priced order, every correction reported).
    """
    result = _genie(
        "order",
        "--menu",
        str(MENU),
        "--model",
        "tiny",
        "two large pepperonis, one medium veggie without olives",
    )
    output = result.stdout + result.stderr
    assert result.returncode in (0, 3), output
    assert "Total: 0" not in result.stdout
    if result.returncode == 3:
        assert "kept nothing of what the text orders (Pepperoni pizza, Veggie pizza)" in result.stderr
        assert "dropped: '" in result.stderr and "--model default" in result.stderr
    else:
        assert "Pepperoni" in result.stdout and "corrected:" in output


def test_plain_words_add_on_tiny_never_blames_the_user_for_the_models_slip(tmp_path: Path) -> None:
    """Issue 18 item 2 on the real tiny: exit 2 "unknown unit 'fridge'" for the issue's text.

    Units and places are enums in the schema, so the model cannot write "fridge" as a unit; what
    tiny writes still varies with the decoder's rounding, so either the add works (every stored item
    with a known unit and place) or it is exit 3 naming the item the model got wrong: never exit 2.
    """
    db = tmp_path / "k.sqlite"
    text = "a dozen eggs, half a bag of spinach, feta I opened yesterday"
    result = _genie("kitchen", "add", "--model", "tiny", text, "-y", "--db", str(db))
    assert result.returncode in (0, 3), result.stdout + result.stderr
    if result.returncode == 3:
        assert "genie: error: the model" in result.stderr and "item" in result.stderr
        assert len(_run(db, "export").output.strip().splitlines()) == 1  # the header: nothing stored
        return
    exported = _run(db, "export").output.splitlines()
    rows = [dict(zip(exported[0].split(","), line.split(","), strict=False)) for line in exported[1:]]
    assert rows and all(row["unit"] in units.UNITS for row in rows)
    assert all(row["location"] in ("fridge", "freezer", "pantry") for row in rows)
    assert "Added" in result.stdout


def test_add_says_what_the_model_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tiny read the issue's three foods as one item: the other two must not vanish in silence."""

    def one_item(text: str, schema: type, *, model: str | None = None) -> PantryExtraction:
        return PantryExtraction(items=[PantryItemDraft(name="a dozen eggs", quantity=12)])

    monkeypatch.setattr(localgenie, "extract_details", answering(one_item))
    text = "a dozen eggs, half a bag of spinach, feta I opened yesterday"
    with pytest.warns(GenieWarning, match="left out 'half a bag of spinach'; 'feta I opened yesterday'"):
        result = _run(tmp_path / "k.sqlite", "add", text, "--yes")
    assert result.exit_code == 0, result.output
