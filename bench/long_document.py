"""Long documents: recall of items planted at the start, middle and end, chunked vs one prompt.

The documents are built here (no outside data): paragraphs of plain meeting-minutes prose from a seeded
generator, with people planted in them ("Marta Kowalski moved to Gdansk last year.") evenly through
the first, middle and last third.  Each document of a growing length is extracted with ``--multi``
(schema ``name, city``) twice: in chunks (`localgenie.structured.long`, ``chunk_tokens``) and, where
the model's context still holds it, in one prompt.  Recall counts planted people found (name equal,
ignoring case), by the third they stand in; precision counts found items that are planted people.

    python bench/long_document.py                      # tiny, lengths 1000 2000 4000 7000 tokens
    python bench/long_document.py --model default --lengths 2000 6000 --per-third 4 --passes 2

Both modes get the same answer budget (``--max-tokens``), so one prompt fits as long as the context
holds the text, the instructions and that budget.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import localgenie
from _common import summary
from localgenie.llm import get_backend
from localgenie.structured.complete import fits
from localgenie.structured.multi import items_schema
from localgenie.structured.prompt import extraction_messages

FIRST = [
    "Marta",
    "Jonas",
    "Priya",
    "Tomas",
    "Ingrid",
    "Kwame",
    "Lucia",
    "Omar",
    "Sofia",
    "Henrik",
    "Aiko",
    "Diego",
    "Nadia",
    "Felix",
    "Greta",
    "Ravi",
    "Elena",
    "Bruno",
    "Yara",
    "Oskar",
    "Leila",
    "Mateo",
    "Hana",
    "Viktor",
    "Amara",
    "Pavel",
    "Rosa",
    "Tariq",
    "Freya",
    "Emil",
]
LAST = [
    "Kowalski",
    "Berg",
    "Raman",
    "Novak",
    "Larsen",
    "Mensah",
    "Ferrari",
    "Haddad",
    "Costa",
    "Lindqvist",
    "Sato",
    "Ramos",
    "Petrova",
    "Wagner",
    "Olsen",
    "Iyer",
    "Popescu",
    "Moreau",
    "Amari",
    "Nyberg",
    "Karimi",
    "Duarte",
    "Tanaka",
    "Horvat",
    "Okafor",
    "Dvorak",
    "Silva",
    "Aziz",
    "Holm",
    "Brandt",
]
CITIES = [
    "Gdansk",
    "Porto",
    "Tampere",
    "Leipzig",
    "Bergen",
    "Accra",
    "Seville",
    "Tunis",
    "Coimbra",
    "Uppsala",
    "Kyoto",
    "Valencia",
    "Varna",
    "Graz",
    "Aarhus",
    "Pune",
    "Cluj",
    "Nantes",
    "Rabat",
    "Turku",
    "Tabriz",
    "Braga",
    "Sendai",
    "Split",
    "Lagos",
    "Brno",
    "Recife",
    "Fez",
    "Odense",
    "Lyon",
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
WHEN = (
    "on Monday",
    "in the spring",
    "after lunch",
    "before the holidays",
    "at the last meeting",
    "this quarter",
)
SCHEMA = "name, city"


@dataclass(frozen=True)
class Document:
    text: str
    planted: list[tuple[str, str, int]]  # name, city, third (0 first, 1 middle, 2 last)


def _sentence(rng: random.Random) -> str:
    return (
        f"The committee {rng.choice(VERBS)} the {rng.choice(NOUNS)} {rng.choice(WHEN)}, "
        f"and the {rng.choice(NOUNS)} was {rng.choice(VERBS)} as well."
    )


def build(tokens: int, per_third: int, count: Any, seed: int = 0) -> Document:
    """A document of about ``tokens`` tokens with ``per_third`` people in each third, evenly spaced."""
    rng = random.Random(seed)
    paragraph_tokens = count("\n\n".join(" ".join(_sentence(rng) for _ in range(4)) for _ in range(4))) / 4
    paragraphs = max(3 * per_third + 3, round(tokens / paragraph_tokens))
    slots = 3 * per_third
    at = {round((i + 0.5) * paragraphs / slots): i for i in range(slots)}
    planted: list[tuple[str, str, int]] = []
    body: list[str] = []
    for index in range(paragraphs):
        sentences = [_sentence(rng) for _ in range(4)]
        if index in at:
            k = at[index]
            # A distinct full name for each of up to 900 people (first and last names pair up anew).
            first, last = FIRST[k % len(FIRST)], LAST[(k + k // len(FIRST)) % len(LAST)]
            name, city = f"{first} {last}", CITIES[k % len(CITIES)]
            sentences.insert(rng.randrange(1, 4), f"{name} moved to {city} last year.")
            planted.append((name, city, k * 3 // slots))
        body.append(" ".join(sentences))
    return Document("\n\n".join(body), planted)


@dataclass
class Score:
    found: list[int]  # per third
    planted: list[int]
    right: int
    items: int
    seconds: float
    chunks: int  # 0: no valid answer

    def recall(self, third: int) -> float:
        return self.found[third] / self.planted[third] if self.planted[third] else 0.0

    @property
    def precision(self) -> str:
        return f"{self.right / self.items:.2f}" if self.items else "-"


def score(document: Document, items: list[dict[str, Any]], seconds: float, chunks: int) -> Score:
    names = {str(item.get("name", "")).strip().casefold() for item in items}
    planted = {name.casefold() for name, _, _ in document.planted}
    found, totals = [0, 0, 0], [0, 0, 0]
    for name, _, third in document.planted:
        totals[third] += 1
        found[third] += name.casefold() in names
    right = sum(str(item.get("name", "")).strip().casefold() in planted for item in items)
    return Score(found, totals, right, len(items), seconds, chunks)


def run(document: Document, backend: Any, **options: Any) -> Score:
    started = time.perf_counter()
    try:
        result = localgenie.extract_details(document.text, SCHEMA, backend=backend, multi=True, **options)
    except localgenie.GenieError as error:
        print(f"  failed: {error}", file=sys.stderr)
        return score(document, [], time.perf_counter() - started, 0)
    return score(document, result.value["items"], time.perf_counter() - started, len(result.chunks) or 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--lengths", type=int, nargs="+", default=[1000, 2000, 4000, 7000])
    parser.add_argument("--per-third", type=int, default=3, help="people planted in each third")
    parser.add_argument("--chunk-tokens", type=int, default=600)
    parser.add_argument("--max-tokens", type=int, default=400, help="answer budget, both modes")
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--max-retries", type=int, default=1)
    args = parser.parse_args()
    backend = get_backend(args.model)
    schema = items_schema(localgenie.resolve_schema(SCHEMA))
    options = {"max_tokens": args.max_tokens, "max_retries": args.max_retries}
    rows: list[tuple[str, str]] = []
    header = f"{'tokens':>7} {'mode':<14} {'start':>6} {'middle':>6} {'end':>6} {'prec.':>6} {'s':>7} chunks"
    print(header)
    for length in args.lengths:
        document = build(length, args.per_third, lambda t: backend.count_tokens(t) or len(t) // 4)
        real = backend.count_tokens(document.text) or 0
        modes: list[tuple[str, dict[str, Any]]] = [
            (f"chunked {args.chunk_tokens}", {"chunk_tokens": args.chunk_tokens, "passes": args.passes})
        ]
        if fits(backend, extraction_messages(schema, document.text), args.max_tokens):
            modes.append(("one prompt", {}))
        for mode, extra in modes:
            got = run(document, backend, **options, **extra)
            line = (
                f"{real:>7} {mode:<14} {got.recall(0):>6.2f} {got.recall(1):>6.2f} {got.recall(2):>6.2f} "
                f"{got.precision:>6} {got.seconds:>7.1f} {got.chunks or 'failed'}"
            )
            print(line, flush=True)
            rows.append((f"{real} tokens, {mode}", line[23:]))
        if len(modes) == 1:
            print(f"{real:>7} {'one prompt':<14} does not fit the context", flush=True)
    summary(f"long documents on {args.model} (recall start / middle / end, precision, seconds, chunks)", rows)


if __name__ == "__main__":
    main()
