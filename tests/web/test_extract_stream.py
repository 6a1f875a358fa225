"""Extraction streamed over HTTP: ``POST /api/extract/stream`` and the Extract page's ``/extract/stream``.

The model is a fake that streams a fixed answer in small pieces (what is under test is the HTTP layer
and the page's record of the run); the real tiny model streams in the browser test.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from localgenie.web import WebSettings
from localgenie.web.examples import PERSON
from tests.web.conftest import make_client
from tests.web.helpers import PERSON_TEXT, FakeBackend, factory

ANSWER = (
    '{"name":"John","age":30,"address":{"street":"5th Avenue","number":10,"city":"New York","country":"USA"}}'
)
AGE = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}


def sse(client: TestClient, url: str, **kwargs: Any) -> list[tuple[str, str]]:
    """(event, data) pairs of a streamed answer, as a browser's reader splits them."""
    found: list[tuple[str, str]] = []
    with client.stream("POST", url, **kwargs) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        kind, data = "message", []
        for line in response.iter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if data:
                    found.append((kind, "\n".join(data)))
                kind, data = "message", []
            elif line.startswith("event: "):
                kind = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
    return found


def csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/extract").text)
    assert match
    return match.group(1)


def test_the_api_streams_fields_as_they_complete_then_the_result(settings: WebSettings) -> None:
    backend = FakeBackend(ANSWER, chunk=5)
    with make_client(settings, backend_factory=factory(backend)) as client:
        events = sse(client, "/api/extract/stream", json={"text": PERSON_TEXT, "schema": PERSON})
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "result" and "error" not in kinds
    partials = [json.loads(data) for kind, data in events if kind == "partial"]
    assert len(partials) > 5
    assert {"name": "John"} in [p["value"] for p in partials]  # a field shown before the object ended
    city = next(p for p in partials if "/address/city" in p["complete"])
    assert city["value"]["address"]["city"] == "New York" and "/address" not in city["complete"]
    assert partials[-1]["partial"] is None and partials[-1]["complete"][-1] == ""
    result = json.loads(events[-1][1])
    assert result["value"] == json.loads(ANSWER) and result["attempts"] == 1 and result["model"] == "tiny"


def test_a_failed_attempt_is_announced_and_the_last_failure_is_the_error_event(settings: WebSettings) -> None:
    backend = FakeBackend('{"name":"John","age":-3}', chunk=4)
    with make_client(settings, backend_factory=factory(backend)) as client:
        events = sse(
            client, "/api/extract/stream", json={"text": "John, -3", "schema": AGE, "max_retries": 1}
        )
    retries = [json.loads(data) for kind, data in events if kind == "retry"]
    assert retries == [
        {"attempt": 2, "errors": [{"path": "$.age", "message": "-3 is less than the minimum of 0"}]}
    ]
    attempts = [json.loads(data)["attempt"] for kind, data in events if kind == "partial"]
    assert attempts == sorted(attempts) and set(attempts) == {1, 2}
    kind, data = events[-1]
    error = json.loads(data)
    assert kind == "error" and error["status"] == 422 and error["error"] == "SchemaViolation"
    assert [e["path"] for e in error["errors"]] == ["$.age"]


def test_bad_requests_get_their_status_before_any_stream(settings: WebSettings) -> None:
    backend = FakeBackend(ANSWER)
    with make_client(settings, backend_factory=factory(backend)) as client:
        bad_schema = client.post("/api/extract/stream", json={"text": "hi", "schema": {"type": "nope"}})
        assert bad_schema.status_code == 422 and bad_schema.json()["error"] == "SchemaError"
        binary = client.post("/api/extract/stream", json={"text": "a\x00b", "schema": PERSON})
        assert binary.status_code == 400
        too_big = {"type": "object", "properties": {"a": {"type": "string", "description": "word " * 9000}}}
        too_long = client.post("/api/extract/stream", json={"text": "hi", "schema": too_big})
        assert too_long.status_code == 413 and too_long.json()["error"] == "ContextOverflow"
    assert backend.calls == 0


def test_the_page_stream_keeps_the_run_and_says_where_it_is(settings: WebSettings) -> None:
    backend = FakeBackend(ANSWER, chunk=5)
    with make_client(settings, backend_factory=factory(backend)) as client:
        form = {"schema_text": json.dumps(PERSON), "text": PERSON_TEXT, "csrf_token": csrf(client)}
        events = sse(client, "/extract/stream", data=form)
        assert [k for k, _ in events].count("partial") > 5
        kind, data = events[-1]
        assert kind == "done"
        url = json.loads(data)["url"]
        assert re.fullmatch(r"/extract/\d+", url)
        shown = client.get(url).text
        result = re.search(r'<pre id="result" class="code">(.*?)</pre>', shown, re.S)
        assert result and json.loads(_unescape(result.group(1))) == json.loads(ANSWER)
        assert client.post("/extract/stream", data={**form, "csrf_token": "forged"}).status_code == 403


def test_the_page_stream_keeps_a_failed_run_too(settings: WebSettings) -> None:
    backend = FakeBackend('{"name":"John","age":-3}')
    with make_client(settings, backend_factory=factory(backend)) as client:
        form = {"schema_text": json.dumps(AGE), "text": "John, -3", "csrf_token": csrf(client)}
        events = sse(client, "/extract/stream", data=form)
        assert [k for k, _ in events].count("retry") == 2  # the page's runs take two retries
        url = json.loads(events[-1][1])["url"]
        page = client.get(url).text
        assert 'id="failures"' in page and "$.age" in page


def test_text_refused_before_the_model_is_kept_and_redirected_to(settings: WebSettings) -> None:
    """As the plain form does: the page script follows the redirect and shows the kept run."""
    backend = FakeBackend(ANSWER)
    with make_client(settings, backend_factory=factory(backend)) as client:
        token = csrf(client)
        for schema_text, text, reason in (
            ("{not json", "hi", "the schema is not JSON"),
            (json.dumps(PERSON), "   ", "the text is empty"),
        ):
            posted = client.post(
                "/extract/stream",
                data={"schema_text": schema_text, "text": text, "csrf_token": token},
                follow_redirects=False,
            )
            assert posted.status_code == 303
            assert reason in client.get(posted.headers["location"]).text
        too_long = client.post(
            "/extract/stream", data={"schema_text": "{}", "text": "x" * 100_001, "csrf_token": token}
        )
        assert too_long.status_code == 413 and "at most 100,000" in too_long.text
    assert backend.calls == 0


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)
