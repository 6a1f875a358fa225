"""``auto`` in the web app: a setting like any model; extractions run through the cascade (each
answer says which model gave it and why others did not); other work goes to its task's model."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from localgenie.llm import Backend
from localgenie.web import WebSettings
from tests.web.conftest import make_client
from tests.web.helpers import FakeBackend
from tests.web.test_extract_stream import sse

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "city": {"type": "string"}},
    "required": ["name", "city"],
}
TEXT = "Ann lives in Oslo."


def two_models(tiny_answer: str) -> tuple[dict[str, FakeBackend], object]:
    backends = {"tiny": FakeBackend(tiny_answer), "default": FakeBackend('{"name": "Ann", "city": "Oslo"}')}

    def build(name: str) -> Backend:
        return backends[name]

    return backends, build


@pytest.fixture
def auto(settings: WebSettings) -> WebSettings:
    return replace(settings, model="auto")


def test_the_api_answers_through_the_cascade_and_says_which_model_answered(auto: WebSettings) -> None:
    backends, build = two_models('{"name": "Ann", "city": "Bergen"}')
    with make_client(auto, backend_factory=build) as client:
        response = client.post("/api/extract", json={"text": TEXT, "schema": SCHEMA})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["value"] == {"name": "Ann", "city": "Oslo"}
    assert body["model"] == "default (auto)"
    tiny, default = body["stages"]
    assert (tiny["stage"], tiny["outcome"]) == ("tiny", "rejected")
    assert any('"Bergen" is not in the text' in r for r in tiny["reasons"])
    assert (default["stage"], default["outcome"]) == ("default", "accepted")
    assert backends["tiny"].calls == 1 and backends["default"].calls == 1


def test_the_stream_says_when_the_next_model_takes_over(auto: WebSettings) -> None:
    _, build = two_models('{"name": "Ann", "city": "Bergen"}')
    with make_client(auto, backend_factory=build) as client:
        events = sse(client, "/api/extract/stream", json={"text": TEXT, "schema": SCHEMA})
    kinds = [kind for kind, _ in events]
    assert "stage" in kinds and kinds[-1] == "result"
    stage = json.loads(dict(events)["stage"])
    assert (stage["stage"], stage["next"]) == ("tiny", "default")
    assert kinds.index("stage") < kinds.index("result")


def test_other_work_runs_on_its_tasks_model(auto: WebSettings) -> None:
    # A recipe, a theme label, the kitchen: tiny cannot do them, so auto gives them default.
    _, build = two_models("{}")
    with make_client(auto, backend_factory=build) as client:
        queue = client.app.state.genie.queue  # type: ignore[attr-defined]
        assert queue.backend("recipe").info is not None
        assert queue.backend("recipe") is queue.backend("order")
        assert queue.backend("recipe") is not queue.backend("extract")
        assert queue.cascade("extract").stages == ("tiny", "default")
        assert queue.cascade("pantry").stages == ("default",)


def test_auto_is_offered_and_chosen_like_a_model(settings: WebSettings) -> None:
    with make_client(settings) as client:
        names = {m["name"]: m for m in client.get("/api/models").json()}
        assert "auto" in names and names["auto"]["status"] == "ready"  # CI has both models
        response = client.put("/api/settings", json={"model": "auto"})
        assert response.status_code == 200 and response.json()["model"] == "auto"
        assert client.get("/healthz").json()["model"] == "auto"
