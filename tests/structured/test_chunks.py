"""Cutting a long text into chunks: exact offsets, every character covered, boundaries respected."""

from __future__ import annotations

import itertools
import re

import pytest

from localgenie.structured.chunks import Chunk, boundary_near, split

from .scripted import pieces


def count(text: str) -> int:
    return len(pieces(text))  # the scripted backend's tokens: words, spaces, punctuation


def sentences(paragraph: int, n: int = 5) -> str:
    return " ".join(f"Sentence {paragraph}.{i} has some words in it." for i in range(n))


TEXT = "\n\n".join(sentences(p) for p in range(8))


def check_cover(text: str, chunks: list[Chunk], max_tokens: int) -> None:
    """In order, from the first character to the last, no gap, each chunk within the budget."""
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for before, after in itertools.pairwise(chunks):
        assert before.start < after.start <= before.end < after.end, (before, after)
    for chunk in chunks:
        assert count(text[chunk.start : chunk.end]) <= max_tokens, chunk


def test_a_text_that_fits_is_one_chunk_and_an_empty_one_none() -> None:
    assert split(TEXT, count(TEXT), count) == [Chunk(0, len(TEXT))]
    assert split("", 10, count) == []
    with pytest.raises(ValueError, match="at least 1"):
        split(TEXT, 0, count)


@pytest.mark.parametrize("max_tokens", [30, 60, 100, 170, 250, 400])
def test_chunks_cover_every_character_within_the_budget(max_tokens: int) -> None:
    chunks = split(TEXT, max_tokens, count)
    assert len(chunks) > 1
    check_cover(TEXT, chunks, max_tokens)


def test_chunks_end_at_paragraph_breaks_when_a_paragraph_fits() -> None:
    paragraph = count(sentences(0) + "\n\n")  # each paragraph is this long
    chunks = split(TEXT, int(paragraph * 2.5), count)
    for chunk in chunks[:-1]:
        assert TEXT[: chunk.end].endswith("it.\n\n"), TEXT[chunk.end - 20 : chunk.end]


def test_chunks_end_at_sentence_ends_inside_a_long_paragraph_and_overlap_by_sentences() -> None:
    text = sentences(0, 40)  # one paragraph of 40 sentences
    chunks = split(text, 120, count, overlap=30)
    check_cover(text, chunks, 120)
    for chunk in chunks[:-1]:
        assert text[: chunk.end].endswith("it. "), text[chunk.end - 20 : chunk.end]
    for before, after in itertools.pairwise(chunks):
        assert text[after.start :].startswith("Sentence "), text[after.start : after.start + 20]
        repeated = count(text[after.start : before.end])
        assert 0 < repeated <= 30


def test_one_sentence_longer_than_the_budget_is_cut_between_words() -> None:
    text = "Intro. " + " ".join(f"word{i}" for i in range(300)) + ". Outro."
    chunks = split(text, 50, count)
    check_cover(text, chunks, 50)
    for chunk in chunks[:-1]:
        assert text[chunk.end - 1] == " " or text[: chunk.end].endswith(". "), text[: chunk.end][-12:]


def test_a_word_longer_than_the_budget_is_cut_inside_only_then() -> None:
    text = "short words here " + "x" * 500 + " and after"

    def by_chars(piece: str) -> int:
        return sum(max(1, len(p) // 4) for p in re.findall(r"\S+|\s+", piece))

    chunks = split(text, 20, by_chars)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for chunk in chunks:
        assert by_chars(text[chunk.start : chunk.end]) <= 20
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert covered == set(range(len(text)))


def test_cjk_sentences_and_line_breaks_are_boundaries_and_offsets_are_python_characters() -> None:
    text = "".join(f"東京は{i}番目の都市です。" for i in range(60)) + "\n" + "🎉 done " * 30

    def chars(piece: str) -> int:
        return len(piece)

    chunks = split(text, 80, chars)
    check_cover_chars = [text[c.start : c.end] for c in chunks]
    assert "".join(check_cover_chars[0]) == text[: chunks[0].end]
    for chunk in chunks:
        assert chunk.end - chunk.start <= 80
    cuts = [c.end for c in chunks[:-1]]
    assert all(text[cut - 1] in "。\n " for cut in cuts), [text[cut - 3 : cut] for cut in cuts]


def test_boundary_near_finds_the_closest_sentence_end() -> None:
    text = "One two. Three four five. Six."
    assert text[: boundary_near(text, 12)].endswith("two. ")
    assert text[: boundary_near(text, 22)].endswith("five. ")
    assert boundary_near("nospaceshere", 5) == 5
