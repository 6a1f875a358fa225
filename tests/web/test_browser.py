"""The web app in a real browser (Debian's chromium driven by Playwright) against a real uvicorn server.

A failing test leaves a screenshot in ``test-artifacts/`` (or ``$GENIE_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from localgenie.web import WebSettings, create_app
from localgenie.web.examples import PERSON
from tests.tubetalk.tubetalk_helpers import HashingEmbedder
from tests.web.helpers import FIXTURES, LiveServer

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
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("web-browser")
    settings = WebSettings(
        model="tiny", data_dir=data, kitchen_db=data / "kitchen.sqlite", embedder=HashingEmbedder()
    )
    with LiveServer(create_app(settings)) as url:
        yield url


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
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
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


def test_pantry_items_added_by_text_survive_a_reload(page: Any) -> None:
    page.goto("/kitchen")
    page.fill("#add-text", "12 eggs\n2 bags of spinach\n500 g feta")
    page.click("#add-btn")
    page.wait_for_url("**/kitchen/drafts/*")
    assert page.locator("#draft tbody tr").count() == 3
    page.click("#store-btn")
    page.wait_for_url("**/kitchen")
    rows = page.locator("#pantry tbody tr")
    assert rows.count() == 3
    names = rows.locator("td.name").all_inner_texts()
    assert names[0].startswith("spinach")  # soonest expiry first
    assert page.locator("#pantry .badge").count() == 3
    page.reload()
    assert page.locator("#pantry tbody tr").count() == 3
    page.locator("#pantry tbody tr").first.get_by_role("button", name="remove").click()
    page.wait_for_load_state()
    assert page.locator("#pantry tbody tr").count() == 2


def test_extraction_in_the_browser(page: Any) -> None:
    page.goto("/extract")
    assert "John" in page.input_value("#text")
    with page.expect_navigation(url="**/extract/*", timeout=180_000):  # tiny, on a busy 2-core machine
        page.click("#extract-btn", no_wait_after=True)
    value = json.loads(page.inner_text("#result"))
    jsonschema.validate(value, PERSON)
    run_url = page.url
    page.reload()
    assert page.url == run_url and json.loads(page.inner_text("#result")) == value


def test_tubetalk_job_shows_progress_then_the_charts(page: Any) -> None:
    page.goto("/tubetalk")
    page.set_input_files("#file", str(FIXTURES / "comments.csv"))
    page.click("#analyse-btn")
    page.wait_for_url("**/tubetalk/jobs/*")
    page.wait_for_selector("#report", timeout=90_000)  # the page reloads itself when the job ends
    assert page.get_attribute("#job", "data-status") == "done"
    report = page.frame_locator("#report")
    assert report.locator("h1").inner_text() == "TubeTalk report"
    assert report.locator("svg rect").count() > 5
    page.reload()
    assert page.frame_locator("#report").locator("svg").count() >= 3


def test_pages_fit_a_phone_screen(page: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/extract", "/kitchen", "/tubetalk", "/settings"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
