"""Example schemas offered by the Extract page (the seed's person schema first)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from localgenie.kitchen.extraction import PantryExtraction
from localgenie.kitchen.order import Order


@dataclass(frozen=True)
class Example:
    key: str
    title: str
    schema: dict[str, Any] | bool
    text: str

    @property
    def schema_text(self) -> str:
        return json.dumps(self.schema, indent=2)


PERSON: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Person",
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "first name as written"},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "address": {
            "type": "object",
            "properties": {
                "street": {"type": "string", "description": "street name only, without the house number"},
                "number": {"type": "integer", "description": "house number"},
                "city": {"type": "string"},
                "country": {
                    "type": "string",
                    "description": "country; infer it from the city when not stated",
                },
            },
            "required": ["street", "number", "city", "country"],
            "additionalProperties": False,
        },
    },
    "required": ["name", "age", "address"],
    "additionalProperties": False,
}

EXAMPLES = [
    Example(
        "person",
        "Person (the seed example)",
        PERSON,
        "My name is John and I am 30 years old. I live in New York, on 5th Avenue, number 10.",
    ),
    Example(
        "event",
        "Event with a date and an enum",
        {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "date": {"type": "string", "format": "date"},
                "kind": {"enum": ["meeting", "party", "deadline", "other"]},
                "people": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
            },
            "required": ["title", "date", "kind"],
            "additionalProperties": False,
        },
        "Reminder: the budget review meeting with Ana and Li is on 2025-03-14.",
    ),
    Example(
        "pantry",
        "Pantry items (KitchenGenie)",
        PantryExtraction.model_json_schema(),
        "a dozen eggs, half a bag of spinach, 2 chicken breasts in the freezer",
    ),
    Example(
        "order",
        "Food order (menu ordering)",
        Order.model_json_schema(),
        "two large pepperonis and one medium veggie without olives",
    ),
]
BY_KEY = {e.key: e for e in EXAMPLES}
