"""TubeTalk jobs over HTTP: upload → background job → progress events → report, kept across restarts."""

from __future__ import annotations

import json
import re
import uuid

from fastapi.testclient import TestClient

from localgenie.web import WebSettings, create_app
from localgenie.web.jobs import JobStore
from tests.web.helpers import FIXTURES, FakeBackend, factory, wait_for_job

COMMENTS = (FIXTURES / "comments.csv").read_bytes()


def _start(client: TestClient, content: bytes = COMMENTS, name: str = "comments.csv") -> str:
    response = client.post(
        "/api/tubetalk/jobs", files={"file": (name, content, "text/csv")}, data={"themes": "4"}
    )
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/api/tubetalk/jobs/{response.json()['id']}"
    return str(response.json()["id"])


def test_upload_runs_a_job_whose_report_survives_a_restart(client: TestClient, settings: WebSettings) -> None:
    job_id = _start(client)
    job = wait_for_job(lambda: client.get(f"/api/tubetalk/jobs/{job_id}").json())
    assert job["status"] == "done" and job["progress"] == 1.0
    report = client.get(f"/api/tubetalk/jobs/{job_id}/report").json()
    assert report["source"] == "comments.csv"  # the client's name for display; never a server path
    assert report["counts"]["spam"] == 2 and len(report["themes"]) == 4
    html = client.get(f"/api/tubetalk/jobs/{job_id}/report.html")
    assert html.text.count("<svg") >= 3
    assert "<script>alert" not in html.text and "&lt;script&gt;" in html.text
    assert "script-src" not in html.headers["content-security-policy"]
    page = client.get(f"/tubetalk/jobs/{job_id}")
    assert 'id="report"' in page.text and "data-events" not in page.text
    assert list(settings.upload_dir.iterdir()) == []  # the upload is deleted once analysed
    # A new server on the same data dir still has the job and its report.
    with TestClient(create_app(settings)) as again:
        assert again.get(f"/api/tubetalk/jobs/{job_id}/report").json() == report
        assert [j["id"] for j in again.get("/api/tubetalk/jobs").json()] == [job_id]


def test_progress_streams_as_server_sent_events(client: TestClient) -> None:
    job_id = _start(client)
    with client.stream("GET", f"/api/jobs/{job_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        text = "".join(stream.iter_text())
    events = [block for block in text.split("\r\n\r\n") if block.strip()]
    kinds = [block.split("\r\n")[0] for block in events]
    assert kinds[-1] == "event: end" and kinds.count("event: progress") >= 2
    progress = [json.loads(b.split("data: ", 1)[1]) for b in events if b.startswith("event: progress")]
    fractions = [p["progress"] for p in progress]
    assert fractions == sorted(fractions) and progress[-1]["status"] == "done"


def test_a_job_interrupted_by_a_restart_runs_again(settings: WebSettings) -> None:
    app = create_app(settings)  # creates the database; no lifespan, so nothing runs yet
    del app
    token = uuid.uuid4().hex
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    (settings.upload_dir / f"{token}.upload").write_bytes(COMMENTS)
    store = JobStore(settings.web_db)
    job = store.create(
        "tubetalk", "left over", {"upload": token, "name": "left over", "themes": 3, "llm": False}
    )
    store.start(job.id)  # "running" when the old server died
    with TestClient(create_app(settings)) as client:
        finished = wait_for_job(lambda: client.get(f"/api/tubetalk/jobs/{job.id}").json())
        assert finished["status"] == "done"


def test_bad_uploads_and_sources_are_refused(client: TestClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    assert client.post("/api/tubetalk/jobs", files={"file": ("c.csv", png, "text/csv")}).status_code == 415
    latin1 = "caf\xe9 ol\xe9\n".encode("latin-1")
    assert client.post("/api/tubetalk/jobs", files={"file": ("c.csv", latin1, "text/csv")}).status_code == 415
    assert client.post("/api/tubetalk/jobs", files={"file": ("c.csv", b"", "text/csv")}).status_code == 400
    for url in ("/etc/passwd", "file:///etc/passwd", "https://example.com/watch?v=abc", "dQw4w9WgXcQ"):
        response = client.post("/api/tubetalk/jobs", data={"url": url})
        assert response.status_code == 400, url
    assert client.post("/api/tubetalk/jobs").status_code == 400  # neither file nor URL
    # A file the loader cannot read fails the job with the loader's message, not the server.
    job_id = _start(client, b"just one line of text without any header\n", "x.csv")
    job = wait_for_job(lambda: client.get(f"/api/tubetalk/jobs/{job_id}").json())
    assert job["status"] in ("failed", "done")
    if job["status"] == "failed":
        assert job["error"] and "internal error" not in str(job["error"])
        assert client.get(f"/api/tubetalk/jobs/{job_id}/report").status_code == 400
    assert client.get("/api/tubetalk/jobs/nope").status_code == 404
    assert client.get("/api/jobs/nope/events").status_code == 404


# Issue 18 item 10: a CSV whose comment column has an unusual name told the web user to use a CLI flag.
ODD = COMMENTS.replace(b"COMMENT_ID,AUTHOR,DATE,CONTENT", b"COMMENT_ID,AUTHOR,DATE,Remarks", 1)


def _csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/tubetalk").text)
    assert match
    return match.group(1)


def test_the_form_asks_which_column_holds_the_comments(client: TestClient, settings: WebSettings) -> None:
    token = _csrf(client)
    form = {"csrf_token": token, "themes": "4"}
    page = client.post("/tubetalk", data=form, files={"file": ("odd.csv", ODD, "text/csv")})
    assert page.status_code == 400
    assert "--column" not in page.text and "pick the column that holds the comments" in page.text
    options = re.findall(r'<option value="([^"]+)"( selected)?>', page.text)
    assert [name for name, _ in options] == ["COMMENT_ID", "AUTHOR", "DATE", "Remarks"]
    assert [name for name, chosen in options if chosen] == ["Remarks"]  # the prose column, guessed
    kept = re.search(r'name="upload" value="([0-9a-f]{32})"', page.text)
    assert kept and (settings.upload_dir / f"{kept.group(1)}.pending").is_file()
    assert 'name="themes" value="4"' in page.text
    # Picking the column starts the job on the kept upload: nothing is sent again.
    started = client.post(
        "/tubetalk",
        data=form | {"upload": kept.group(1), "upload_name": "odd.csv", "text_column": "Remarks"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    job_id = started.headers["location"].rsplit("/", 1)[1]
    job = wait_for_job(lambda: client.get(f"/api/tubetalk/jobs/{job_id}").json())
    assert job["status"] == "done", job
    report = client.get(f"/api/tubetalk/jobs/{job_id}/report").json()
    assert report["source"] == "odd.csv" and report["counts"]["spam"] == 2 and len(report["themes"]) == 4
    assert list(settings.upload_dir.iterdir()) == []
    gone = client.post("/tubetalk", data=form | {"upload": kept.group(1), "text_column": "Remarks"})
    assert gone.status_code == 400 and "upload it again" in gone.text


def test_the_api_takes_the_column_and_says_which_field_names_it(client: TestClient) -> None:
    files = {"file": ("odd.csv", ODD, "text/csv")}
    failed = client.post("/api/tubetalk/jobs", files=files, data={"themes": "4"})
    job = wait_for_job(lambda: client.get(f"/api/tubetalk/jobs/{failed.json()['id']}").json())
    assert job["status"] == "failed" and "text_column field" in str(job["error"])
    assert "--column" not in str(job["error"])
    wrong = client.post("/api/tubetalk/jobs", files=files, data={"text_column": "Nope"})
    assert wrong.status_code == 400 and "no column 'Nope'" in wrong.json()["message"]
    named = client.post("/api/tubetalk/jobs", files=files, data={"themes": "4", "text_column": "remarks"})
    assert named.status_code == 202
    job = wait_for_job(lambda: client.get(f"/api/tubetalk/jobs/{named.json()['id']}").json())
    assert job["status"] == "done"


def test_llm_labels_come_from_the_servers_one_model(settings: WebSettings) -> None:
    """With ``llm`` on, each theme label and the overall summary are asked of the shared model, in
    its queue (a scripted backend here: what the web layer wires, not what a model writes)."""
    answer = {
        "label": "Gear questions",
        "summary": "Viewers mostly ask which camera and lens are used.",
        "quotes": ["camera"],
    }
    backend = FakeBackend(json.dumps(answer))
    with TestClient(create_app(settings, backend_factory=factory(backend))) as client:
        response = client.post(
            "/api/tubetalk/jobs",
            files={"file": ("comments.csv", COMMENTS, "text/csv")},
            data={"themes": "4", "llm": "true"},
        )
        job_id = response.json()["id"]
        job = wait_for_job(lambda: client.get(f"/api/tubetalk/jobs/{job_id}").json())
        assert job["status"] == "done", job
        report = client.get(f"/api/tubetalk/jobs/{job_id}/report").json()
    assert report["labeller"] == "llm:tiny"  # the queue's model, named as the CLI names it
    labelled = [t for t in report["themes"] if t["label"] == "Gear questions"]
    assert labelled and backend.calls == len(labelled) + 1  # one call a theme asked, one overall
    assert report["overall_summary"] == answer["summary"]
