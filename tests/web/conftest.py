"""Fixtures for the web app: a fresh data dir per test, the real tiny model, TestClient, and Chromium.

A browser test module defines a ``server`` fixture (the base URL); ``page`` is a tab on it.  A failing
browser test leaves a screenshot in ``test-artifacts/`` (or ``$GENIE_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import os
import shutil
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


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(
    os.environ.get("GENIE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)


def _chromium() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.skip("chromium not found (/usr/bin/chromium): run tools/install_chromium.sh")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(base_url=server)
    context.set_default_timeout(20_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    marker = request.node.get_closest_marker("page_errors")
    expected_errors: tuple[str, ...] = marker.args if marker is not None else ()

    def console(msg: Any) -> None:
        # A page answered with an error status on purpose (a form shown again with its reason) is logged
        # as a failed load of the document itself: only failures of anything else count.
        document = msg.text.startswith("Failed to load resource") and msg.location.get("url") == tab.url
        expected = any(text in msg.text for text in expected_errors)
        if msg.type == "error" and not document and not expected:
            errors.append(msg.text)

    tab.on("console", console)
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"{request.node.name}.png"
        try:
            tab.screenshot(path=str(shot), full_page=True, timeout=5_000)
            print(f"screenshot: {shot}")
        except Exception as exc:  # a page still loading must not hide the test's own failure
            print(f"no screenshot: {exc}")
    context.close()
    assert not errors, f"errors in the page: {errors}"  # CSP violations and script errors show up here
