"""Full JSON Schema validation of generated data: the last word on every backend."""

from __future__ import annotations

from typing import Any

from ._jsonschema import jsonschema
from .schema import Schema, schema_registry

MAX_REPORTED_ERRORS = 8


def schema_errors(schema: Schema, instance: Any) -> list[tuple[str, str]]:
    """``(json_path, message)`` for everything wrong with ``instance``; empty when it is valid.

    Formats are checked (``format`` is an assertion here, not an annotation):
    an extraction that returns "tomorrow" for a ``date`` field is wrong.
    """
    validator = jsonschema.Draft202012Validator(
        schema,
        registry=schema_registry(schema),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [(e.json_path, e.message) for e in errors[:MAX_REPORTED_ERRORS]]
