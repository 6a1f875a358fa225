"""Who may reach Genie and what a request can do: token, cross-site and CSRF checks, limits, escaping."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from localgenie.cli.web import serve
from localgenie.errors import BadInput
from localgenie.web import WebSettings, create_app
from tests.web.conftest import make_client


def test_token_guards_api_and_pages_and_login_sets_a_cookie(settings: WebSettings) -> None:
    settings.token = "s3cret-token"
    with make_client(settings) as client:
        assert client.get("/api/pantry").status_code == 401
        assert client.get("/api/pantry").headers["www-authenticate"] == "Bearer"
        assert client.get("/openapi.json").status_code == 401
        assert client.get("/kitchen", follow_redirects=False).headers["location"] == "/login"
        assert client.get("/healthz").status_code == 200 and client.get("/static/app.css").status_code == 200
        ok = client.get("/api/pantry", headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200
        assert client.get("/api/pantry", headers={"Authorization": "Bearer wrong"}).status_code == 401
        token = _csrf(client, "/login")
        assert client.post("/login", data={"token": "wrong", "csrf_token": token}).status_code == 401
        client.post("/login", data={"token": "s3cret-token", "csrf_token": token})
        assert client.get("/kitchen").status_code == 200  # the cookie now authorises the browser


def test_cross_site_requests_are_refused(client: TestClient) -> None:
    item = {"items": [{"name": "eggs"}]}
    assert client.post("/api/pantry", json=item, headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.post("/api/pantry", json=item, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/api/pantry", json=item, headers={"Origin": "http://testserver"}).status_code == 201
    assert client.post("/api/pantry", json=item, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 201


def test_page_forms_need_the_csrf_token(client: TestClient) -> None:
    for token in (None, "forged"):
        data = {"text": "3 eggs", "mode": "lines"} | ({"csrf_token": token} if token else {})
        refused = client.post("/kitchen/add", data=data)
        assert refused.status_code == 403 and "security token" in refused.text
    cookie = client.cookies.get("genie_csrf")
    assert cookie and len(cookie) == 43


def test_oversized_bodies_are_refused_before_they_are_read(settings: WebSettings) -> None:
    settings.max_upload_bytes = 10_000
    with make_client(settings) as client:
        big = b"text\n" + b"a comment\n" * 2000
        response = client.post("/api/tubetalk/jobs", files={"file": ("c.csv", big, "text/csv")})
        assert response.status_code == 413
        assert client.post("/api/extract", json={"text": "x" * 20_000, "schema": {}}).status_code == 413


def test_user_text_is_escaped_in_pages_and_headers_are_strict(client: TestClient) -> None:
    client.post("/api/pantry", json={"items": [{"name": "<script>alert(1)</script>"}]})
    page = client.get("/kitchen")
    assert (
        "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    )
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert page.headers["x-content-type-options"] == "nosniff"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/swagger/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()


def test_requests_for_another_host_name_are_refused_when_served_locally(settings: WebSettings) -> None:
    settings.allowed_hosts = ["localhost", "127.0.0.1"]
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz", headers={"Host": "rebind.evil.example"}).status_code == 400


def test_serve_refuses_a_public_bind_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GENIE_TOKEN", raising=False)
    with pytest.raises(BadInput, match="GENIE_TOKEN"):
        serve(host="0.0.0.0", port=8000)


def test_model_choice_accepts_built_in_names_only(client: TestClient) -> None:
    assert client.put("/api/settings", json={"model": "/etc/passwd"}).status_code == 400
    assert client.put("/api/settings", json={"model": "tiny"}).json()["model"] == "tiny"
    assert "tiny" in [m["name"] for m in client.get("/api/models").json() if m["selected"]]


def _csrf(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)
