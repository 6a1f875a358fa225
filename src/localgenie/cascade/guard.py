"""A bound on what an earlier stage may spend: no string longer than the text it is read from.

The cascade stops a cheap stage at its first *completed* value that is not in the text
(`checks.early_reasons`), but a small model can also open a string and never close it: `tiny` on an
expense report wrote ``employee_id`` for 965 tokens (46 s) until the token cap cut it off.  A value
the cascade would accept is copied from the text, so it cannot be longer than the line it stands on
(plus a little, for escapes and completed formats); `StringCap` ends the answer there and says so
(``tripped``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..llm import Backend, GenerationOptions, Message, Response, Token

SLACK = 16  # characters beyond the longest line: escapes, a completed date or unit
FLOOR = 64


class StringCap:
    """A backend wrapper that ends an answer when one JSON string grows past ``limit`` characters."""

    def __init__(self, backend: Backend, limit: int) -> None:
        self._backend = backend
        self.info = backend.info
        self.limit = limit
        self.tripped = False
        self.written = ""  # the answer so far (of the last prompt): what the next stage may draft from

    @classmethod
    def for_text(cls, backend: Backend, text: str) -> StringCap:
        """Capped at the text's longest line (values are copied from within a line; a text of one
        long paragraph allows its whole length), and never under `FLOOR` characters."""
        longest = max((len(line) for line in text.splitlines()), default=len(text))
        return cls(backend, max(FLOOR, longest) + SLACK)

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        inner = self._backend.prompt(messages, options)
        return Response(lambda outer: self._capped(inner, outer), inner.usage)

    def count_tokens(self, text: str) -> int | None:
        return self._backend.count_tokens(text)

    def _capped(self, inner: Response, outer: Response) -> Iterator[Token]:
        inside = escaped = False
        length = 0
        self.written = ""
        stream = inner.tokens()
        try:
            for token in stream:
                self.written += token.text
                for char in token.text:
                    if not inside:
                        inside, length = char == '"', 0
                    elif escaped:
                        escaped, length = False, length + 1
                    elif char == "\\":
                        escaped = True
                    elif char == '"':
                        inside = False
                    else:
                        length += 1
                if inside and length > self.limit:
                    self.tripped = True
                    outer.finish_reason = "length"
                    return
                yield token
            outer.finish_reason = inner.finish_reason
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stop the model now, not when the generator is collected
