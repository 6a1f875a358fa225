"""A concise schema vs the equivalent JSON Schema: what the user types, what the prompt costs, how long
an extraction takes.

Three schemas (flat, nested object, list of objects), each written twice: in the concise syntax and
as the JSON Schema a user would write by hand ($schema, title, additionalProperties).  Each text is
extracted with both, interleaved, on the same backend, so machine noise and the KV cache hit both
alike.  Prints characters typed, schema tokens (if the schema text itself went into a prompt),
prompt tokens of Genie's real prompt, and seconds per extraction, with the ratios.

    python bench/concise_schema.py                 # default model (run under flock /tmp/genie-cpu.lock)
    python bench/concise_schema.py --model tiny
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from _common import median, summary, timed
from localgenie import extract_details, get_backend, resolve_schema
from localgenie.structured.prompt import extraction_messages

CASES: list[dict[str, Any]] = [
    {
        "concise": "name, age int, city: where the person lives",
        "json": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Person",
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "age": {"type": "integer"},
                "city": {"type": "string", "description": "where the person lives"},
            },
            "required": ["name", "age", "city"],
            "additionalProperties": False,
        },
        "texts": [
            "My name is John, I am 30 and I live in New York.",
            "Ana Ribeiro (41) moved to Lisbon last spring.",
            "Kenji, aged 27, works in Osaka as a nurse.",
        ],
    },
    {
        "concise": "title, date date, organiser {name, email}, online bool",
        "json": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Event",
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "date": {"type": "string", "format": "date"},
                "organiser": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
                    "required": ["name", "email"],
                    "additionalProperties": False,
                },
                "online": {"type": "boolean"},
            },
            "required": ["title", "date", "organiser", "online"],
            "additionalProperties": False,
        },
        "texts": [
            "The Python meetup is on 2025-03-14 in room 4; Sara Ko (sara@example.org) organises it.",
            "Join our webinar 'Intro to SQLite' online on 2025-06-02, hosted by Tom Reed, tom@reed.io.",
            "Book club, 2025-01-09, at the library. Questions to Ed Moss, ed.moss@mail.com.",
        ],
    },
    {
        "concise": "vendor, total float, currency EUR|USD|GBP, lines list[{item, qty int, price float}]",
        "json": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Receipt",
            "type": "object",
            "properties": {
                "vendor": {"type": "string"},
                "total": {"type": "number"},
                "currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
                "lines": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "item": {"type": "string"},
                            "qty": {"type": "integer"},
                            "price": {"type": "number"},
                        },
                        "required": ["item", "qty", "price"],
                        "additionalProperties": False,
                    },
                },
            },
            "required": ["vendor", "total", "currency", "lines"],
            "additionalProperties": False,
        },
        "texts": [
            "Bakery Moll: 2 croissants at 1.20, 1 rye bread at 3.50. Total 5.90 EUR.",
            "Corner Shop receipt - milk x1 0.99, eggs x2 2.10; total 5.19 GBP",
            "Hardware Hub: 3 screws 0.25 each, 1 hammer 12.00. Total: 12.75 USD",
        ],
    },
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--texts", type=int, default=3, help="texts per schema (at most 3)")
    args = parser.parse_args()
    backend = get_backend(args.model)

    chars = {"concise": 0, "json": 0}
    schema_tokens = {"concise": 0, "json": 0}
    prompt_tokens: dict[str, list[int]] = {"concise": [], "json": []}
    seconds: dict[str, list[float]] = {"concise": [], "json": []}
    identical_prompts = True
    same_answers = 0
    extract_details(CASES[0]["texts"][0], CASES[0]["concise"], backend=backend)  # warm-up: load, caches
    for case in CASES:
        forms = {"concise": case["concise"], "json": json.dumps(case["json"])}
        for form, source in forms.items():
            chars[form] += len(source)
            schema_tokens[form] += backend.count_tokens(source) or 0
        for text in case["texts"][: args.texts]:
            messages = {form: extraction_messages(resolve_schema(src), text) for form, src in forms.items()}
            identical_prompts &= messages["concise"] == messages["json"]
            values = {}
            for form, source in forms.items():
                took, result = timed(lambda s=source, t=text: extract_details(t, s, backend=backend))
                seconds[form].append(took)
                prompt_tokens[form].append(result.usage.prompt_tokens)
                values[form] = result.value
                print(f"{form:8} {took:6.2f} s  {result.usage.prompt_tokens} prompt tokens  {result.value}")
            if values["concise"] == values["json"]:
                same_answers += 1
            else:
                print("  note: the two answers differ")

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b else "-"

    c_s, j_s = median(seconds["concise"]), median(seconds["json"])
    c_p, j_p = median(prompt_tokens["concise"]), median(prompt_tokens["json"])
    summary(
        f"concise schema vs JSON Schema on {args.model} ({len(seconds['concise'])} extractions each)",
        [
            ("schema characters typed (3 schemas)", f"{chars['concise']} vs {chars['json']} "
             f"({ratio(chars['concise'], chars['json'])}x)"),
            ("schema text in tokens (if pasted into a prompt)", f"{schema_tokens['concise']} vs "
             f"{schema_tokens['json']} ({ratio(schema_tokens['concise'], schema_tokens['json'])}x)"),
            ("Genie's prompts identical for both forms", "yes" if identical_prompts else "NO"),
            ("same answer from both forms", f"{same_answers} / {len(seconds['concise'])}"),
            ("prompt tokens per extraction (median)", f"{c_p:.0f} vs {j_p:.0f} ({ratio(c_p, j_p)}x)"),
            ("seconds per extraction (median)", f"{c_s:.2f} vs {j_s:.2f} ({ratio(c_s, j_s)}x)"),
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
