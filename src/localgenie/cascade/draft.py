"""The next stage checks the earlier stage's answer instead of writing its own from scratch.

An earlier stage that was not accepted has often written much of the answer right: the keys, the
values it copied correctly.  `DraftFrom` hands that text to the next model as a source of drafts (the
embedded decoder's prompt-lookup drafting, `llm._drafting`): where the earlier answer continues what
the next model is writing, it is proposed as a draft and verified on one batch's logits, and only the
prefix greedy decoding agrees with is kept.  So the answer is still the next model's own greedy answer
(the check of issue #14 part 2, "is the cheap answer what the strong model would say", made exact),
and each agreeing token costs a share of a batched pass instead of a decoding step; where the cheap
answer is wrong, a rejected draft costs little and drafting pauses (`Drafter`).

This is a teacher-forced check that does not start over: scoring the cheap answer under the strong
model costs one prompt pass over it, and a rejection then costs the strong model's full decode as
well; here the agreeing prefix is kept and decoding goes on from the first disagreement.  Servers
ignore ``lookup_text``: on the remote stage this changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from ..llm import Backend, GenerationOptions, Message, Response

SEPARATOR = "\n\n"


class DraftFrom:
    """A backend wrapper that adds ``earlier`` (an earlier stage's raw answer) to the draft source."""

    def __init__(self, backend: Backend, earlier: str) -> None:
        self._backend = backend
        self.info = backend.info
        self.earlier = earlier

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        options = options or GenerationOptions()
        if options.lookup_text is not None:  # no drafting asked for: none added
            source = f"{options.lookup_text}{SEPARATOR}{self.earlier}"
            options = replace(options, lookup_text=source)
        return self._backend.prompt(messages, options)

    def count_tokens(self, text: str) -> int | None:
        return self._backend.count_tokens(text)
