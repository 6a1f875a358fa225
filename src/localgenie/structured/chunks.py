"""A long text cut into overlapping chunks that each fit a token budget, on the best boundaries it has.

`split(text, max_tokens, count_tokens)` gives `Chunk` s (``start``, ``end``: Python-character offsets
into ``text``, so ``text[chunk.start:chunk.end]`` is the chunk) such that

- every character of the text is in at least one chunk, in order, and consecutive chunks overlap by
  about ``overlap`` tokens (a value written across a cut is whole in one of the two);
- each chunk holds at most ``max_tokens`` tokens as ``count_tokens`` counts them;
- a chunk ends at a paragraph break (a blank line) when one lies in the second half of what fits, else
  at a sentence end (``.``, ``!``, ``?`` and their CJK forms, or a line break), else between words,
  and only a single word longer than the budget is cut inside;
- an overlap starts at a sentence start where it can.

Separators (the blank line, the space after a full stop) stay with the text before them.  Pure code: no
model, no I/O; the only cost is ``count_tokens`` on each piece and on each chunk once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_OVERLAP = 0.1  # of a chunk's budget: enough for a sentence or two across each cut

_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_SENTENCE = re.compile(r"(?:[.!?…]+[\"'”’)\]]*\s+|[。！？]+\s*|\n\s*)")
_WORD = re.compile(r"\s+")

# How good a place to cut each boundary is: a chunk ends at the best one in the second half of its room.
PARAGRAPH, SENTENCE, WORD, CHARACTER = 3, 2, 1, 0


@dataclass(frozen=True)
class Chunk:
    """``text[start:end]``: one piece of a longer text (Python-character offsets into the whole)."""

    start: int
    end: int


@dataclass(frozen=True)
class ChunkReport:
    """What became of one chunk of a long text: where it is (``start``, ``end`` in the whole text),
    which reading (``pass_number``: 1, or 2+ for ``passes``), how many attempts it took and, when no
    valid answer came for it, why (``error``; its items or fields are then missing from the result)."""

    start: int
    end: int
    pass_number: int = 1
    attempts: int = 0
    error: str | None = None


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    tokens: int
    level: int  # the kind of boundary at this piece's end (`PARAGRAPH` ... `CHARACTER`)


def split(
    text: str,
    max_tokens: int,
    count_tokens: Callable[[str], int | None],
    *,
    overlap: int | None = None,
) -> list[Chunk]:
    """``text`` in chunks of at most ``max_tokens`` tokens, overlapping by about ``overlap`` tokens
    (default: a tenth of ``max_tokens``).  A text that fits whole is one chunk."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, not {max_tokens}")
    if not text:
        return []

    def count(start: int, end: int) -> int:
        found = count_tokens(text[start:end])
        return found if found is not None else max(1, (end - start) // 3)

    if count(0, len(text)) <= max_tokens:
        return [Chunk(0, len(text))]
    overlap = int(max_tokens * DEFAULT_OVERLAP) if overlap is None else max(0, overlap)
    overlap = min(overlap, max_tokens // 2)
    pieces = _pieces(text, 0, len(text), max_tokens, count, PARAGRAPH)
    chunks: list[Chunk] = []
    first = 0  # index of the first piece of the next chunk
    while first < len(pieces):
        last = _last_piece(pieces, first, max_tokens)
        # Pieces' counts add up to about the chunk's count; a tokenizer that merges across a seam can
        # make the whole a little longer, so the chunk is counted as a whole and shortened if needed.
        while last > first and count(pieces[first].start, pieces[last].end) > max_tokens:
            last -= 1
        chunks.append(Chunk(pieces[first].start, pieces[last].end))
        if last == len(pieces) - 1:
            break
        first = _overlap_start(pieces, first, last, overlap)
    return chunks


def _pieces(
    text: str, start: int, end: int, max_tokens: int, count: Callable[[int, int], int], level: int
) -> list[_Piece]:
    """``text[start:end]`` in pieces that each fit, cut at boundaries of ``level`` and finer ones only
    where a piece still does not fit."""
    if level == CHARACTER:
        return _characters(start, end, max_tokens, count)
    pattern = {PARAGRAPH: _PARAGRAPH, SENTENCE: _SENTENCE, WORD: _WORD}[level]
    cuts = [m.end() for m in pattern.finditer(text, start, end) if start < m.end() < end]
    pieces: list[_Piece] = []
    for piece_start, piece_end in zip([start, *cuts], [*cuts, end], strict=True):
        # Paragraphs are always cut into sentences (an overlap repeats sentences, not paragraphs);
        # a sentence or a word only when it does not fit.
        tokens = count(piece_start, piece_end) if level != PARAGRAPH else max_tokens + 1
        if tokens <= max_tokens:
            pieces.append(_Piece(piece_start, piece_end, tokens, level))
            continue
        finer = _pieces(text, piece_start, piece_end, max_tokens, count, level - 1)
        # The piece's own end is still a boundary of this level.
        last = finer[-1]
        finer[-1] = _Piece(last.start, last.end, last.tokens, level)
        pieces.extend(finer)
    return pieces


def _characters(start: int, end: int, max_tokens: int, count: Callable[[int, int], int]) -> list[_Piece]:
    """A run with no boundary that is over the budget, cut into the longest runs that fit."""
    pieces: list[_Piece] = []
    at = start
    while at < end:
        low, high = at + 1, end  # the longest end that fits, by bisection (one character always does)
        while low < high:
            middle = (low + high + 1) // 2
            if count(at, middle) <= max_tokens:
                low = middle
            else:
                high = middle - 1
        pieces.append(_Piece(at, low, count(at, low), CHARACTER))
        at = low
    return pieces


def _last_piece(pieces: list[_Piece], first: int, max_tokens: int) -> int:
    """The index of the piece a chunk starting at ``first`` ends with: the last that fits, or, when a
    better boundary lies in the second half of the room, the last such one."""
    total = 0
    last = first
    for index in range(first, len(pieces)):
        if index > first and total + pieces[index].tokens > max_tokens:
            break
        total += pieces[index].tokens
        last = index
    if last == len(pieces) - 1:
        return last
    best, best_level, running = last, pieces[last].level, 0
    for index in range(first, last + 1):
        running += pieces[index].tokens
        if running * 2 >= max_tokens and pieces[index].level > best_level:
            best, best_level = index, pieces[index].level
    # Of the boundaries of the best level, the last one (the fullest chunk).
    for index in range(last, best, -1):
        if pieces[index].level >= best_level:
            return index
    return best


def _overlap_start(pieces: list[_Piece], first: int, last: int, overlap: int) -> int:
    """Where the chunk after ``pieces[first..last]`` starts: far enough back to repeat about ``overlap``
    tokens (at a sentence start where one is in reach), never at or before ``first``."""
    start = last + 1
    total = 0
    while start - 1 > first and total + pieces[start - 1].tokens <= overlap:
        start -= 1
        total += pieces[start].tokens
    # Prefer a piece that begins a sentence (the one before it ends one); keep the overlap otherwise.
    for index in range(start, last + 1):
        if pieces[index - 1].level >= SENTENCE:
            return index
    return start


def boundary_near(text: str, at: int, *, reach: int = 2000) -> int:
    """The sentence (else word) boundary nearest to ``at``, within ``reach`` characters; ``at`` when
    there is none.  Where a later reading of a text starts its chunks (``passes``), so that its cuts
    fall between the first reading's."""
    at = max(0, min(at, len(text)))
    low, high = max(0, at - reach), min(len(text), at + reach)
    for pattern in (_SENTENCE, _WORD):
        ends = [m.end() for m in pattern.finditer(text, low, high) if 0 < m.end() < len(text)]
        if ends:
            return min(ends, key=lambda end: abs(end - at))
    return at
