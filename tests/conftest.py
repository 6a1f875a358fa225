"""Fixtures shared by the whole suite: the real tiny model, the shared data sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from localgenie.config import shared_data_dir

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SEED_TEXT = "My name is John and I am 30 years old. I live in New York, on 5th Avenue, number 10."


def require_shared(*parts: str) -> Path:
    """A path inside ../shared/data (or $GENIE_SHARED_DATA); skips only when the data is truly absent."""
    root = shared_data_dir()
    if root is None:
        pytest.skip("shared data not found: set GENIE_SHARED_DATA or put it at ../shared/data")
    path = root.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data set missing: {path}")
    return path


@pytest.fixture(scope="session")
def tiny() -> Any:
    """The real SmolLM2-135M backend, loaded once for the whole run."""
    from localgenie.llm import get_backend

    return get_backend("tiny")


@pytest.fixture(scope="session")
def person_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((EXAMPLES / "person.schema.json").read_text())
    return schema


@pytest.fixture(autouse=True)
def _no_remote_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their backend explicitly; a developer's GENIE_BASE_URL must not leak in."""
    for name in ("GENIE_BASE_URL", "GENIE_API_KEY", "GENIE_MODEL"):
        monkeypatch.delenv(name, raising=False)
    # Nor may the suite write to a developer's extraction log: tests of the log turn it on themselves.
    monkeypatch.setenv("GENIE_LOG", "0")
    # Nor to its batch result cache: tests of the cache give it a data directory of their own.
    monkeypatch.setenv("GENIE_RESULT_CACHE", "0")
