"""Genie's error types.

Every failure a user can cause or fix has its own type, with a message that
says what to do.  The CLI maps these types to exit codes in one place
(`localgenie.cli`), so library code raises and never calls ``sys.exit``.
"""

from __future__ import annotations

from typing import Any


class GenieError(Exception):
    """Base class of every error Genie raises on purpose."""

    exit_code = 1


class BadInput(GenieError):
    """The caller gave something Genie cannot use: fix the input and retry."""

    exit_code = 2


class SchemaError(BadInput):
    """The JSON Schema is unreadable, invalid, or uses something Genie refuses."""


class SchemaSyntaxError(SchemaError):
    """A concise schema (``'name, age int'``) does not parse: ``line``/``column`` (1-based) say where."""

    def __init__(self, message: str, *, position: int, line: int, column: int, expected: str):
        super().__init__(message)
        self.position = position
        self.line = line
        self.column = column
        self.expected = expected


class ContextOverflow(BadInput):
    """The text does not fit in the model's context window."""


class ModelNotFound(BadInput):
    """No model by that name or path."""


class NotFound(BadInput):
    """No stored thing with that id (pantry item, recipe, job, draft): it never existed or was removed."""


class Conflict(BadInput):
    """The request is well-formed but the stored state does not allow it now (e.g. nothing to undo)."""


class ModelError(GenieError):
    """A model file exists but cannot be used (corrupt, truncated, wrong checksum)."""

    exit_code = 4


class BackendError(GenieError):
    """A remote inference server is unreachable or answered something unusable."""

    exit_code = 4


class AnswerInterrupted(BackendError):
    """A server closed the connection (or ended its stream without a finish reason) after part of the
    answer had already reached the caller: that part cannot be taken back, so the backend does not retry
    it itself.  The validate-and-retry loop asks again as a new attempt (`localgenie.structured`)."""


class SchemaViolation(GenieError):
    """The model could not produce output valid against the schema, even after retries.

    ``errors`` lists ``(json_path, message)`` pairs from the last attempt; ``raw``
    is the last answer's text (bounded) and ``usage`` what all attempts cost, so
    a failure can be debugged and accounted for like a success.
    """

    exit_code = 3

    def __init__(
        self,
        message: str,
        errors: list[tuple[str, str]] | None = None,
        attempts: int = 0,
        *,
        usage: Any = None,
        raw: str = "",
    ):
        super().__init__(message)
        self.errors = errors or []
        self.attempts = attempts
        self.usage = usage
        self.raw = raw


class LowConfidence(GenieError):
    """Valid output, but some values were generated with too little confidence to be trusted unread
    (``genie extract --min-confidence``): ``fields`` maps each pointer to its ``(min, mean)``
    probabilities, or None when the backend gave no log-probabilities."""

    exit_code = 3

    def __init__(self, message: str, fields: dict[str, tuple[float, float] | None] | None = None):
        super().__init__(message)
        self.fields = fields or {}


class GenieWarning(UserWarning):
    """Something went wrong that does not stop the work (e.g. the extraction log is unusable): the CLI
    prints it as ``genie: warning: ...``."""
