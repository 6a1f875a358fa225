"""Genie: local-first LLM applications.

    import localgenie
    person = localgenie.extract("My name is John, 30.", Person)      # a Pydantic instance
    data = localgenie.extract(text, {"type": "object", ...})         # a dict, valid against the schema
    data = localgenie.extract(text, "name, age int, bio: one sentence")  # a concise schema
    people = localgenie.extract_many(text, Person)                   # every person in the text
    for event in localgenie.extract_stream(text, Person): ...        # the answer as it grows
    person = await localgenie.aextract(text, Person, base_url=URL)   # awaited; many in flight at once
    for r in localgenie.extract_batch(texts, Person): ...            # resumable: finished texts are cached

Everything runs offline on an embedded model by default (``tiny`` or
``default``); pass ``base_url=`` (or set ``GENIE_BASE_URL``) to use any
OpenAI-compatible server instead.
"""

from .aio import aextract, aextract_details, aextract_stream
from .api import extract, extract_details, extract_many, extract_stream, resolve_schema
from .batch import BatchResult, extract_batch
from .errors import (
    BackendError,
    BadInput,
    ContextOverflow,
    GenieError,
    ModelError,
    ModelNotFound,
    SchemaError,
    SchemaSyntaxError,
    SchemaViolation,
)
from .evaluation.run import evaluate
from .llm import Backend, GenerationOptions, Message, Response, Usage, get_backend, list_models
from .structured import Extraction, Extractor, FieldPath, Partial, Retry, StreamEvent, load_schema
from .structured.dsl import schema_from_dsl

__version__ = "0.1.0"

__all__ = [
    "Backend",
    "BackendError",
    "BadInput",
    "BatchResult",
    "ContextOverflow",
    "Extraction",
    "Extractor",
    "FieldPath",
    "GenerationOptions",
    "GenieError",
    "Message",
    "ModelError",
    "ModelNotFound",
    "Partial",
    "Response",
    "Retry",
    "SchemaError",
    "SchemaSyntaxError",
    "SchemaViolation",
    "StreamEvent",
    "Usage",
    "__version__",
    "aextract",
    "aextract_details",
    "aextract_stream",
    "evaluate",
    "extract",
    "extract_batch",
    "extract_details",
    "extract_many",
    "extract_stream",
    "get_backend",
    "list_models",
    "load_schema",
    "resolve_schema",
    "schema_from_dsl",
]
