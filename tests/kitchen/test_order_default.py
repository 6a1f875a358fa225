"""The issue's own order on the default model, priced: the slips default makes are corrected by code."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import localgenie
from localgenie.kitchen.order import load_menu, order_from_text

MENU = Path(__file__).resolve().parents[2] / "examples" / "menu.toml"


@pytest.mark.slow
def test_two_large_pepperonis_one_veggie_without_olives_extra_cheese_on_one() -> None:
    text = "two large pepperonis, one medium veggie without olives, extra cheese on one of the large"
    _, priced = order_from_text(text, load_menu(MENU), localgenie.extract_details, model="default")
    assert sorted((x.quantity, x.description) for x in priced.lines) == [
        (1, "large Pepperoni pizza"),
        (1, "large Pepperoni pizza (+ extra cheese)"),
        (1, "medium Veggie pizza (no olives)"),
    ]
    assert priced.total == Decimal("47.50") and priced.problems == []
