"""The one interface every model backend implements.

Chat messages go in; a `Response` comes out.  A response is lazy and iterable
(stream the text as it is produced) and knows its token usage once finished,
the same shape as Simon Willison's ``llm``.  When a JSON Schema is given the
backend constrains or requests JSON as well as it can; checking the result
against the schema is the job of `localgenie.structured`, for every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One chat turn.  ``images`` are ``data:image/...;base64,`` URLs sent beside the text to servers
    with image input; backends that cannot see refuse such messages rather than drop the pictures."""

    role: Role
    content: str
    images: tuple[str, ...] = ()


@dataclass
class Usage:
    """Token accounting for one response.

    ``forward_passes`` counts model evaluations (embedded backend only): forced
    and drafted tokens are evaluated in batches, so it can be far below
    ``completion_tokens``.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    forward_passes: int = 0
    cached_prompt_tokens: int = 0

    def __iadd__(self, other: Usage) -> Usage:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.forward_passes += other.forward_passes
        self.cached_prompt_tokens += other.cached_prompt_tokens
        return self


@dataclass
class GenerationOptions:
    max_tokens: int = 512
    temperature: float = 0.0
    top_p: float = 0.95
    seed: int | None = None
    json_schema: dict[str, Any] | None = None
    # Text the answer is expected to copy from (the input of an extraction): the embedded
    # backend drafts tokens from it; others ignore it.
    lookup_text: str | None = None


class Response:
    """A model's answer: iterate for text chunks, or call `text()` for all of it."""

    def __init__(self, run: Callable[[Response], Iterator[str]], usage: Usage) -> None:
        self._run = run
        self._parts: list[str] = []
        self._done = False
        self.usage = usage
        self.finish_reason: str | None = None

    def __iter__(self) -> Iterator[str]:
        if self._done:
            yield from self._parts
            return
        for chunk in self._run(self):
            self._parts.append(chunk)
            yield chunk
        self._done = True

    def text(self) -> str:
        for _ in self:
            pass
        return "".join(self._parts)


@dataclass
class BackendInfo:
    """What a backend is, for ``genie models`` and diagnostics."""

    kind: Literal["embedded", "remote"]
    model: str
    context_length: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    """A chat model.  Two real implementations: `LlamaCppBackend` and `OpenAICompatBackend`."""

    info: BackendInfo

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        """Start generating; nothing runs until the response is iterated."""
        ...

    def count_tokens(self, text: str) -> int | None:
        """Tokens in ``text`` for this model, or None when the backend cannot tell."""
        ...
