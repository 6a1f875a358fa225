"""Genie: local-first LLM applications.

    import localgenie
    person = localgenie.extract("My name is John, 30.", Person)      # a Pydantic instance
    data = localgenie.extract(text, {"type": "object", ...})         # a dict, valid against the schema

Everything runs offline on an embedded model by default (``tiny`` or
``default``); pass ``base_url=`` (or set ``GENIE_BASE_URL``) to use any
OpenAI-compatible server instead.
"""

from .errors import (
    BackendError,
    BadInput,
    ContextOverflow,
    GenieError,
    ModelError,
    ModelNotFound,
    SchemaError,
    SchemaViolation,
)
from .llm import Backend, GenerationOptions, Message, Response, Usage, get_backend, list_models
from .structured import Extraction, extract, extract_details, load_schema

__version__ = "0.1.0"

__all__ = [
    "Backend",
    "BackendError",
    "BadInput",
    "ContextOverflow",
    "Extraction",
    "GenerationOptions",
    "GenieError",
    "Message",
    "ModelError",
    "ModelNotFound",
    "Response",
    "SchemaError",
    "SchemaViolation",
    "Usage",
    "__version__",
    "extract",
    "extract_details",
    "get_backend",
    "list_models",
    "load_schema",
]
