"""Fixtures for the web app: a fresh data dir per test, the real tiny model, and TestClient / live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from localgenie.web import WebSettings, create_app
from tests.tubetalk.tubetalk_helpers import HashingEmbedder


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebSettings:
    """Real SQLite files in a temp dir; the tiny model; the cheap deterministic embedder for TubeTalk."""
    monkeypatch.setenv("GENIE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GENIE_DB", str(tmp_path / "data" / "kitchen.sqlite"))
    monkeypatch.delenv("GENIE_TOKEN", raising=False)
    return WebSettings(
        model="tiny",
        data_dir=tmp_path / "data",
        kitchen_db=tmp_path / "data" / "kitchen.sqlite",
        embedder=HashingEmbedder(),
        menu_path=Path(__file__).resolve().parents[2] / "examples" / "menu.toml",
    )


@pytest.fixture
def client(settings: WebSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def make_client(settings: WebSettings, **kwargs: Any) -> TestClient:
    return TestClient(create_app(settings, **kwargs))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item, so the browser fixture can screenshot failures."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)
