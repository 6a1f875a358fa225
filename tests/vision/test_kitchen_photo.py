"""`genie kitchen add --photo a.jpg b.jpg`: recognise, show, let the user confirm or edit, then store.
"Maybe" items never enter the pantry unless the user picks them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from localgenie.cli.kitchen import app
from localgenie.kitchen import db, pantry
from localgenie.vision.labels import Sample
from tests.vision.conftest import photo_of

runner = CliRunner()


def _pantry(path: Path) -> list[str]:
    return sorted(i.canonical for i in pantry.list_items(db.connect(path)))


def test_enter_stores_what_was_recognised(
    shelf_photo: Path, val_samples: list[Sample], tmp_path: Path
) -> None:
    kitchen = tmp_path / "k.sqlite"
    carrots = photo_of(val_samples, "Carrots")
    result = runner.invoke(
        app, ["add", "--photo", str(shelf_photo), str(carrots), "--db", str(kitchen)], input="\n"
    )
    assert result.exit_code == 0, result.output
    assert "Seen" in result.output and "Added" in result.output
    stored = _pantry(kitchen)
    assert {"milk", "carrot"} <= set(stored), result.output
    assert "maybe" not in stored


def test_the_user_can_pick_rename_and_add(shelf_photo: Path, tmp_path: Path) -> None:
    kitchen = tmp_path / "k.sqlite"
    result = runner.invoke(
        app, ["add", "--photo", str(shelf_photo), "--db", str(kitchen)], input="1=oat milk +butter\n"
    )
    assert result.exit_code == 0, result.output
    assert {i.name for i in pantry.list_items(db.connect(kitchen))} == {"oat milk", "butter"}


def test_yes_never_stores_maybes(shelf_photo: Path, tmp_path: Path) -> None:
    kitchen = tmp_path / "k.sqlite"
    result = runner.invoke(app, ["add", "--photo", str(shelf_photo), "--yes", "--db", str(kitchen)])
    assert result.exit_code == 0, result.output
    names = {i.name for i in pantry.list_items(db.connect(kitchen))}
    seen_maybe = [line for line in result.output.splitlines() if "not added (maybe)" in line]
    assert all(line.split(":")[1].split()[0] not in names for line in seen_maybe)


def test_a_bad_photo_is_a_clear_error(tmp_path: Path) -> None:
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a photo")
    result = runner.invoke(app, ["add", "--photo", str(notes), "--db", str(tmp_path / "k.sqlite")])
    assert result.exit_code != 0
    assert "not an image" in str(result.exception)
