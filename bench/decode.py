"""Decoding speed and forward passes: raw llama.cpp vs Genie unconstrained vs Genie schema-constrained.

Same GGUF, same thread count, same prompt, in one run; the repetitions are
interleaved so that machine noise hits every variant alike.  Prints ratios
(the machines are noisy; absolute tokens/s are not stable).

    python bench/decode.py --model tiny
    python bench/decode.py --model default --reps 3
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from _common import median, summary, timed
from localgenie.config import default_threads
from localgenie.llm import GenerationOptions, Message, get_backend
from localgenie.llm.models import resolve_model_path
from localgenie.structured import extract_details, json_constraint
from localgenie.structured.prompt import extraction_messages

ROOT = Path(__file__).resolve().parents[1]
SEED = "My name is John and I am 30 years old. I live in New York, on 5th Avenue, number 10."
STORY = [
    Message("system", "You are a storyteller."),
    Message("user", "Tell a long story about a lighthouse keeper."),
]
LONG_STRING = {
    "type": "object",
    "properties": {"story": {"type": "string", "minLength": 2000}},
    "required": ["story"],
}
TWENTY_FIELDS_TEXT = (
    "Order 4417 was placed by Maria Lopez (maria.lopez@example.com, +34 612 345 678) on 2024-03-15. "
    "She lives at Calle Mayor 12, 28013 Madrid, Spain. She bought 3 items for 129.90 EUR, paid by card, "
    "shipping express with DHL, tracking DHL-99812. Her customer id is C-2231, she is a gold member, "
    "aged 34, prefers Spanish, and asked for gift wrapping. The order status is shipped."
)


def twenty_field_schema() -> dict[str, Any]:
    fields = {
        "order_id": "integer",
        "customer_name": "string",
        "email": "string",
        "phone": "string",
        "order_date": "string",
        "street": "string",
        "postcode": "string",
        "city": "string",
        "country": "string",
        "item_count": "integer",
        "total": "number",
        "currency": "string",
        "payment_method": "string",
        "shipping_speed": "string",
        "carrier": "string",
        "tracking_number": "string",
        "customer_id": "string",
        "membership": "string",
        "age": "integer",
        "status": "string",
    }
    return {
        "type": "object",
        "properties": {name: {"type": kind} for name, kind in fields.items()},
        "required": list(fields),
        "additionalProperties": False,
    }


def raw_tokens_per_second(llm: Any, prompt: list[int], n: int) -> float:
    llm.reset()
    seconds, count = timed(
        lambda: sum(1 for _, _ in zip(range(n), llm.generate(prompt, top_k=1, temp=0.0), strict=False))
    )
    return count / seconds


def genie_tokens_per_second(backend: Any, options: GenerationOptions) -> float:
    backend._forget_after(0)  # no prompt cache: the same work as the raw run
    response = backend.prompt(STORY, options)
    seconds, _ = timed(response.text)
    return float(response.usage.completion_tokens / seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    import llama_cpp

    path = resolve_model_path(args.model)
    threads = default_threads()
    backend: Any = get_backend(args.model)
    raw = llama_cpp.Llama(
        model_path=str(path),
        n_ctx=backend.n_ctx,
        n_threads=threads,
        n_threads_batch=threads,
        n_batch=512,
        verbose=False,
    )
    prompt = backend.format_prompt(STORY)
    free = GenerationOptions(max_tokens=args.tokens)
    constrained = GenerationOptions(max_tokens=args.tokens, constraint=json_constraint(LONG_STRING))
    rates: dict[str, list[float]] = {"raw": [], "free": [], "constrained": []}
    for rep in range(args.reps + 1):  # the first round warms up caches and is discarded
        round_rates = {
            "raw": raw_tokens_per_second(raw, prompt, args.tokens),
            "free": genie_tokens_per_second(backend, free),
            "constrained": genie_tokens_per_second(backend, constrained),
        }
        if rep:
            for key, value in round_rates.items():
                rates[key].append(value)
        print(f"round {rep}: " + ", ".join(f"{k} {v:.1f} tok/s" for k, v in round_rates.items()))
    med = {key: median(values) for key, values in rates.items()}

    # Forward passes per output token, and schema-guided vs unconstrained wall time for the same JSON,
    # interleaved over the same rounds (median), each from an empty prompt cache.
    person = json.loads((ROOT / "examples" / "person.schema.json").read_text())
    extraction_rows = []
    for label, text, schema in (
        ("seed", SEED, person),
        ("20-field", TWENTY_FIELDS_TEXT, twenty_field_schema()),
    ):
        constrained_times: list[float] = []
        free_times: list[float] = []
        for rep in range(args.reps + 1):
            backend._forget_after(0)
            seconds, result = timed(
                lambda t=text, s=schema: extract_details(t, s, backend=backend, max_retries=0)
            )
            backend._forget_after(0)
            plain = backend.prompt(extraction_messages(schema, text), GenerationOptions(max_tokens=400))
            free_seconds, free_text = timed(plain.text)
            if rep:
                constrained_times.append(seconds)
                free_times.append(free_seconds)
        usage = result.usage
        acceptance = usage.accepted_draft_tokens / usage.drafted_tokens if usage.drafted_tokens else 0.0
        extraction_rows.append(
            (
                label,
                usage.forward_passes / usage.completion_tokens,
                median(constrained_times),
                median(free_times),
                usage.completion_tokens,
                plain.usage.completion_tokens,
            )
        )
        print(
            f"{label}: constrained {usage.completion_tokens} tokens / {usage.forward_passes} passes "
            f"(prompt {usage.prompt_tokens}; drafted {usage.drafted_tokens}, accepted "
            f"{usage.accepted_draft_tokens} = {acceptance:.0%}) -> {json.dumps(result.value)[:120]}"
        )
        print(f"{label}: unconstrained {plain.usage.completion_tokens} tokens -> {free_text[:120]!r}")

    rows = [
        ("model / threads", f"{path.name} / {threads}"),
        ("raw llama.cpp generate", f"{med['raw']:.1f} tok/s"),
        (
            "genie unconstrained",
            f"{med['free']:.1f} tok/s  ({med['free'] / med['raw']:.3f}x raw; goal >= 0.97)",
        ),
        (
            "genie constrained",
            f"{med['constrained']:.1f} tok/s  "
            f"({med['constrained'] / med['free']:.3f}x unconstrained; goal >= 0.95)",
        ),
    ]
    for label, ratio, seconds, free_seconds, tokens, free_tokens in extraction_rows:
        rows.append((f"{label}: passes per token", f"{ratio:.2f} (goal <= 0.7)"))
        rows.append(
            (
                f"{label}: constrained vs free",
                f"{seconds:.2f} s ({tokens} tok) vs {free_seconds:.2f} s "
                f"({free_tokens} tok) = {seconds / free_seconds:.2f}x time",
            )
        )
    summary(f"decode benchmark, {args.reps} interleaved rounds, medians", rows)


if __name__ == "__main__":
    main()
