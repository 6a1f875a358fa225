"""Which JSON Schema keywords the grammar enforces, measured on the official test suite.

Each file of the JSON-Schema-Test-Suite (draft 2020-12) tests one keyword
group.  A group is

- *enforced* when every schema in it compiles to a grammar without leniency
  and the token matcher accepts every ``valid: true`` instance and rejects every
  ``valid: false`` one (a schema the compiler proves unsatisfiable counts as
  rejecting everything, which is right when the suite has no valid instance);
- *enforced, stricter* when no invalid instance gets through but some valid
  spellings are refused (``1.0`` for an integer, object keys in another order
  than the schema lists them): the generator simply never writes those;
- *validated after generation* otherwise: the grammar ignores what it cannot
  express and the full validator catches the rest;
- *refused* when Genie rejects such schemas up front (remote references).

The README table comes from `run_suite`, not from memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SchemaError
from .grammar import grammar_for

# Groups Genie promises to enforce token by token; tests/structured/test_conformance.py holds it to that.
ENFORCED_GROUPS = frozenset(
    {
        "anchor", "anyOf", "content", "default", "exclusiveMaximum", "exclusiveMinimum",
        "infinite-loop-detection", "items", "maxItems", "maxLength", "maxProperties", "maximum",
        "minItems", "minLength", "minProperties", "minimum", "pattern", "prefixItems", "properties",
        "required", "boolean_schema",
    }
)  # fmt: skip
# Groups where nothing invalid gets through, but some valid spellings are never produced.
STRICTER_GROUPS = {
    "type": "1.0 is not accepted as an integer",
    "const": "floats equal to integers (0.0, 1.0) and objects with keys in another order are not produced",
    "enum": "floats equal to integers (0.0, 1.0) are not produced",
    "allOf": "object keys come in the order the merged schema lists them",
}
# Whole groups Genie rejects before generating, with the reason.
REFUSED_GROUPS = {
    "refRemote": "remote $ref: Genie never fetches schemas",
    "vocabulary": "custom metaschemas ($schema other than a JSON Schema draft)",
}


@dataclass
class GroupResult:
    group: str
    schemas: int = 0
    compile_errors: list[str] = field(default_factory=list)
    unsatisfiable: int = 0
    accepted_valid: int = 0
    rejected_valid: list[str] = field(default_factory=list)
    rejected_invalid: int = 0
    accepted_invalid: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        """Nothing invalid gets through the grammar."""
        return not (self.compile_errors or self.accepted_invalid)

    @property
    def enforced(self) -> bool:
        """Sound, and every valid instance is accepted."""
        return self.sound and not self.rejected_valid


def suite_cases(suite_dir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(group, case)`` for every case of every top-level test file, in file order."""
    for path in sorted(suite_dir.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            yield path.stem, case


def compact(instance: Any) -> str:
    """The one serialisation the grammar produces: no whitespace."""
    return json.dumps(instance, separators=(",", ":"), ensure_ascii=False)


def matches(tokenizer: Any, grammar: str, text: str) -> bool:
    """Does the grammar accept exactly this text, fed as tokens?"""
    from llguidance import LLMatcher

    matcher = LLMatcher(tokenizer, grammar, log_level=0)
    if not matcher.consume_tokens(tokenizer.tokenize_str(text)):
        return False
    return bool(matcher.is_accepting()) and not matcher.is_error()


def run_group(tokenizer: Any, group: str, cases: list[dict[str, Any]]) -> GroupResult:
    result = GroupResult(group)
    for case in cases:
        result.schemas += 1
        schema = case["schema"]
        if not isinstance(schema, dict):
            schema = {} if schema is True else {"anyOf": []}  # the false schema: nothing matches
        try:
            grammar = grammar_for(schema, lenient=False)
        except SchemaError as exc:
            if "nsatisfiable" in str(exc) and not any(test["valid"] for test in case["tests"]):
                result.unsatisfiable += 1
                result.rejected_invalid += len(case["tests"])
            else:
                result.compile_errors.append(f"{case['description']}: {exc}")
            continue
        for test in case["tests"]:
            label = f"{case['description']} / {test['description']}"
            accepted = matches(tokenizer, grammar, compact(test["data"]))
            if test["valid"]:
                if accepted:
                    result.accepted_valid += 1
                else:
                    result.rejected_valid.append(label)
            elif accepted:
                result.accepted_invalid.append(label)
            else:
                result.rejected_invalid += 1
    return result


def run_suite(tokenizer: Any, suite_dir: Path) -> list[GroupResult]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for group, case in suite_cases(suite_dir):
        groups.setdefault(group, []).append(case)
    return [run_group(tokenizer, group, cases) for group, cases in groups.items()]
