"""The server's own models (health, models, settings, jobs) and extraction's."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from localgenie.llm import Usage
from localgenie.structured import DEFAULT_MAX_RETRIES, DEFAULT_MAX_TOKENS

from .common import Out, rounded

MAX_TEXT = 100_000
MAX_SCHEMA_TEXT = 200_000


class Health(Out):
    status: str
    version: str
    model: str
    queue_waiting: int
    queue_capacity: int


class ModelOut(Out):
    name: str
    description: str
    status: str = Field(description="ready, not assembled, missing package or missing file")
    size: int | None
    selected: bool


class SettingsIn(BaseModel):
    model: str = Field(min_length=1, max_length=40, description="a built-in model name (see /api/models)")


class SettingsOut(Out):
    model: str
    backend: str


class JobOut(Out):
    """A background job as the API shows it: no parameters (they hold server-side file names), no result
    body (the report has its own endpoints)."""

    id: str
    kind: str
    status: str = Field(description="queued, running, done or failed")
    title: str
    stage: str
    done: int
    total: int
    progress: Annotated[float, rounded(4)] = Field(
        validation_alias="fraction", description="0..1 over all stages"
    )
    error: str | None
    created: str
    updated: str


class ExtractForm(BaseModel):
    """The Extract page's form: the schema as JSON text, and the text."""

    schema_text: str
    text: str


class ExtractRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    text: str = Field(min_length=1, max_length=MAX_TEXT, description="the text to extract from")
    json_schema: dict[str, Any] | Literal[True] = Field(
        alias="schema", description="a JSON Schema (2020-12); remote $refs are refused"
    )
    max_retries: int = Field(default=DEFAULT_MAX_RETRIES, ge=0, le=5)
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, ge=16, le=4096)
    grounded_only: bool = Field(
        default=False,
        description="every copied string (not enums) must be found in the text, as for fields marked "
        '"x-grounded": true; otherwise 422 naming the field',
    )


class ConfidenceOut(Out):
    min: float = Field(description="probability of the value's least likely token the model chose")
    mean: float = Field(description="mean probability of those tokens")
    tokens: int = Field(description="how many tokens counted (0: the grammar wrote the value alone)")


class StageOut(Out):
    stage: str = Field(description="a model of the cascade (model auto): tiny, default, remote, ...")
    outcome: str = Field(description="accepted, rejected (failed the checks), failed (an error) or skipped")
    reasons: list[str]
    seconds: Annotated[float, rounded(3)]


class ExtractResponse(Out):
    value: Any = Field(description="valid against the schema")
    attempts: int
    usage: Usage
    model: str
    seconds: Annotated[float, rounded(3)]
    spans: dict[str, tuple[int, int] | None] = Field(
        description="per JSON pointer (/address/city): [start, end] offsets into text in Python "
        "characters (code points), or null when the value is not in the text"
    )
    confidence: dict[str, ConfidenceOut] = Field(
        description="per JSON pointer; a leaf is missing when the model reported no log-probabilities"
    )
    stages: list[StageOut] = Field(
        default_factory=list, description="with the model auto: each model asked, in order, and its outcome"
    )
