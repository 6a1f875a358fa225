"""Menu ordering: an extracted `Order` (built by hand here, as the LLM would fill it) priced by code."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from localgenie.errors import BadInput
from localgenie.kitchen.order import (
    Order,
    OrderLine,
    OrderNotUnderstood,
    load_menu,
    order_from_text,
    price_order,
)
from tests.structured.scripted import answering

MENU = Path(__file__).resolve().parents[2] / "examples" / "menu.toml"


def test_the_issue_example_is_priced_from_the_menu() -> None:
    """ "two large pepperonis, one medium veggie without olives, extra cheese on one of the large" """
    order = Order(
        lines=[
            OrderLine(item="pepperoni pizza", size="large", quantity=1, add=["extra cheese"]),
            OrderLine(item="pepperoni pizza", size="large", quantity=1),
            OrderLine(item="veggie", size="medium", quantity=1, remove=["olives"]),
        ]
    )
    priced = price_order(order, load_menu(MENU))
    assert [(x.description, x.quantity, x.total) for x in priced.lines] == [
        ("large Pepperoni pizza (+ extra cheese)", 1, Decimal("17.50")),
        ("large Pepperoni pizza", 1, Decimal("16.00")),
        ("medium Veggie pizza (no olives)", 1, Decimal("14.00")),
    ]
    assert priced.total == Decimal("47.50") and priced.problems == []


def test_plural_and_alias_names_and_unsized_items() -> None:
    order = Order(
        lines=[OrderLine(item="Pepperonis", size="Small", quantity=2), OrderLine(item="coke", quantity=3)]
    )
    priced = price_order(order, load_menu(MENU))
    assert priced.total == Decimal("27.50")


def test_unknown_items_sizes_and_extras_are_reported_never_priced() -> None:
    order = Order(
        lines=[
            OrderLine(item="truffle pizza", size="large"),
            OrderLine(item="pepperoni", size="family"),
            OrderLine(item="pepperoni"),
            OrderLine(item="margherita", size="large", add=["gold leaf"], remove=["anchovies"]),
            OrderLine(item="soda", quantity=0),
        ]
    )
    priced = price_order(order, load_menu(MENU))
    assert priced.total == Decimal("15.00")  # only the margherita, without the unknown extra
    text = "\n".join(priced.problems)
    for expected in [
        "unknown item 'truffle pizza'",
        "size 'family'",
        "no size given",
        "'gold leaf' is not on the menu",
        "no 'anchovies'",
        "quantity 0",
    ]:
        assert expected in text


def test_order_from_text_uses_the_given_extraction_function() -> None:
    seen: list[Any] = []

    @answering
    def fake_extract(text: str, schema: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
        seen.append((text, schema, model))
        return {
            "lines": [
                {"said": "two garlic breads", "item": "Garlic bread", "quantity": 2},
                {"said": "a soda", "item": "Soda", "quantity": 1},  # not in the text: invented
            ],
            "not_on_menu": ["truffle pizza"],
        }

    order, priced = order_from_text(
        "Two garlic  breads, a truffle pizza", load_menu(MENU), fake_extract, model="tiny"
    )
    text, schema, model = seen[0]
    assert (text, model) == ("Two garlic  breads, a truffle pizza", "tiny")
    assert next(iter(schema["$defs"]["OrderLine"]["properties"])) == "said"
    assert "'Soda' ('a soda') is not in the order text, not added" in priced.corrections
    item_schema = schema["$defs"]["OrderLine"]["properties"]["item"]
    assert "Garlic bread" in item_schema["enum"] and "Pepperoni pizza" in item_schema["enum"]
    assert priced.total == Decimal("10.00") and order.lines[0].quantity == 2
    assert any("truffle pizza" in problem for problem in priced.problems)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("items = [", "not valid TOML"),
        ("name = 'x'", "does not fit"),
        ("[[items]]\nname = 'Soup'\n", "neither a price"),
    ],
)
def test_bad_menu_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "menu.toml"
    path.write_text(content)
    with pytest.raises(BadInput, match=message):
        load_menu(path)
    with pytest.raises(BadInput, match="does not exist"):
        load_menu(tmp_path / "nope.toml")


def test_code_holds_each_line_to_the_words_it_came_from() -> None:
    """What default actually returned for the issue's order: extra cheese on every line, a third pizza."""
    text = "two large pepperonis, one medium veggie without olives, extra cheese on one of the large"

    @answering
    def as_default_did(text: str, schema: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
        return {
            "lines": [
                {
                    "said": "two large pepperonis",
                    "item": "Pepperoni pizza",
                    "size": "large",
                    "quantity": 2,
                    "add": ["extra cheese"],
                    "remove": [],
                },
                {
                    "said": "one medium veggie without olives",
                    "item": "Veggie pizza",
                    "size": "medium",
                    "quantity": 1,
                    "add": ["extra cheese"],
                    "remove": ["olives"],
                },
                {
                    "said": "extra cheese on one of the large",
                    "item": "Pepperoni pizza",
                    "size": "large",
                    "quantity": 1,
                    "add": ["extra cheese"],
                    "remove": [],
                },
            ],
            "not_on_menu": ["Soda"],
        }

    _, priced = order_from_text(text, load_menu(MENU), as_default_did)
    assert not any("Soda" in p for p in priced.problems)  # not said, so not even reported
    assert [(x.quantity, x.description) for x in priced.lines] == [
        (1, "large Pepperoni pizza"),
        (1, "medium Veggie pizza (no olives)"),
        (1, "large Pepperoni pizza (+ extra cheese)"),
    ]
    assert priced.total == Decimal("16.00") + Decimal("14.00") + Decimal("17.50")
    assert priced.problems == [] and len(priced.corrections) == 2


# What tiny returned for the issue's order: the item names copied into "said", no sizes, a soda.
TINY_ANSWER = {
    "lines": [
        {"said": "Pepperoni pizza", "item": "Pepperoni pizza"},
        {"said": "Veggie pizza", "item": "Veggie pizza"},
        {"said": "Soda", "item": "Soda"},
    ]
}
ISSUE_TEXT = "two large pepperonis, one medium veggie without olives"


def test_an_answer_that_loses_the_whole_order_is_asked_again_then_fails_naming_what_was_dropped() -> None:
    schemas: list[dict[str, Any]] = []

    @answering
    def as_tiny_did(text: str, schema: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
        schemas.append(schema)
        return TINY_ANSWER

    with pytest.raises(OrderNotUnderstood) as caught:
        order_from_text(ISSUE_TEXT, load_menu(MENU), as_tiny_did)
    error = caught.value
    assert error.exit_code == 3 and error.attempts == 2 and len(schemas) == 2
    message = str(error)
    assert "Pepperoni pizza, Veggie pizza" in message  # what the text plainly orders
    assert "'Pepperoni pizza' ('Pepperoni pizza') is not in the order text" in message
    assert ("$.lines", "'Soda' ('Soda') is not in the order text, not added") in error.errors
    # The second attempt cannot anchor a line to words the text does not have.
    said = schemas[1]["$defs"]["OrderLine"]["properties"]["said"]
    assert said["enum"] == ["two large pepperonis", "one medium veggie without olives"]
    assert "enum" not in schemas[0]["$defs"]["OrderLine"]["properties"]["said"]


def test_a_second_answer_that_keeps_the_order_is_priced_and_the_retry_is_reported() -> None:
    answers = [
        TINY_ANSWER,
        {
            "lines": [
                {"said": "two large pepperonis", "item": "Pepperoni pizza", "quantity": 2},
                {"said": "two large pepperonis", "item": "Soda"},  # words that do not order a soda
                {"said": "one medium veggie without olives", "item": "Veggie pizza", "remove": ["olives"]},
            ]
        },
    ]

    @answering
    def extract(text: str, schema: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
        return answers.pop(0)

    _, priced = order_from_text(ISSUE_TEXT, load_menu(MENU), extract)
    # Sizes come from the words when the model leaves them out.
    assert [(x.quantity, x.description) for x in priced.lines] == [
        (2, "large Pepperoni pizza"),
        (1, "medium Veggie pizza (no olives)"),
    ]
    assert priced.total == Decimal("46.00") and priced.problems == []
    assert priced.corrections[0].startswith("the first answer kept nothing of the order")
    assert "'Soda' is not what 'two large pepperonis' orders, not added" in priced.corrections


def test_a_size_the_words_do_not_say_is_asked_for_never_guessed() -> None:
    @answering
    def extract(text: str, schema: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
        return {"lines": [{"said": "a veggie", "item": "Veggie pizza", "size": "medium"}]}

    _, priced = order_from_text("a veggie", load_menu(MENU), extract)
    assert priced.lines == [] and priced.total == 0
    assert "Veggie pizza: no size given; choose one of small, medium, large; not priced" in priced.problems


def test_an_order_of_nothing_on_the_menu_is_the_texts_problem_not_a_failed_answer() -> None:
    calls: list[str] = []

    @answering
    def extract(text: str, schema: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
        calls.append(text)
        return {"lines": [], "not_on_menu": ["truffle pizza"]}

    _, priced = order_from_text("a truffle pizza", load_menu(MENU), extract)
    assert len(calls) == 1 and priced.lines == []
    assert "the order is empty" in priced.problems
    assert "'truffle pizza' is not on the menu, not priced" in priced.problems
