"""The review on the Extract page in Chromium (``page``: conftest's tab on this module's server): the
marks are drawn in their fields' colours under the page's CSP, hovering one shows its field, and a
script in the text is shown, never run.  A fake model streams a fixed answer (the real one: test_browser)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from localgenie.review.style import PALETTE
from localgenie.web import WebSettings, create_app
from tests.tubetalk.tubetalk_helpers import HashingEmbedder
from tests.web.conftest import ARTIFACTS
from tests.web.helpers import FakeBackend, LiveServer, factory

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "city": {"type": "string"}, "country": {"type": "string"}},
    "required": ["name", "city", "country"],
}
TEXT = 'Ann Lee <img src=x onerror="window.pwned = 1"> moved to Oslo in 2019.'
ANSWER = '{"name": "Ann Lee", "city": "Oslo", "country": "Norway"}'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("web-review")
    settings = WebSettings(
        model="tiny", data_dir=data, kitchen_db=data / "kitchen.sqlite", embedder=HashingEmbedder()
    )
    backend = FakeBackend(ANSWER, chunk=8, chunk_delay=0.02)
    with LiveServer(create_app(settings, backend_factory=factory(backend))) as url:
        yield url


def _rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def _styles(page: Any, selector: str, pseudo: str | None = None) -> list[dict[str, str]]:
    return page.evaluate(  # type: ignore[no-any-return]
        """([selector, pseudo]) => [...document.querySelectorAll(selector)].map((node) => {
             const style = getComputedStyle(node, pseudo);
             return {background: style.backgroundColor, content: style.content};
           })""",
        [selector, pseudo],
    )


def test_the_extract_page_marks_each_value_and_hover_shows_its_field(page: Any) -> None:
    page.goto("/extract")
    page.fill("#schema", json.dumps(SCHEMA))
    page.fill("#text", TEXT)
    with page.expect_navigation(url="**/extract/*"):
        page.click("#extract-btn", no_wait_after=True)
    page.wait_for_selector("#review mark")
    marks = page.locator("#review pre.gr-text mark")
    assert [m.get_attribute("data-pointer") for m in marks.all()] == ["/name", "/city"]
    assert marks.all_inner_texts() == ["Ann Lee", "Oslo"]
    assert page.inner_text("#review pre.gr-text") == TEXT  # the text as written: markup shown as text
    assert page.evaluate("window.pwned") is None  # ... and never run
    # Each field in its own colour, from the review stylesheet the page's CSP allows.
    backgrounds = [style["background"] for style in _styles(page, "#review pre.gr-text mark")]
    assert backgrounds == [_rgb(PALETTE[0][0]), _rgb(PALETTE[1][0])]  # fields in the answer's order
    name = marks.first
    assert name.get_attribute("title").startswith('/name = "Ann Lee" · characters 0–7')
    assert _styles(page, "#review pre.gr-text mark", "::after")[0]["content"] == "none"
    name.hover()
    assert _styles(page, "#review pre.gr-text mark", "::after")[0]["content"] == '"/name"'
    country = page.locator('#review tr[data-pointer="/country"]')
    assert "not in the text" in country.inner_text() and "Norway" in country.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "extract-review.png"), full_page=True)


def test_the_review_file_opens_styled_under_its_own_policy(page: Any) -> None:
    page.goto("/extract")
    page.fill("#schema", json.dumps(SCHEMA))
    page.fill("#text", TEXT)
    with page.expect_navigation(url="**/extract/*"):
        page.click("#extract-btn", no_wait_after=True)
    page.click("#review-open")
    page.wait_for_url("**/review.html")
    assert page.locator("mark").all_inner_texts() == ["Ann Lee", "Oslo"]
    # Its inline stylesheet runs (its hash is in its policy: a mismatch would leave the marks unstyled
    # and log a CSP error, which the page fixture fails on); no script runs at all.
    assert _styles(page, "mark")[0]["background"] == _rgb(PALETTE[0][0])
    assert page.evaluate("window.pwned") is None
    with page.expect_download() as info:
        page.goto(page.url.split("/review.html")[0])
        page.click("#review-download")
    assert info.value.suggested_filename.startswith("genie-review-")
