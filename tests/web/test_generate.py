"""``POST /api/kitchen/generate``: server-sent events (status lines, the recipe as it forms, then the
recipe card), through the model queue (429 when full), with real status codes for bad input.

The model is a fake that streams a fixed, valid recipe: what is under test is the HTTP layer around
`localgenie.kitchen.generate` (whose loop has its own tests); the stored recipe is then cooked for real.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from localgenie.web import WebSettings
from tests.web.conftest import make_client
from tests.web.helpers import FakeBackend, factory
from tests.web.test_recipes import FRITTATA, import_recipes

RECIPE = {
    "title": "Spinach and Feta Omelette",
    "servings": 2,
    "total_time_min": 15,
    "ingredients": [
        {"name": "eggs", "quantity": 4, "unit": None, "from_pantry": True},
        {"name": "spinach", "quantity": 1, "unit": "bag", "from_pantry": True},
        {"name": "feta", "quantity": 80, "unit": "gram", "from_pantry": True},
        {"name": "chives", "quantity": 1, "unit": "tablespoon", "from_pantry": False},
    ],
    "steps": [
        "Wilt the spinach in a hot pan with a little olive oil.",
        "Beat the eggs, pour over the spinach, crumble in the feta and scatter the chives.",
    ],
    "tips": ["Serve at once."],
}
ANSWER = json.dumps(RECIPE, separators=(",", ":"))
PANTRY = [
    {"name": "eggs", "quantity": 6},
    {"name": "spinach", "quantity": 1, "unit": "bag"},
    {"name": "feta", "quantity": 200, "unit": "g"},
]


def events(client: TestClient, body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a generate stream, as a browser's reader would split them."""
    with client.stream("POST", "/api/kitchen/generate", json=body) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        kind, data = "message", []
        for line in response.iter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if data:
                    yield kind, "\n".join(data)
                kind, data = "message", []
            elif line.startswith("event: "):
                kind = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])


@pytest.fixture
def stocked(settings: WebSettings, tmp_path: Path) -> WebSettings:
    assert settings.kitchen_db is not None
    import_recipes(settings.kitchen_db, tmp_path, FRITTATA)
    return settings


def test_generate_streams_status_text_then_a_card_that_can_be_cooked(stocked: WebSettings) -> None:
    backend = FakeBackend(ANSWER, chunk=40)
    with make_client(stocked, backend_factory=factory(backend)) as client:
        client.post("/api/pantry", json={"items": PANTRY})
        seen = list(events(client, {"use": ["spinach"], "servings": 2}))
        kinds = [kind for kind, _ in seen]
        assert kinds[0] == "status" and kinds[-1] == "recipe" and "error" not in kinds
        assert kinds.index("partial") < kinds.index("recipe")
        assert "text" not in kinds  # the raw JSON is not streamed at the user (issue #18, web 8)
        statuses = [data for kind, data in seen if kind == "status"]
        assert any("inspired by: Spinach Frittata" in s for s in statuses)
        partials = [json.loads(data) for kind, data in seen if kind == "partial"]
        assert len(partials) > 3 and partials[-1]["value"] == RECIPE  # the recipe as it formed
        done = [len(p["complete"]) for p in partials]
        assert done == sorted(done) and done[0] < 3 < done[-1]  # it grew, field by field

        result = json.loads(seen[-1][1])
        recipe_id = result["recipe_id"]
        assert result["card"]["id"] == recipe_id and result["card"]["title"] == RECIPE["title"]
        marks = {i["ingredient"]: i["mark"] for i in result["card"]["ingredients"]}
        assert marks == {"egg": "have", "spinach": "have", "feta": "have", "chives": "missing"}
        assert result["card"]["nutrition"]["per_serving"]["kcal"] > 100  # computed by code (SR26)
        assert [s["name"] for s in result["shopping"]] == ["chives"]
        assert result["problems"] == [] and result["attempts"] == 1
        assert result["inspired_by"][0]["title"] == "Spinach Frittata"
        assert result["model"] == "tiny"  # the queue's model name (the fake stands in for it)

        # Stored like an imported recipe: its card, the cook and the undo work on recipe_id.
        assert client.get(f"/api/kitchen/recipes/{recipe_id}").json() == result["card"]
        cooked = client.post("/api/kitchen/cook", json={"recipe_id": recipe_id})
        assert cooked.status_code == 200
        assert {t["name"]: t["left"] for t in cooked.json()["taken"]} == {
            "eggs": 2,
            "spinach": 0,
            "feta": 120,
        }
        card_page = client.get(f"/kitchen/recipes/{recipe_id}").text
        assert "Written by the model" in card_page and "tip: Serve at once." in card_page
        fragment = client.get(f"/kitchen/recipes/{recipe_id}/card").text
        assert fragment.lstrip().startswith("<article") and 'id="cook-btn"' in fragment


def test_bad_requests_get_their_status_code_before_any_stream(settings: WebSettings) -> None:
    backend = FakeBackend(ANSWER)
    with make_client(settings, backend_factory=factory(backend)) as client:
        empty = client.post("/api/kitchen/generate", json={})
        assert empty.status_code == 400 and "the pantry is empty" in empty.json()["message"]
        client.post("/api/pantry", json={"items": PANTRY})
        absent = client.post("/api/kitchen/generate", json={"use": ["lobster"]})
        assert absent.status_code == 400 and "'lobster' is not in the pantry" in absent.json()["message"]
        for body in ({"servings": 0}, {"servings": 25}, {"diets": ["carnivore"]}, {"use": [""]}):
            assert client.post("/api/kitchen/generate", json=body).status_code == 422, body
        assert backend.calls == 0  # none of these reached the model
        # Once the model is writing, the response has started: a failure is the stream's last event.
        backend.answer = '{"title": "Soup"}'  # never a valid recipe
        kind, data = list(events(client, {}))[-1]
        assert kind == "error" and json.loads(data)["status"] == 422
        assert json.loads(data)["error"] == "SchemaViolation"


def test_a_full_queue_answers_429_and_the_next_request_gets_through(settings: WebSettings) -> None:
    settings.queue_size = 0  # one request at a time, no waiting line
    backend = FakeBackend(ANSWER, delay=1.5)
    with make_client(settings, backend_factory=factory(backend)) as client:
        client.post("/api/pantry", json={"items": PANTRY})
        first: list[list[tuple[str, str]]] = []
        runner = threading.Thread(target=lambda: first.append(list(events(client, {}))))
        runner.start()
        deadline = time.monotonic() + 10
        while backend.calls == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        busy = client.post("/api/kitchen/generate", json={})
        assert busy.status_code == 429 and int(busy.headers["retry-after"]) >= 1
        runner.join(30)
        assert first and first[0][-1][0] == "recipe"
        assert list(events(client, {}))[-1][0] == "recipe"  # free again


def test_without_javascript_the_generate_form_waits_then_shows_the_card(
    settings: WebSettings,
) -> None:
    backend = FakeBackend(ANSWER)
    with make_client(settings, backend_factory=factory(backend)) as client:
        client.post("/api/pantry", json={"items": PANTRY})
        page = client.get("/kitchen").text
        assert 'id="generate-btn"' in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        done = client.post(
            "/kitchen/generate",
            data={"use": "spinach, feta", "servings": "2", "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert done.status_code == 303 and re.fullmatch(r"/kitchen/recipes/\d+", done.headers["location"])
        assert client.post("/kitchen/generate", data={"use": "spinach"}).status_code == 403  # no token


def test_a_client_that_leaves_stops_the_generation_and_frees_the_model(settings: WebSettings) -> None:
    settings.queue_size = 0
    backend = FakeBackend(ANSWER, chunk=8, chunk_delay=0.1)  # ~5 s to write the whole recipe
    with make_client(settings, backend_factory=factory(backend)) as client:
        client.post("/api/pantry", json={"items": PANTRY})
        started = time.monotonic()
        for kind, _ in events(client, {}):
            if kind == "partial":
                break  # leave as soon as the recipe starts to show
        while client.get("/healthz").json()["queue_waiting"] and time.monotonic() - started < 10:
            time.sleep(0.05)
        assert time.monotonic() - started < 3, "the model kept writing for a client that had gone"
        assert client.get("/api/kitchen/recipes/1").status_code == 404  # nothing was stored
