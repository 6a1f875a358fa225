"""Ingredient-line parsing: hand-written cases, then a labelled sample of real corpus lines."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from localgenie.errors import BadInput
from localgenie.kitchen import units
from localgenie.kitchen.ingredients import parse_line

LABELS = Path(__file__).parent / "data" / "labelled_lines.json"


@pytest.mark.parametrize(
    ("line", "quantity", "unit", "canonical"),
    [
        ("2 1/2 cups all-purpose flour", 2.5, "cup", "flour"),
        ("1 (16 ounce) package frozen chopped spinach, thawed", 16, "ounce", "spinach"),
        ("2 (14.5 ounce) cans diced tomatoes", 29, "ounce", "tomato"),
        ("1 ½ cups crumbled feta cheese", 1.5, "cup", "feta"),
        ("a dozen eggs", 12, "piece", "egg"),
        ("half a bag of spinach", 0.5, "bag", "spinach"),
        ("3 cloves garlic, minced", 3, "clove", "garlic"),
        ("2 large garlic cloves, smashed", 2, "clove", "garlic"),
        ("1 T butter", 1, "tablespoon", "butter"),
        ("1 t salt", 1, "teaspoon", "salt"),
        ("2-3 tablespoons fresh lemon juice", 2, "tablespoon", "lemon juice"),
        ("14- to 15-ounce can sliced beets, drained", 14, "ounce", "beet"),
        ("1/2 cup coconut milk", 0.5, "cup", "coconut milk"),
        ("1 cup creamy peanut butter", 1, "cup", "peanut butter"),
        ("4 cups chicken stock", 4, "cup", "chicken broth"),
        ("Pinch of salt", 1, "pinch", "salt"),
        ("salt to taste", None, None, "salt"),
        ("Glaze:", None, None, None),
    ],
)
def test_common_line_shapes(
    line: str, quantity: float | None, unit: str | None, canonical: str | None
) -> None:
    p = parse_line(line)
    assert (p.quantity, p.unit, p.canonical) == (
        pytest.approx(quantity) if quantity else None,
        unit,
        canonical,
    )


def test_labelled_corpus_lines_parse_correctly(recipes_gz: Path) -> None:
    """369 real lines, labelled by hand: 249 from every 293rd recipe (labelled from the parser's output and
    corrected; they guided its fixes) and 120 from every 613th recipe (a held-out check: 89% right before
    the fixes they prompted).  Labels point into the shared corpus (recipe index, line index) so no recipe
    text is copied into the repository.  Known misses: source typos, "1/2 cup plus 3 tablespoons"."""
    labels = json.loads(LABELS.read_text())
    wanted = {row[0] for row in labels}
    recipes = {}
    with gzip.open(recipes_gz, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i in wanted:
                recipes[i] = json.loads(line)
    wrong = []
    for recipe_no, line_no, quantity, unit, canonical in labels:
        text = recipes[recipe_no]["ingredients"][line_no]
        p = parse_line(text)
        got = [None if p.quantity is None else round(p.quantity, 4), p.unit, p.canonical]
        if got != [quantity, unit, canonical]:
            wrong.append(f"{text!r}: got {got}, want {[quantity, unit, canonical]}")
    accuracy = 1 - len(wrong) / len(labels)
    assert accuracy >= 0.97, "\n".join(wrong)


def test_unknown_units_are_refused_for_user_input() -> None:
    assert units.normalize_unit("Tbsp") == "tablespoon"
    assert units.normalize_unit(None) == "piece"
    with pytest.raises(BadInput, match="unknown unit 'smidgeon'"):
        units.normalize_unit("smidgeon")


def test_conversions_follow_pint_and_refuse_volume_to_count() -> None:
    assert units.convert(1, "cup", "tablespoon") == pytest.approx(16)
    assert units.convert(1, "pound", "gram") == pytest.approx(453.59, rel=1e-3)
    assert units.convert(1, "dozen", "piece") == 12
    with pytest.raises(BadInput, match="cannot convert"):
        units.convert(1, "can", "cup")
