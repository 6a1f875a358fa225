"""The seed example on the 1.5B default model: the exact object a careful human would write."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from localgenie import GenerationOptions, get_backend
from localgenie.structured import json_constraint
from localgenie.structured.prompt import extraction_messages

from .conftest import EXAMPLES, SEED_TEXT

pytestmark = pytest.mark.slow

EXPECTED = {
    "name": "John",
    "age": 30,
    "address": {"street": "5th Avenue", "number": 10, "city": "New York", "country": "USA"},
}


def test_genie_extract_prints_the_exact_seed_object() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "localgenie",
            "extract",
            "--schema",
            str(EXAMPLES / "person.schema.json"),
            SEED_TEXT,
        ],
        capture_output=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout) == EXPECTED


def test_drafting_changes_no_token_of_the_seed_and_saves_passes(person_schema: dict[str, Any]) -> None:
    backend: Any = get_backend("default")
    messages = extraction_messages(person_schema, SEED_TEXT)
    plain = backend.prompt(
        messages, GenerationOptions(max_tokens=200, constraint=json_constraint(person_schema))
    )
    drafted = backend.prompt(
        messages,
        GenerationOptions(max_tokens=200, constraint=json_constraint(person_schema), lookup_text=SEED_TEXT),
    )
    assert json.loads(plain.text()) == EXPECTED
    assert drafted.text() == plain.text()
    assert drafted.usage.forward_passes < plain.usage.forward_passes
    assert drafted.usage.forward_passes / drafted.usage.completion_tokens <= 0.7
