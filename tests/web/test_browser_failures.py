"""How the web app fails, in a real browser: a model going round in circles, and a model too busy.

Both failures come from a scripted model (the real one cannot be made to loop, or to be slow, on
demand); what is under test is what the user sees: words, a way out, and the form kept.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from localgenie.web import WebSettings, create_app
from localgenie.web.examples import PERSON
from tests.tubetalk.tubetalk_helpers import HashingEmbedder
from tests.web.helpers import PERSON_TEXT, FakeBackend, LiveServer, factory
from tests.web.test_generate import PANTRY

FETA = {"name": "feta cheese", "quantity": 1, "unit": None, "from_pantry": True}
# What a small model writes when it goes round in circles: the same ingredient over and over.
LOOPING = (
    '{"title":"Feta Omelette","servings":2,"total_time_min":10,"ingredients":['
    + ",".join([json.dumps(FETA, separators=(",", ":"))] * 40)
    + "]"
)


@pytest.fixture(scope="module")
def model() -> FakeBackend:
    """The scripted model; each test sets its answer and delay."""
    return FakeBackend(LOOPING, chunk=16, chunk_delay=0.01)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: FakeBackend) -> Iterator[str]:
    data = tmp_path_factory.mktemp("web-failures")
    settings = WebSettings(
        model="tiny",
        data_dir=data,
        kitchen_db=data / "kitchen.sqlite",
        embedder=HashingEmbedder(),
        queue_size=1,  # one running and one waiting: a third request is refused
    )
    with LiveServer(create_app(settings, backend_factory=factory(model))) as url:
        yield url


def test_a_recipe_that_loops_stops_early_in_words_with_a_retry(page: Any, model: FakeBackend) -> None:
    """Issue #18, web 8: raw JSON with "feta cheese" a dozen times, then a failure after ~30 s.  Now the
    loop is stopped at its third repeat, said in a cook's words, and Try again asks differently."""
    model.answer, model.delay = LOOPING, 0.0
    assert page.request.post("/api/pantry", data={"items": PANTRY}).status == 201
    bodies: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/api/kitchen/generate") else None,
    )
    page.goto("/kitchen")
    page.fill("#generate-use", "feta")
    for attempt, button in enumerate(("#generate-btn", "#generate-retry")):
        calls = model.calls
        started = time.monotonic()
        page.click(button)
        page.wait_for_selector("#generate-failed:not([hidden])", timeout=30_000)
        seconds = time.monotonic() - started
        message = page.inner_text("#generate-error")
        assert "repeating itself" in message and "'feta cheese' over and over" in message, message
        assert "try again" in message and "{" not in message and "$." not in message, message
        assert seconds < 15, seconds  # each attempt stops at the third repeat, not at the token cap
        # Every attempt was cut short: 40 items were offered, far fewer streamed before the stop.
        assert 1 <= model.calls - calls <= 3
        assert page.is_visible("#generate-retry") and page.is_enabled("#generate-retry")
        assert not page.is_visible("#generate-preview")  # an unfinished recipe is not left as if done
        assert attempt == len(bodies) - 1
    assert [b["variant"] for b in bodies] == [0, 1]  # "try again" asked for a different try


@pytest.mark.page_errors("status of 429")  # the page's script is refused, then sends the plain form
def test_a_busy_model_says_when_to_retry_and_keeps_the_text(
    page: Any, server: str, model: FakeBackend
) -> None:
    """Issue #18, web 11: 429s said "Retry-After: 285" for jobs of about a second.  Now the page (and the
    header) give a wait computed from the measured times of the work in the line, and the text stays."""
    address = {"street": "5th Avenue", "number": 10, "city": "New York", "country": "USA"}
    model.answer = json.dumps({"name": "John", "age": 30, "address": address}, separators=(",", ":"))
    model.delay = 0.4
    schema = json.dumps(PERSON)
    with httpx.Client(base_url=server, timeout=30) as client:  # the server learns what a job takes
        for _ in range(2):
            done = client.post("/api/extract", json={"text": PERSON_TEXT, "schema": PERSON, "max_retries": 0})
            assert done.status_code == 200, done.text
    model.delay = 6.0
    busy = [threading.Thread(target=_extract, args=(server,)) for _ in range(2)]  # running + waiting
    for thread in busy:
        thread.start()
        time.sleep(0.3)
    try:
        refused = page.request.post("/api/extract", data={"text": PERSON_TEXT, "schema": PERSON})
        assert refused.status == 429
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 20, wait  # about what the two jobs ahead take, not minutes
        assert refused.json()["retry_after"] == wait
        page.goto("/extract")
        page.fill("#schema", schema)
        page.fill("#text", PERSON_TEXT)
        page.click("#extract-btn")
        page.wait_for_selector("#form-error")
        shown = page.inner_text("#form-error")
        assert "busy" in shown, shown
        seconds = re.search(r"retry in (\d+) s", shown)
        assert seconds and 1 <= int(seconds.group(1)) <= 20, shown
        assert page.input_value("#text") == PERSON_TEXT  # nothing the user typed is lost
    finally:
        for thread in busy:
            thread.join(30)


def _extract(url: str) -> None:
    httpx.post(
        f"{url}/api/extract", json={"text": PERSON_TEXT, "schema": PERSON, "max_retries": 0}, timeout=30
    )
