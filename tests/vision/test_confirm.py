"""The user decides: Enter keeps the likely items, numbers pick (maybes too), renames and additions."""

from __future__ import annotations

import pytest

from localgenie.errors import BadInput
from localgenie.vision import Found, apply_answer

ITEMS = [
    Found("milk", 0.95, "likely", "Arla-Standard-Milk", "Milk", "a.jpg", (0, 0, 9, 9), 3, quantity=2),
    Found("leek", 0.81, "likely", "Leek", "Leek", "a.jpg", (0, 0, 9, 9), 1),
    Found("apple", 0.41, "maybe", "Pink-Lady", "Apple", "b.jpg", (0, 0, 9, 9), 1),
]


def test_enter_keeps_the_likely_items_only() -> None:
    assert apply_answer(ITEMS, "") == [("milk", 2), ("leek", None)]


def test_numbers_renames_and_additions() -> None:
    assert apply_answer(ITEMS, "1 3") == [("milk", 2), ("apple", None)]
    assert apply_answer(ITEMS, "3=green apple, +butter") == [("green apple", None), ("butter", None)]
    assert apply_answer(ITEMS, "2 +sour cream 1") == [("leek", None), ("sour cream", None), ("milk", 2)]
    assert apply_answer(ITEMS, "none") == []


@pytest.mark.parametrize("answer", ["4", "0 1", "x", "1=", "two"])
def test_unreadable_answers_are_errors_not_guesses(answer: str) -> None:
    with pytest.raises(BadInput):
        apply_answer(ITEMS, answer)
