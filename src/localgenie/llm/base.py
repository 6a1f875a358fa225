"""The one interface every model backend implements.

Chat messages go in; a `Response` comes out.  A response is lazy and iterable
(stream the text as it is produced) and knows its token usage once finished,
the same shape as Simon Willison's ``llm``.  Underneath the text, a response
is a stream of `Token` facts (id, log-probability, forced / drafted / sampled)
that streaming, confidence and the cascade read.  When a `Constraint` is given
the backend constrains or requests JSON as well as it can; building the
constraint from a schema and checking the result against the schema are the
job of `localgenie.structured`, for every backend.
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
    ``completion_tokens``.  ``cached_prompt_tokens`` were reused from the KV
    cache instead of evaluated.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    forward_passes: int = 0
    cached_prompt_tokens: int = 0
    drafted_tokens: int = 0  # tokens proposed from the input text (embedded backend)
    accepted_draft_tokens: int = 0  # of those, the ones greedy decoding agreed with

    def __iadd__(self, other: Usage) -> Usage:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


TokenKind = Literal["sampled", "forced", "drafted"]


@dataclass(frozen=True)
class Token:
    """One generated token and what the decoder knew about it.

    ``kind`` says where it came from: *sampled* (the model chose it), *forced*
    (the grammar allowed nothing else: certain, ``logprob`` 0.0) or *drafted*
    (copied from the input and accepted because greedy decoding chose it too).
    ``logprob`` is the natural-log probability of the token under the
    constraint's mask (the model's distribution renormalised over the tokens the
    grammar allowed), or None when the backend cannot tell.  ``text`` is the
    text this token completes: empty while a multi-byte character is split
    across tokens, then the whole character on the token that ends it.
    """

    text: str
    id: int | None = None
    logprob: float | None = None
    kind: TokenKind = "sampled"


@dataclass(frozen=True)
class Constraint:
    """What the answer must match, as each kind of backend needs it.

    ``json_schema`` goes to servers (``response_format``); ``grammar`` is the same
    schema compiled for token masking (an llguidance grammar), used by embedded
    decoders.  `localgenie.structured` builds both: the model layer never
    compiles a schema itself.
    """

    json_schema: dict[str, Any]
    grammar: str | None = None


@dataclass
class GenerationOptions:
    max_tokens: int = 512
    temperature: float = 0.0
    top_p: float = 0.95
    seed: int | None = None
    constraint: Constraint | None = None
    # Text the answer is expected to copy from (the input of an extraction): the embedded
    # backend drafts tokens from it; others ignore it.
    lookup_text: str | None = None
    # Ask for per-token log-probabilities where that costs something (servers); the embedded
    # backend always reports them.
    logprobs: bool = False

    @property
    def json_schema(self) -> dict[str, Any] | None:
        return self.constraint.json_schema if self.constraint is not None else None


class Response:
    """A model's answer: iterate for text chunks, `tokens()` for token facts, or `text()` for all of it.

    Nothing runs until it is iterated; it can be iterated again (the second time from memory).
    """

    def __init__(self, run: Callable[[Response], Iterator[Token | str]], usage: Usage) -> None:
        self._run = run
        self._stream: Iterator[Token | str] | None = None
        self._tokens: list[Token] = []
        self._done = False
        self.usage = usage
        self.finish_reason: str | None = None

    def tokens(self) -> Iterator[Token]:
        """Every generated token as it is produced (empty-text tokens included).

        Iterating again replays what was produced.  A consumer that stops early ends the generation
        (its backend's lock and context are freed at once): the response then holds what was read.
        """
        index = 0
        try:
            while True:
                while index < len(self._tokens):
                    yield self._tokens[index]
                    index += 1
                if self._done:
                    return
                if self._stream is None:
                    self._stream = self._run(self)
                try:
                    item = next(self._stream)
                except StopIteration:
                    self._done = True
                    return
                # A backend of one's own (a test double, a plugin) may yield plain text.
                self._tokens.append(Token(item) if isinstance(item, str) else item)
        finally:
            if not self._done:
                self.close()

    def close(self) -> None:
        """Stop generating now; what was produced stays readable."""
        if self._stream is not None and hasattr(self._stream, "close"):
            self._stream.close()
        if not self._done:
            self._done = True
            self.finish_reason = "cancelled"

    @property
    def done(self) -> bool:
        return self._done

    def __iter__(self) -> Iterator[str]:
        for token in self.tokens():
            if token.text:
                yield token.text

    def text(self) -> str:
        for _ in self.tokens():
            pass
        return "".join(token.text for token in self._tokens)


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
