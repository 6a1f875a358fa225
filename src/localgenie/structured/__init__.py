"""Schema-guided generation: JSON Schema → constrained decoding → validated data."""

from .extract import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_TOKENS,
    Extraction,
    check_text,
    complete_details,
    extract,
    extract_details,
)
from .schema import Schema, check_schema, load_schema
from .validate import schema_errors

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_TOKENS",
    "Extraction",
    "Schema",
    "check_schema",
    "check_text",
    "complete_details",
    "extract",
    "extract_details",
    "load_schema",
    "schema_errors",
]
