"""The web app in a real browser (Debian's chromium driven by Playwright) against a real uvicorn server.

A failing test leaves a screenshot in ``test-artifacts/`` (or ``$GENIE_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from localgenie.web import WebSettings, create_app
from localgenie.web.examples import PERSON
from tests.tubetalk.tubetalk_helpers import HashingEmbedder
from tests.web.conftest import ARTIFACTS
from tests.web.helpers import FIXTURES, FakeBackend, LiveServer, factory
from tests.web.test_generate import ANSWER, PANTRY
from tests.web.test_recipes import import_recipes


@pytest.fixture(scope="module")
def server_settings(tmp_path_factory: pytest.TempPathFactory) -> WebSettings:
    data = tmp_path_factory.mktemp("web-browser")
    return WebSettings(
        model="tiny", data_dir=data, kitchen_db=data / "kitchen.sqlite", embedder=HashingEmbedder()
    )


@pytest.fixture(scope="module")
def server(server_settings: WebSettings) -> Iterator[str]:
    with LiveServer(create_app(server_settings)) as url:
        yield url


@pytest.fixture(scope="module")
def omelette(server_settings: WebSettings, tmp_path_factory: pytest.TempPathFactory) -> int:
    """A recipe in the live server's kitchen database (the server reads the file on every request)."""
    assert server_settings.kitchen_db is not None
    recipe = {
        "title": "Browser Omelette",
        "servings": 2,
        "ingredients": ["4 eggs", "50 g feta", "1 cup spinach", "salt to taste"],
        "directions": ["Whisk the eggs with the feta.", "Cook in a hot pan, add the spinach."],
    }
    return import_recipes(server_settings.kitchen_db, tmp_path_factory.mktemp("recipes"), recipe)[
        "Browser Omelette"
    ]


def _fresh_pantry(page: Any, items: list[dict[str, Any]]) -> dict[str, int]:
    """Empty the shared server's pantry (earlier tests stock it), then stock ``items``; ids by name."""
    for item in page.request.get("/api/pantry").json():
        page.request.delete(f"/api/pantry/{item['id']}")
    stored = page.request.post("/api/pantry", data={"items": items})
    assert stored.status == 201, stored.text()
    return {i["name"]: i["id"] for i in stored.json()}


def _fits_the_screen(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


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
    """The real tiny model: the fields fill in as they are written (issue #12, part 5), then the kept
    run's page shows the valid result, and a reload shows the same."""
    page.goto("/extract")
    assert "John" in page.input_value("#text")
    state = "() => [!document.getElementById('live').hidden,"
    state += " document.querySelectorAll('#live-fields [data-path].complete').length,"
    state += " document.getElementById('live-fields').innerText]"
    seen: list[tuple[bool, int, str]] = []
    with page.expect_navigation(url="**/extract/*", timeout=180_000):  # tiny, on a busy 2-core machine
        page.click("#extract-btn", no_wait_after=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                visible, complete, shown = page.evaluate(state)
            except Exception:  # the page navigated away to the kept run: the stream is over
                break
            if visible and complete:
                seen.append((visible, complete, shown))
            time.sleep(0.02)
    value = json.loads(page.inner_text("#result"))
    jsonschema.validate(value, PERSON)
    counts = [complete for _, complete, _ in seen]
    assert len(set(counts)) >= 3, seen  # shown growing, field after field, before the result page
    assert value["name"] in seen[-1][2] and "{" not in seen[-1][2]  # fields and values, not raw JSON
    # Under the result, its review (issue 13 part 3): each value tiny took from the text marked there.
    text = page.input_value("#text")
    marks = page.locator("#review pre.gr-text mark").all()
    assert marks and page.inner_text("#review pre.gr-text") == text
    for mark in marks:
        start, end = int(mark.get_attribute("data-start")), int(mark.get_attribute("data-end"))
        assert mark.inner_text() == text[start:end]
    name = page.locator('#review mark[data-pointer="/name"]')
    assert name.inner_text() == value["name"] and name.get_attribute("title").startswith("/name = ")
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


def test_cook_from_a_recipe_card_on_a_phone_then_undo(page: Any, omelette: int) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    ids = _fresh_pantry(
        page, [{"name": "eggs", "quantity": 6}, {"name": "feta", "quantity": 200, "unit": "g"}]
    )
    eggs = f'#pantry tr[data-item="{ids["eggs"]}"] td:nth-child(2)'
    page.goto("/kitchen?suggest=1")
    page.get_by_role("link", name="Browser Omelette").click()
    page.wait_for_url(f"**/kitchen/recipes/{omelette}")
    _fits_the_screen(page)
    assert float(page.inner_text('#nutrition tr[data-nutrient="kcal"] td')) > 100  # 2 eggs + 25 g feta
    assert "salt to taste" in page.inner_text("#unmatched")  # listed, not guessed
    assert "✗ missing" in page.inner_text("#ingredients li:has-text('spinach')")
    page.click("#cook-btn")
    page.wait_for_url("**cooked=*")
    assert "took 4 piece eggs" in " ".join(page.inner_text("#taken").split())
    page.goto("/kitchen")
    assert page.inner_text(eggs) == "2 piece"
    page.reload()
    assert page.inner_text(eggs) == "2 piece"  # stored server-side
    _fits_the_screen(page)
    page.click("#undo-btn")
    page.wait_for_url("**/kitchen#cooking")
    assert page.inner_text(eggs) == "6 piece"
    assert page.locator("#no-cook").count() == 1


def test_shopping_list_shows_what_is_missing_and_downloads(page: Any, omelette: int) -> None:
    _fresh_pantry(page, [{"name": "eggs", "quantity": 6}])
    page.goto(f"/kitchen/recipes/{omelette}")
    page.fill("#servings", "4")
    page.keyboard.press("Tab")  # leaving the field updates the amounts (no button press needed)
    page.wait_for_url("**servings=4")
    page.click("#list-btn")
    page.wait_for_url(f"**/kitchen/recipes/{omelette}?servings=4")
    page.goto("/kitchen#shopping")
    items = page.locator("#shopping-items li .name").all_inner_texts()
    assert items == ["egg", "feta", "spinach"]  # 8 eggs for 4, 6 in the pantry; salt is a staple
    assert "2 piece" in page.inner_text("#shopping-items li:has-text('egg')")
    download = page.request.get(page.get_attribute("#download-md", "href"))
    assert download.ok and "- [ ] spinach — 2 cups (Browser Omelette)" in download.text()
    with page.expect_download() as info:
        page.click("#download-csv")
    assert info.value.suggested_filename == "shopping-list.csv"


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server whose model streams a fixed recipe (the real one would take minutes here)."""
    data = tmp_path_factory.mktemp("web-generate")
    settings = WebSettings(
        model="tiny", data_dir=data, kitchen_db=data / "kitchen.sqlite", embedder=HashingEmbedder()
    )
    backend = FakeBackend(ANSWER, chunk=24, chunk_delay=0.05)
    with LiveServer(create_app(settings, backend_factory=factory(backend))) as url:
        yield url


PREVIEW_STATE = (
    "() => [document.getElementById('preview-title').textContent,"
    " document.querySelectorAll('#preview-ingredients li:not(.writing)').length,"
    " document.querySelectorAll('#preview-steps li:not(.writing)').length,"
    " document.getElementById('generate-live').innerText,"
    " !!document.querySelector('#generate-card article'),"
    " !document.getElementById('generate-failed').hidden]"
)


def _watch_the_recipe(page: Any, timeout: float) -> list[list[Any]]:
    """Poll the writer (the page's CSP forbids the eval that wait_for_function needs) until a card or a
    failure shows: every state seen, as [title, ingredients, steps, live text, card, failed]."""
    states: list[list[Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states.append(page.evaluate(PREVIEW_STATE))
        if states[-1][4] or states[-1][5]:
            return states
        time.sleep(0.02)
    raise AssertionError(f"no card and no failure after {timeout:.0f} s: {states[-1]}")


def test_generate_shows_the_recipe_as_it_forms_then_a_card_that_cooks(page: Any, writer: str) -> None:
    """Issue #18, web 8: the title, then each ingredient and step as it completes, never raw JSON."""
    assert page.request.post(f"{writer}/api/pantry", data={"items": PANTRY}).status == 201
    page.goto(f"{writer}/kitchen")
    page.fill("#generate-use", "spinach")
    page.click("#generate-btn")
    states = _watch_the_recipe(page, 30)
    before_card = [s for s in states if not s[4]]
    assert any(
        title == "Spinach and Feta Omelette" and ingredients == 0 for title, ingredients, *_ in before_card
    )
    assert any(0 < ingredients < 4 for _, ingredients, *_ in before_card)  # ingredient by ingredient
    assert any(steps == 1 for _, _, steps, *_ in before_card)  # the first step before the second
    assert not any('{"' in state[3] or '":' in state[3] for state in states)  # never raw JSON
    assert "writing step" in " ".join(s[3] for s in before_card)  # says what is being written
    assert states[-1][4] and not states[-1][5]
    assert "checking it against the pantry" in page.inner_text("#generate-status")
    assert not page.is_visible("#generate-preview")  # the card replaces the preview
    card = page.locator("#generate-card")
    assert "Spinach and Feta Omelette" in card.locator("h1").inner_text()
    assert float(card.locator('#nutrition tr[data-nutrient="kcal"] td').inner_text()) > 100
    card.locator("#cook-btn").click()
    page.wait_for_url("**cooked=*")
    assert "took 4 piece eggs" in " ".join(page.inner_text("#taken").split())


def test_writing_a_recipe_with_tiny_shows_it_forming_and_a_loop_fails_in_words(page: Any) -> None:
    """The real tiny model, which goes round in circles on recipes (issue #18, web 8: raw JSON with
    "feta cheese" a dozen times, then "stuck repeating itself" after ~30 s).  Whatever tiny writes this
    time: the recipe is shown as it forms and never as JSON; it ends in a card, or soon in a message in
    words with a Try again button, which asks the model again differently."""
    _fresh_pantry(
        page,
        [
            {"name": "eggs", "quantity": 6},
            {"name": "spinach", "quantity": 1, "unit": "bag"},
            {"name": "feta", "quantity": 200, "unit": "g"},
        ],
    )
    bodies: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/api/kitchen/generate") else None,
    )
    page.goto("/kitchen")
    page.fill("#generate-use", "spinach")
    for attempt in range(2):
        started = time.monotonic()
        page.click("#generate-btn" if attempt == 0 else "#generate-retry")
        states = _watch_the_recipe(page, 240)
        seconds = time.monotonic() - started
        assert any(title for title, *_ in states), "the title never showed while it was written"
        for live in (state[3] for state in states):
            assert '{"' not in live and '":' not in live, live  # never the model's raw JSON
        card, failed = states[-1][4], states[-1][5]
        if card:
            assert page.locator("#generate-card h1").inner_text()
            return
        assert failed and seconds < 120, seconds  # a loop is stopped early, not run to the token cap
        message = page.inner_text("#generate-error")
        assert message and "$." not in message and "{" not in message, message  # words, not jargon
        if "repeating itself" in message:
            assert "try again" in message
        assert page.is_enabled("#generate-retry") and page.is_visible("#generate-retry")
        assert not page.is_visible("#generate-preview")  # an unfinished recipe is not left as if done
    assert [b["variant"] for b in bodies] == [0, 1]  # "try again" asked for a different try


def test_extract_counts_characters_and_keeps_a_text_over_the_limit(page: Any) -> None:
    page.goto("/extract")
    assert "of at most 100,000 characters" in page.inner_text("#text-count")
    text = "word " * 20_002  # 100,010 characters
    page.fill("#text", text)
    assert "10 over the limit of 100,000" in page.inner_text("#text-count")  # live, before any request
    assert "over" in (page.get_attribute("#text-count", "class") or "")
    page.click("#extract-btn")
    page.wait_for_selector("#form-error")
    assert "100,010 characters" in page.inner_text("#form-error")
    assert page.input_value("#text") == text


def test_confirm_step_edits_amount_unit_and_place(page: Any) -> None:
    _fresh_pantry(page, [{"name": "salt", "location": "pantry"}])
    page.goto("/kitchen")
    page.fill("#add-text", "12 eggs\n1 l milk")
    page.click("#add-btn")
    page.wait_for_url("**/kitchen/drafts/*")
    assert page.input_value("#quantity-0") == "12" and page.input_value("#location-1") == "fridge"
    page.fill("#quantity-0", "10")
    page.fill("#unit-1", "ml")
    page.fill("#quantity-1", "750")
    page.select_option("#location-1", "freezer")
    page.set_viewport_size({"width": 375, "height": 740})
    _fits_the_screen(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "confirm-step.png"), full_page=True)
    page.click("#store-btn")
    page.wait_for_url("**/kitchen")
    rows = {r.locator("td.name").inner_text(): r for r in page.locator("#pantry tbody tr").all()}
    assert rows["eggs"].locator("td:nth-child(2)").inner_text() == "10 piece"
    assert rows["milk"].locator("td:nth-child(2)").inner_text() == "750 milliliter"
    assert rows["milk"].locator("td:nth-child(3)").inner_text() == "freezer"


def test_tubetalk_form_asks_for_the_comment_column_of_a_csv(page: Any, tmp_path: Path) -> None:
    """Issue 18 item 10: a CSV without a usual comment column named a CLI flag; the form asks instead."""
    odd = tmp_path / "remarks.csv"
    odd.write_bytes((FIXTURES / "comments.csv").read_bytes().replace(b"DATE,CONTENT", b"DATE,Remarks", 1))
    page.goto("/tubetalk")
    page.set_input_files("#file", str(odd))
    page.click("#analyse-btn")
    page.wait_for_selector("#text-column")
    assert "--column" not in page.inner_text("main")
    options = page.locator("#text-column option").all_inner_texts()
    assert options == ["COMMENT_ID", "AUTHOR", "DATE", "Remarks"]
    assert page.input_value("#text-column") == "Remarks"
    page.select_option("#text-column", "AUTHOR")
    page.select_option("#text-column", "Remarks")
    page.click("#pick-btn")
    page.wait_for_url("**/tubetalk/jobs/*")
    page.wait_for_selector("#report", timeout=90_000)
    assert page.get_attribute("#job", "data-status") == "done"
    assert "remarks.csv" in page.inner_text("h1")


def test_tubetalk_report_is_shown_whole_with_legends_and_a_download(page: Any) -> None:
    """Issue 18 item 13: the report sat in a small scrolling frame, its time chart without a legend."""
    page.goto("/tubetalk")
    page.set_input_files("#file", str(FIXTURES / "comments.csv"))
    page.click("#analyse-btn")
    page.wait_for_url("**/tubetalk/jobs/*")
    page.wait_for_selector("#report", timeout=90_000)
    page.wait_for_function(
        """() => { const f = document.getElementById('report'); const d = f.contentDocument;
                   return d && d.readyState === 'complete' && d.querySelector('h1')
                          && f.clientHeight >= d.documentElement.scrollHeight; }"""
    )
    frame = page.locator("#report").element_handle().content_frame()
    assert (
        frame.evaluate("document.documentElement.scrollHeight - window.innerHeight") <= 0
    )  # no inner scroll
    viewport = page.viewport_size
    assert (
        page.evaluate("document.getElementById('report').clientHeight") > viewport["height"]
    )  # the page scrolls
    assert frame.locator("svg.time g.legend text").all_text_contents() == ["positive", "neutral", "negative"]
    assert frame.locator("svg.time text.bucket").count() >= 2
    assert frame.locator("svg .axis-label").count() == 5  # time: count and period; three bar charts
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tubetalk-report.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#download-report")
    download = info.value
    assert download.suggested_filename.startswith("tubetalk-report-")
    assert download.suggested_filename.endswith(".html")
    saved = Path(download.path()).read_text(encoding="utf-8")
    assert "<h1>TubeTalk report</h1>" in saved and 'class="legend"' in saved and "<script" not in saved
