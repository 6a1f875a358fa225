"""Test doubles for fast tests where a model adds nothing: a scripted `Backend` and a scripted `Extractor`.

`ScriptedBackend` implements the real `localgenie.llm.Backend` protocol: each call to ``prompt`` takes
the next answer of its script and streams it token by token (a token is a word, a run of spaces or one
punctuation mark), stopping with ``finish_reason="length"`` at ``max_tokens`` as a real decoder does.
It records every chat and its options, so a test can read what the retry loop showed the model.  It
never looks at the constraint: an answer the grammar would forbid is exactly what the tests need to
send (the remote backends have no grammar either).  Real-model behaviour is tested on ``tiny``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from localgenie.errors import ContextOverflow
from localgenie.llm import Backend, BackendInfo, GenerationOptions, Message, Response, Token, Usage
from localgenie.structured import Extraction, Extractor, Schema

_PIECES = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Answer:
    """One scripted reply: its text and how the generation ended (``repetition``: the loop guard)."""

    text: str
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Call:
    """What the backend was given for one reply."""

    messages: list[Message]
    options: GenerationOptions


def pieces(text: str) -> list[str]:
    """The tokens `ScriptedBackend` streams ``text`` as: they join back to ``text``."""
    return _PIECES.findall(text)


class ScriptedBackend:
    """A `Backend` that replies with the given answers, in order, and records what it was asked.

    Usage is counted as a real backend counts it: one prompt token per piece of every message, one
    completion token per piece streamed.  Asking for more replies than the script has fails the test.
    """

    def __init__(self, *answers: str | Answer, context_length: int | None = None) -> None:
        self.info = BackendInfo(kind="embedded", model="scripted", context_length=context_length)
        self._script = [a if isinstance(a, Answer) else Answer(a) for a in answers]
        self.calls: list[Call] = []
        self.responses: list[Response] = []

    @property
    def unused(self) -> int:
        """Answers of the script nobody asked for."""
        return len(self._script) - len(self.calls)

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        options = options or GenerationOptions()
        if len(self.calls) >= len(self._script):
            raise AssertionError(
                f"the script has {len(self._script)} answers; call {len(self.calls) + 1} came"
            )
        answer = self._script[len(self.calls)]
        self.calls.append(Call(list(messages), options))
        usage = Usage(prompt_tokens=sum(self.count_tokens(m.content) for m in messages))

        def run(response: Response) -> Iterator[Token]:
            streamed = pieces(answer.text)
            for piece in streamed[: options.max_tokens]:
                usage.completion_tokens += 1
                usage.forward_passes += 1
                yield Token(piece, None, -0.5, "sampled")
            cut = len(streamed) > options.max_tokens
            response.finish_reason = "length" if cut else answer.finish_reason

        response = Response(run, usage)
        self.responses.append(response)
        return response

    def count_tokens(self, text: str) -> int:
        return len(pieces(text))


class ReadingBackend(ScriptedBackend):
    """A `ScriptedBackend` whose reply to each prompt is ``answer(text)``, ``text`` being the input text
    of the extraction prompt (between its fences): a "model" that reads, for tests of chunked runs,
    where which chunk a prompt holds decides the answer."""

    def __init__(self, answer: Callable[[str], str], *, context_length: int | None = None) -> None:
        super().__init__(context_length=context_length)
        self._answer = answer
        self.texts: list[str] = []

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        user = next(m.content for m in messages if m.role == "user")
        text = user.split("<<<\n", 1)[1].rsplit("\n>>>", 1)[0]
        self.texts.append(text)
        self._script.append(Answer(self._answer(text)))
        limit, room = self.info.context_length, (options or GenerationOptions()).max_tokens
        asked = sum(self.count_tokens(m.content) for m in messages) + 16  # + a chat template's tokens
        if limit is not None and asked + room > limit:  # as the embedded backend refuses it
            raise ContextOverflow(f"the prompt is {asked:,} tokens, {room:,} reserved, the context {limit:,}")
        return super().prompt(messages, options)


def _is_a_backend(backend: ScriptedBackend) -> Backend:
    return backend  # mypy holds the double to the real protocol (mypy tests/structured/scripted.py)


def answering(answer: Callable[..., Any]) -> Extractor:
    """An `Extractor` whose value is what ``answer(text, schema, model=...)`` returns: the data a model
    would have returned, written by hand, for tests of the code an app runs on it."""

    def extract(
        text: str, schema: Schema | type[BaseModel], *, model: str | None = None, **bounds: Any
    ) -> Extraction[Any]:
        return Extraction(answer(text, schema, model=model), attempts=1, usage=Usage(), raw="")

    return extract
