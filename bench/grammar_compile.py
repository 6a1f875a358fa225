"""Grammar compile time for every schema in the JSON-Schema-Test-Suite (draft 2020-12).

Measures what one extraction pays before its first token: schema → llguidance
grammar → a matcher bound to the tokenizer.  Prints median and p99.

    python bench/grammar_compile.py [--model tiny]
"""

from __future__ import annotations

import argparse
import time

from llguidance import LLMatcher

from _common import median, percentile, summary
from localgenie.config import shared_data_dir
from localgenie.errors import SchemaError
from localgenie.llm import get_backend
from localgenie.structured import conformance
from localgenie.structured.grammar import _constraint_cached, _grammar_cached, json_constraint


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="tiny")
    args = parser.parse_args()
    root = shared_data_dir()
    if root is None:
        raise SystemExit("shared data not found (set GENIE_SHARED_DATA)")
    suite = root / "json-schema-test-suite" / "tests" / "draft2020-12"
    backend = get_backend(args.model)
    tokenizer = backend.lltokenizer  # type: ignore[attr-defined]
    seconds: list[float] = []
    refused = 0
    for _, case in conformance.suite_cases(suite):
        schema = case["schema"] if isinstance(case["schema"], dict) else {}
        _grammar_cached.cache_clear()  # time a cold compile every time
        _constraint_cached.cache_clear()
        started = time.perf_counter()
        try:
            LLMatcher(tokenizer, json_constraint(schema).grammar, log_level=0)
        except SchemaError:
            refused += 1
            continue
        seconds.append(time.perf_counter() - started)
    summary(
        f"grammar compile, {len(seconds)} suite schemas ({refused} refused), model {args.model}",
        [
            ("median", f"{median(seconds) * 1000:.2f} ms"),
            ("p99", f"{percentile(seconds, 0.99) * 1000:.2f} ms"),
            ("max", f"{max(seconds) * 1000:.2f} ms"),
        ],
    )


if __name__ == "__main__":
    main()
