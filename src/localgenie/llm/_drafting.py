"""Prompt-lookup drafts and loop detection for the embedded decoder.

Extraction mostly copies values from its input, so after the model starts a
value the decoder looks up what it just wrote in the input and proposes the
text that follows there as a *draft*; greedy decoding then checks the draft on
one batch's logits and keeps the prefix it agrees with.

A draft is not free: on 2 cores a batch of k tokens costs about ``1 + 0.3 k``
one-token passes of the 1.5B model (the weights are read once, but the work
still grows with k), so a draft that is mostly rejected makes decoding slower.
`Drafter` therefore adapts the draft length to how much of the last drafts
was accepted, and pauses drafting after misses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

DRAFT_START_TOKENS = 4
DRAFT_MAX_TOKENS = 16
DRAFT_MAX_CHARS = 96
LOOKUP_TAIL_CHARS = 24
COOLDOWN_STEPS = 3  # steps without drafting after two drafts in a row that nothing was kept of
LOOP_MAX_PERIOD = 8
LOOP_MIN_SPAN = 32


def is_looping(tokens: Sequence[int], text: str = "", source: str | None = None) -> bool:
    """Has the output fallen into a short cycle ("111 111 111 …") for at least LOOP_MIN_SPAN tokens?

    Small models do this inside free strings; stopping early turns minutes of
    garbage into a quick retry.  A cycle that the source text itself contains
    (a long run of digits or dashes copied verbatim) is not a loop: ``text`` is
    the output so far and ``source`` the input it copies from.
    """
    for period in range(1, LOOP_MAX_PERIOD + 1):
        span = max(LOOP_MIN_SPAN, 4 * period)
        if len(tokens) < span:
            return False
        tail = tokens[-span:]
        if all(tail[i] == tail[i + period] for i in range(span - period)):
            return not (source and _copied(text, source))
    return False


def _copied(text: str, source: str) -> bool:
    """Is the end of ``text`` (the repeating part) found verbatim in ``source``?"""
    tail = text[-24:]
    return bool(tail) and tail in source


@dataclass
class DraftStats:
    """How drafting went in one generation: proposals, tokens drafted and kept."""

    drafts: int = 0
    drafted: int = 0
    accepted: int = 0

    @property
    def acceptance(self) -> float:
        return self.accepted / self.drafted if self.drafted else 0.0


class Drafter:
    """Proposes continuations of the output from the input text, sized by recent acceptance."""

    def __init__(self, source: str, tokenize: Callable[[str], list[int]]) -> None:
        self.source = source
        self._tokenize = tokenize
        self.length = DRAFT_START_TOKENS
        self._misses = 0
        self._cooldown = 0
        self._after = 0  # where in the source the last accepted draft ended: documents are read in order
        self._pending: int | None = None  # where in the source the last proposed draft starts
        self.stats = DraftStats()

    def propose(self, written: str, budget: int) -> list[int]:
        """Draft tokens (not yet checked against the grammar); empty when not worth it."""
        if self._cooldown > 0:
            self._cooldown -= 1
            return []
        if budget <= 0 or self.length <= 0:
            return []
        tail = written[-LOOKUP_TAIL_CHARS:]
        for size in range(len(tail), 0, -1):
            suffix = tail[-size:]
            if size == 1 and not suffix.isalnum():
                break
            found = self.source.find(suffix, self._after)
            if found < 0:
                found = self.source.find(suffix)
            if found < 0:
                continue
            start = found + size
            continuation = self.source[start : start + DRAFT_MAX_CHARS]
            if not continuation:
                return []
            self._pending = start
            return self._tokenize(continuation)[: min(self.length, budget)]
        return []

    def record(self, drafted: int, accepted: int, accepted_chars: int) -> None:
        """Adapt to the outcome: double after a full accept, shrink to what was kept, pause after misses."""
        self.stats.drafts += 1
        self.stats.drafted += drafted
        self.stats.accepted += accepted
        if accepted and self._pending is not None:
            self._after = self._pending + accepted_chars
        self._pending = None
        if accepted == drafted:
            self._misses = 0
            self.length = min(self.length * 2, DRAFT_MAX_TOKENS)
        elif accepted == 0:
            self._misses += 1
            self.length = max(1, self.length // 2)
            if self._misses >= 2:
                self._cooldown = COOLDOWN_STEPS
                self._misses = 0
        else:
            self._misses = 0
            self.length = max(2, accepted + 1)
