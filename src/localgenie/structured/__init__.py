"""Schema-guided generation: JSON Schema → constrained decoding → validated data."""

from .complete import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_TOKENS,
    Extraction,
    StreamEvent,
    check_answer,
    complete_details,
    complete_stream,
)
from .extract import Extractor, answer_budget, check_text, extract_details, extract_stream
from .formats import Normalisation
from .grammar import json_constraint
from .partial import FieldPath, Partial, Retry
from .schema import CheckedSchema, Schema, check_schema, load_schema
from .validate import schema_errors

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_TOKENS",
    "CheckedSchema",
    "Extraction",
    "Extractor",
    "FieldPath",
    "Normalisation",
    "Partial",
    "Retry",
    "Schema",
    "StreamEvent",
    "answer_budget",
    "check_answer",
    "check_schema",
    "check_text",
    "complete_details",
    "complete_stream",
    "extract_details",
    "extract_stream",
    "json_constraint",
    "load_schema",
    "schema_errors",
]
