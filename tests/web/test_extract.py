"""Extraction over HTTP: the seed example through the API and the page, then every error mapping."""

from __future__ import annotations

import re

import jsonschema
from fastapi.testclient import TestClient

from localgenie.errors import BackendError, ModelError
from localgenie.web import WebSettings
from localgenie.web.examples import PERSON
from tests.web.conftest import make_client
from tests.web.helpers import PERSON_TEXT, FakeBackend, factory

TOO_BIG = {"type": "object", "properties": {"note": {"type": "string", "description": "word " * 9000}}}


def test_seed_extraction_returns_schema_valid_json(client: TestClient) -> None:
    response = client.post("/api/extract", json={"text": PERSON_TEXT, "schema": PERSON})
    assert response.status_code == 200, response.text
    body = response.json()
    jsonschema.validate(body["value"], PERSON)
    assert body["value"]["name"] == "John"
    assert body["attempts"] >= 1 and body["model"] == "tiny"
    assert body["usage"]["completion_tokens"] > 0
    # Beside the value: where each leaf stands in the text, and how sure the model was of it.
    start, end = body["spans"]["/name"]
    assert PERSON_TEXT[start:end] == "John"
    assert set(body["confidence"]) == set(body["spans"])
    assert all(0 < c["min"] <= c["mean"] <= 1 for c in body["confidence"].values())


def test_grounded_only_over_http_is_422_naming_the_field(settings: WebSettings) -> None:
    backend = FakeBackend('{"name": "Ann", "city": "Bergen"}')
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "city": {"type": "string"}}}
    with make_client(settings, backend_factory=factory(backend)) as client:
        asked = {"text": "Ann lives in Oslo.", "schema": schema, "max_retries": 1}
        plain = client.post("/api/extract", json=asked)
        assert plain.status_code == 200 and plain.json()["spans"] == {"/name": [0, 3], "/city": None}
        assert plain.json()["confidence"] == {}  # this backend reports no log-probabilities
        response = client.post("/api/extract", json={**asked, "grounded_only": True})
    assert response.status_code == 422
    assert "$.city" in response.text and "not in the text" in response.text
    assert backend.calls == 3  # one for the plain run, two (a retry) for the grounded one


def test_extract_page_keeps_the_run_after_reload(settings: WebSettings) -> None:
    # The real model is exercised above and in the browser test; here the page's own logic is under test.
    answer = (
        '{"name": "John", "age": 30, "address": {"street": "5th Avenue", "number": 10, "city": "New York", '
    )
    answer += '"country": "USA"}}'
    with make_client(settings, backend_factory=factory(FakeBackend(answer))) as client:
        _submit_and_reload(client)


def _submit_and_reload(client: TestClient) -> None:
    page = client.get("/extract")
    assert page.status_code == 200 and "Person (the seed example)" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    schema_text = re.search(r'<textarea name="schema_text"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert schema_text and "&#34;" in schema_text.group(1)  # the schema is escaped inside the textarea
    posted = client.post(
        "/extract",
        data={
            "schema_text": _unescape(schema_text.group(1)),
            "text": PERSON_TEXT,
            "csrf_token": token.group(1),
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303
    run_url = posted.headers["location"]
    for _ in range(2):  # a reload shows the same stored result
        shown = client.get(run_url)
        assert shown.status_code == 200
        assert 'id="result"' in shown.text and "John" in shown.text


def test_page_shows_schema_errors_without_calling_the_model(settings: WebSettings) -> None:
    backend = FakeBackend('{"name": "x"}')
    with make_client(settings, backend_factory=factory(backend)) as client:
        token = _csrf(client, "/extract")
        posted = client.post("/extract", data={"schema_text": "{not json", "text": "hi", "csrf_token": token})
        assert posted.status_code == 200 and "the schema is not JSON" in posted.text
        assert backend.calls == 0


def test_schema_violation_is_422_with_the_failing_paths(settings: WebSettings) -> None:
    backend = FakeBackend('{"name": "John", "age": -3}')
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"],
    }
    with make_client(settings, backend_factory=factory(backend)) as client:
        response = client.post("/api/extract", json={"text": "John, -3", "schema": schema, "max_retries": 1})
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "SchemaViolation" and body["attempts"] == 2
        assert [e["path"] for e in body["errors"]] == ["$.age"]
        # The page shows the same paths.
        token = _csrf(client, "/extract")
        import json

        page = client.post(
            "/extract", data={"schema_text": json.dumps(schema), "text": "John", "csrf_token": token}
        )
        assert 'id="failures"' in page.text and "$.age" in page.text


def test_bad_input_and_bad_schemas_are_4xx(client: TestClient) -> None:
    cases = [
        ({"text": "", "schema": PERSON}, 422, "InvalidRequest"),
        ({"text": "abc\x00def", "schema": PERSON}, 400, "BadInput"),
        ({"text": "hello", "schema": {"type": "nope"}}, 422, "SchemaError"),
        ({"text": "hello", "schema": {"$ref": "https://example.com/s.json"}}, 422, "SchemaError"),
        ({"text": "hello"}, 422, "InvalidRequest"),
        # A long text is read in chunks; instructions that leave no room for any chunk cannot be.
        ({"text": "hello", "schema": TOO_BIG}, 413, "ContextOverflow"),
    ]
    for body, status, kind in cases:
        response = client.post("/api/extract", json=body)
        assert (response.status_code, response.json()["error"]) == (status, kind), body
        assert response.json()["message"]
    not_json = client.post("/api/extract", content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 422


def test_a_text_longer_than_the_context_is_read_in_chunks(settings: WebSettings) -> None:
    backend = FakeBackend('{"name": "Ann"}')  # a context of 4,096 tokens
    text = "Ann wrote this. " + "word " * 19_000
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    with make_client(settings, backend_factory=factory(backend)) as client:
        response = client.post("/api/extract", json={"text": text, "schema": schema})
    assert response.status_code == 200, response.text
    assert backend.calls > 5
    assert response.json()["value"] == {"name": "Ann"} and response.json()["spans"] == {"/name": [0, 3]}


def test_backend_and_model_failures_are_502_and_503(settings: WebSettings) -> None:
    for error, status in ((BackendError("server unreachable"), 502), (ModelError("truncated file"), 503)):
        with make_client(settings, backend_factory=factory(FakeBackend(error=error))) as client:
            response = client.post("/api/extract", json={"text": "hi", "schema": {"type": "object"}})
            assert response.status_code == status
            assert response.json()["message"] == str(error)


def _csrf(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_a_text_over_the_limit_is_explained_and_kept(settings: WebSettings) -> None:
    """Issue 18 item 9: the page says the limit in words and gives the text back, never a bare 422."""
    backend = FakeBackend('{"name": "x"}')
    with make_client(settings, backend_factory=factory(backend)) as client:
        form = client.get("/extract").text
        assert 'data-limit="100000"' in form and 'id="text-count"' in form  # the limit is on the form
        text = "a long letter. " * 6_700 + "the end"  # 100,507 characters
        token = _csrf(client, "/extract")
        page = client.post(
            "/extract", data={"schema_text": '{"type": "object"}', "text": text, "csrf_token": token}
        )
        assert page.status_code == 413
        assert "100,507 characters" in page.text and "at most 100,000" in page.text
        assert "String should have" not in page.text and "body.text" not in page.text
        kept = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', page.text, re.S)
        assert kept and _unescape(kept.group(1)) == text  # nothing typed is lost
        assert backend.calls == 0
