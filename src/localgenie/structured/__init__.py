"""Schema-guided generation: JSON Schema → constrained decoding → validated data."""

from .complete import DEFAULT_MAX_RETRIES, DEFAULT_MAX_TOKENS, Extraction, check_answer, complete_details
from .extract import Extractor, answer_budget, check_text, extract_details
from .formats import Normalisation
from .grammar import json_constraint
from .schema import CheckedSchema, Schema, check_schema, load_schema
from .validate import schema_errors

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_TOKENS",
    "CheckedSchema",
    "Extraction",
    "Extractor",
    "Normalisation",
    "Schema",
    "answer_budget",
    "check_answer",
    "check_schema",
    "check_text",
    "complete_details",
    "extract_details",
    "json_constraint",
    "load_schema",
    "schema_errors",
]
