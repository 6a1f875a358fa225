"""The Extract run page shows the review of its answer (`localgenie.review`), rendered on the server;
the same review is one file at /extract/{id}/review.html.  A fake model: the page's logic is under test
(the real tiny model drives it in the browser test)."""

from __future__ import annotations

import json
import re
import sqlite3

from fastapi.testclient import TestClient

from localgenie.review import DOCUMENT_CSP, REVIEW_CSS
from localgenie.web import WebSettings, db
from localgenie.web.security import PAGE_CSP
from tests.review.reading import Reader
from tests.web.conftest import make_client
from tests.web.helpers import FakeBackend, factory

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "city": {"type": "string"}, "country": {"type": "string"}},
    "required": ["name", "city", "country"],
}
TEXT = 'Ann <script>alert("x")</script> lives in Oslo.'
ANSWER = '{"name": "Ann", "city": "Oslo", "country": "Norway"}'


def _run(client: TestClient, text: str = TEXT, schema: object = SCHEMA) -> str:
    page = client.get("/extract")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    posted = client.post(
        "/extract",
        data={"schema_text": json.dumps(schema), "text": text, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    return str(posted.headers["location"])


def test_the_run_page_shows_the_text_with_each_value_marked(settings: WebSettings) -> None:
    with make_client(settings, backend_factory=factory(FakeBackend(ANSWER))) as client:
        shown = client.get(_run(client))
        assert shown.status_code == 200
        assert shown.headers["content-security-policy"] == PAGE_CSP  # the page's policy is unchanged
        assert '<link rel="stylesheet" href="/review.css">' in shown.text
        review = shown.text[shown.text.index('<section class="card" id="review"') :]
        page = Reader(review)
        assert page.shown == TEXT and "<script>alert" not in shown.text  # escaped: shown, not run
        assert [(m.attrs["data-pointer"], m.span, m.text) for m in page.marks] == [
            ("/name", (0, 3), "Ann"),
            ("/city", (41, 45), "Oslo"),
        ]
        assert "gr-missing" in page.row("/country").classes
        assert page.row("/name").cells[3] == "none reported"  # this backend gives no log-probabilities
        css = client.get("/review.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert css.text == REVIEW_CSS


def test_the_review_file_is_served_with_its_own_policy_and_as_a_download(settings: WebSettings) -> None:
    with make_client(settings, backend_factory=factory(FakeBackend(ANSWER))) as client:
        run_url = _run(client)
        served = client.get(f"{run_url}/review.html")
        assert served.status_code == 200
        assert served.headers["content-security-policy"] == f"{DOCUMENT_CSP}; frame-ancestors 'self'"
        assert "content-disposition" not in served.headers
        page = Reader(served.text)
        assert page.shown == TEXT and [m.text for m in page.marks] == ["Ann", "Oslo"]
        run_id = run_url.rsplit("/", 1)[1]
        saved = client.get(f"{run_url}/review.html?download=1")
        disposition = saved.headers["content-disposition"]
        assert disposition == f'attachment; filename="genie-review-{run_id}.html"'
        assert client.get("/extract/999/review.html").status_code == 404


def test_a_failed_run_has_no_review(settings: WebSettings) -> None:
    strict = {**SCHEMA, "properties": {**SCHEMA["properties"], "age": {"type": "integer"}}}  # type: ignore[dict-item]
    strict["required"] = [*SCHEMA["required"], "age"]  # type: ignore[misc]
    with make_client(settings, backend_factory=factory(FakeBackend(ANSWER))) as client:
        run_url = _run(client, schema=strict)
        shown = client.get(run_url)
        assert 'id="error"' in shown.text and 'id="review"' not in shown.text
        assert "/review.css" not in shown.text
        assert client.get(f"{run_url}/review.html").status_code == 404


def test_a_run_kept_before_reviews_gets_its_spans_found_again(settings: WebSettings) -> None:
    """A database of the schema before this one: the migration adds the column, old runs keep working."""
    path = settings.web_db
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        for number, script in enumerate(db.SCHEMA[:-1], 1):
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute(
            "INSERT INTO extractions(schema_text, text, model, value, created) VALUES (?, ?, ?, ?, ?)",
            (json.dumps(SCHEMA), TEXT, "tiny", ANSWER, "2025-01-01T00:00:00+00:00"),
        )
    conn.close()
    with make_client(settings) as client:
        run = db.get_extraction(path, 1)
        assert run is not None and run.review is None
        page = Reader(client.get("/extract/1").text)
        assert [m.text for m in page.marks] == ["Ann", "Oslo"]
        assert all(row.cells[3] == "none reported" for row in page.rows)
