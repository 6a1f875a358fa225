"""A document longer than the context, on the real tiny model: chunked, merged, spans into the whole."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import pytest

import localgenie
from localgenie.errors import SchemaViolation
from localgenie.llm.llamacpp import LlamaCppBackend
from localgenie.llm.models import tiny_model_path
from localgenie.structured.complete import fits
from localgenie.structured.multi import items_schema
from localgenie.structured.prompt import extraction_messages

PEOPLE = [
    ("Marta Kowalski", "Gdansk"),
    ("Jonas Berg", "Porto"),
    ("Priya Raman", "Tampere"),
    ("Tomas Novak", "Leipzig"),
    ("Ingrid Larsen", "Bergen"),
    ("Kwame Mensah", "Accra"),
]
NOUNS = [
    "budget",
    "roadmap",
    "inventory",
    "schedule",
    "contract",
    "survey",
    "audit",
    "forecast",
    "policy",
    "archive",
]
VERBS = [
    "reviewed",
    "discussed",
    "postponed",
    "approved",
    "questioned",
    "summarised",
    "revised",
    "circulated",
]


def document(paragraphs: int, planted: dict[int, tuple[str, str]]) -> str:
    rng = random.Random(7)
    body = []
    for index in range(paragraphs):
        sentences = [
            f"The committee {rng.choice(VERBS)} the {rng.choice(NOUNS)}, and the {rng.choice(NOUNS)} "
            f"was {rng.choice(VERBS)} as well."
            for _ in range(4)
        ]
        if index in planted:
            name, city = planted[index]
            sentences.insert(2, f"{name} moved to {city} last year.")
        body.append(" ".join(sentences))
    return "\n\n".join(body)


@pytest.fixture(scope="module")
def short_tiny() -> Iterator[Any]:
    """tiny with a context of 1,536 tokens: a few pages are already longer than it."""
    backend = LlamaCppBackend(tiny_model_path(), n_ctx=1536)
    yield backend
    backend.close()


def test_a_document_longer_than_the_context_is_read_in_chunks_with_spans_into_the_whole(
    short_tiny: Any,
) -> None:
    paragraphs = 24
    at = [1, 4, 10, 13, 19, 22]  # two people at the start, two in the middle, two at the end
    text = document(paragraphs, dict(zip(at, PEOPLE, strict=True)))
    schema = items_schema(localgenie.resolve_schema("name, city"))
    assert not fits(short_tiny, extraction_messages(schema, text), 160)  # one prompt: ContextOverflow
    try:
        result = localgenie.extract_details(
            text, "name, city", backend=short_tiny, multi=True, max_tokens=320, max_retries=1
        )
    except SchemaViolation as error:  # tiny can fail every chunk (it loops): then one clear error
        chunks = re.search(r"no chunk of the text \((\d+) chunks\) gave a valid answer", str(error))
        assert chunks is not None and int(chunks.group(1)) >= 2, error
        return
    assert len(result.chunks) >= 2
    assert all(report.end - report.start < len(text) for report in result.chunks)
    items = result.value["items"]
    assert any(report.error is None for report in result.chunks)
    # Every name tiny gave that is in the text points at it, in the whole text's offsets: also those
    # from chunks after the first, whose own offsets start at 0.
    placed = []
    for index, item in enumerate(items):
        span = result.spans.get(f"/items/{index}/name")
        if item["name"] in text:
            assert span is not None and text[span[0] : span[1]] == item["name"]
        if span is not None:
            assert text[span[0] : span[1]].casefold() == item["name"].casefold()
            placed.append(span[0])
    assert placed == sorted(placed), items  # items in the order they stand in the text
    # Which people tiny finds varies with its near-ties (it also lists "The committee" as a name): that
    # every planted person is found, from every chunk, is checked on scripted answers in test_long.py.
