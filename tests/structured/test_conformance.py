"""The official JSON-Schema-Test-Suite (draft 2020-12) through the token-level matcher.

For every keyword group Genie claims to enforce, each valid instance must be
accepted and each invalid one rejected, token by token.  For every group, the
validator that runs after generation must agree with the suite: whatever the
grammar lets through, invalid data is never returned.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from localgenie import GenerationOptions, Message, SchemaError, load_schema
from localgenie.structured import conformance, json_constraint, schema_errors

from ..conftest import require_shared


@pytest.fixture(scope="module")
def results(tiny: Any) -> dict[str, conformance.GroupResult]:
    suite = require_shared("json-schema-test-suite", "tests", "draft2020-12")
    return {r.group: r for r in conformance.run_suite(tiny.lltokenizer, suite)}


def test_the_suite_was_found_and_run(results: dict[str, conformance.GroupResult]) -> None:
    assert len(results) >= 40
    assert sum(r.schemas for r in results.values()) > 300


def test_every_claimed_group_is_enforced_token_by_token(results: dict[str, conformance.GroupResult]) -> None:
    failing = {
        group: (
            results[group].compile_errors + results[group].rejected_valid + results[group].accepted_invalid
        )[:3]
        for group in conformance.ENFORCED_GROUPS
        if not results[group].enforced
    }
    assert failing == {}


def test_stricter_groups_let_nothing_invalid_through(results: dict[str, conformance.GroupResult]) -> None:
    leaks = {g: results[g].compile_errors + results[g].accepted_invalid for g in conformance.STRICTER_GROUPS}
    assert {g: problems for g, problems in leaks.items() if problems} == {}
    assert all(results[g].rejected_valid for g in conformance.STRICTER_GROUPS)  # else: claim it as enforced


def test_the_claims_are_not_too_modest(results: dict[str, conformance.GroupResult]) -> None:
    """A group that became enforced (say, after an llguidance upgrade) should be claimed."""
    claimed = conformance.ENFORCED_GROUPS | set(conformance.STRICTER_GROUPS)
    assert sorted(g for g, r in results.items() if r.sound and g not in claimed) == []


def test_the_validator_after_generation_agrees_with_the_whole_suite() -> None:
    suite = require_shared("json-schema-test-suite", "tests", "draft2020-12")
    disagreements = []
    for group, case in conformance.suite_cases(suite):
        # format.json expects formats as annotations only; Genie asserts them (see the next test).
        if group in conformance.REFUSED_GROUPS or group == "format":
            continue
        try:
            schema = load_schema(case["schema"])
        except SchemaError:
            continue  # refused up front, tested below
        for test in case["tests"]:
            if (schema_errors(schema, test["data"]) == []) != test["valid"]:
                disagreements.append(f"{group}: {case['description']} / {test['description']}")
    assert disagreements == []


# Formats whose checker agrees with every case of optional/format; the others are checked too, but
# jsonschema's checker libraries are looser on edge cases (leap seconds, IDN hostnames, durations).
EXACT_FORMATS = {"date", "ipv4", "ipv6", "json-pointer", "idn-email", "iri-reference", "regex"}


def test_formats_are_asserted_after_generation() -> None:
    """optional/format expects formats to be assertions, as Genie checks them."""
    suite = require_shared("json-schema-test-suite", "tests", "draft2020-12", "optional", "format")
    checked = set(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)
    assert checked >= EXACT_FORMATS
    disagreements, rejected = [], 0
    for group, case in conformance.suite_cases(suite):
        if group not in checked:
            continue
        schema = load_schema(case["schema"])
        for test in case["tests"]:
            ok = schema_errors(schema, test["data"]) == []
            rejected += not ok
            if group in EXACT_FORMATS and ok != test["valid"]:
                disagreements.append(f"{group}: {case['description']} / {test['description']}")
    assert disagreements == []
    assert rejected > 200  # formats really are asserted, not treated as annotations


def test_remote_refs_are_refused_up_front() -> None:
    suite = require_shared("json-schema-test-suite", "tests", "draft2020-12")
    refused = 0
    for group, case in conformance.suite_cases(suite):
        if group == "refRemote":
            with pytest.raises(SchemaError, match="remote \\$ref"):
                load_schema(case["schema"])
            refused += 1
    assert refused > 5


@pytest.mark.slow  # ~130 generations: about 1-2 minutes on an idle machine
def test_tiny_writes_valid_json_for_every_enforced_suite_schema(tiny: Any) -> None:
    """The real model under each enforced schema: whatever it writes to completion is valid."""
    suite = require_shared("json-schema-test-suite", "tests", "draft2020-12")
    groups = conformance.ENFORCED_GROUPS | set(conformance.STRICTER_GROUPS)
    messages = [Message("system", "Reply with a JSON value."), Message("user", "Write one example.")]
    invalid, finished, total = [], 0, 0
    for group, case in conformance.suite_cases(suite):
        if group not in groups or not isinstance(case["schema"], dict):
            continue
        try:
            schema = load_schema(case["schema"])
            response = tiny.prompt(
                # 160: under an untyped schema tiny may pick a long free string; 48 cut most of those off
                messages,
                GenerationOptions(max_tokens=160, constraint=json_constraint(schema)),
            )
            text = response.text()
        except SchemaError:
            continue  # proven unsatisfiable up front: nothing to write
        total += 1
        if response.finish_reason != "stop":
            continue  # cut off by max_tokens: extract() would retry, then raise
        finished += 1
        if schema_errors(schema, json.loads(text)):
            invalid.append(f"{group}: {case['description']}: {text}")
    assert invalid == []
    assert total > 100
    assert finished >= 0.8 * total
