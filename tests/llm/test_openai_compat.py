"""The OpenAI-compatible backend: llama.cpp's real server for the happy path, loopback peers for failures."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import localgenie
from localgenie import BackendError, GenerationOptions, Message, SchemaViolation
from localgenie.llm.models import tiny_model_path
from localgenie.llm.openai_compat import OpenAICompatBackend
from localgenie.llm.retries import RetryPolicy
from localgenie.structured import schema_errors

from ..conftest import SEED_TEXT
from .fake_server import Reply, completion, fake_server, sse

SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server, running the tiny model on loopback."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(tiny_model_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--model_alias",
            "tiny",
            "--interrupt_requests",  # by default a second request cuts the running one short
            "False",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/models", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("llama_cpp.server did not start within 60 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_extraction_through_a_real_llama_cpp_server(llama_server: str, person_schema: dict[str, Any]) -> None:
    result = localgenie.extract_details(SEED_TEXT, person_schema, base_url=llama_server)
    assert schema_errors(person_schema, result.value) == []
    assert result.usage.completion_tokens > 0


def test_a_parallel_batch_and_awaited_extractions_on_a_real_server_match_one_at_a_time(
    llama_server: str, person_schema: dict[str, Any]
) -> None:
    texts = [
        SEED_TEXT,
        "I am Ana, 41, from Lisbon, Rua Augusta 3, Portugal.",
        "Bob, 7, 1 Main St, Leeds, UK.",
    ]
    backend = OpenAICompatBackend(llama_server, model="tiny")

    def outcomes(concurrency: int) -> list[Any]:
        batch = localgenie.extract_batch(texts, person_schema, backend=backend, concurrency=concurrency)
        return [r.value if r.ok else type(r.error).__name__ for r in batch]

    async def awaited() -> list[Any]:
        found = await asyncio.gather(
            *(localgenie.aextract(t, person_schema, backend=backend) for t in texts), return_exceptions=True
        )
        return [type(v).__name__ if isinstance(v, Exception) else v for v in found]

    def names(values: list[Any]) -> list[Any]:
        return [v["name"] if isinstance(v, dict) else v for v in values]

    one_at_a_time = outcomes(1)
    assert sum(isinstance(v, dict) for v in one_at_a_time) >= 2
    assert len(set(map(str, names(one_at_a_time)))) == len(texts)  # each text's answer is told apart
    # The same answers, in input order.  Compared on the first field: the server's KV cache holds the
    # requests in cells placed by its history, so the float sums of later tokens can differ in the last
    # bits with the order the requests arrived in, and tiny's near-ties then tip late in a long answer.
    for values in (outcomes(3), asyncio.run(awaited())):
        assert names(values) == names(one_at_a_time)
        assert all(schema_errors(person_schema, v) == [] for v in values if isinstance(v, dict))


def test_streaming_text_from_a_real_server_and_model_discovery(llama_server: str) -> None:
    backend = OpenAICompatBackend(llama_server)  # no model given: the first one the server lists
    response = backend.prompt([Message("user", "Say hello.")], GenerationOptions(max_tokens=12))
    chunks = list(response)
    assert "".join(chunks).strip()
    assert backend.model == "tiny"


def test_token_facts_from_a_real_server(llama_server: str) -> None:
    """Asked for, a server's per-token log-probabilities arrive as `Token` facts, as on the embedded model."""
    backend = OpenAICompatBackend(llama_server, model="tiny")
    response = backend.prompt([Message("user", "Say hello.")], GenerationOptions(max_tokens=8, logprobs=True))
    tokens = list(response.tokens())
    assert "".join(t.text for t in tokens) == response.text() and response.text()
    assert all(t.kind == "sampled" for t in tokens)
    assert all(t.logprob is not None and t.logprob <= 0.0 for t in tokens)


def test_logprobs_are_mapped_per_token_and_a_refusal_is_remembered() -> None:
    asked: list[bool] = []

    def handler(path: str, body: dict[str, Any] | None) -> tuple[int, str, str]:
        assert body is not None
        asked.append("logprobs" in body)
        if "logprobs" in body:
            return 400, "application/json", '{"error": "logprobs is not supported"}'
        return sse(["Hi", "!"])

    with fake_server(handler) as (url, _):
        backend = OpenAICompatBackend(url, model="m")
        for _ in range(2):
            response = backend.prompt([Message("user", "hi")], GenerationOptions(logprobs=True))
            assert [t.logprob for t in response.tokens()] == [None, None]
    assert asked == [True, False, False]  # refused once, then never asked again


def test_server_sent_events_are_joined_and_usage_is_read() -> None:
    with fake_server(lambda path, body: sse(["Hel", "lo", "!"])) as (url, _):
        response = OpenAICompatBackend(url, model="m").prompt([Message("user", "hi")])
        assert list(response) == ["Hel", "lo", "!"]
        assert response.usage.completion_tokens == 3
        assert response.finish_reason == "stop"


def test_a_server_without_schema_mode_falls_back_to_json_mode_once() -> None:
    def handler(path: str, body: dict[str, Any] | None) -> tuple[int, str, str]:
        assert body is not None
        response_format = body.get("response_format", {})
        if response_format.get("type") == "json_schema" or "schema" in response_format:
            return 400, "application/json", '{"error": "response_format not supported"}'
        return completion('{"n": 4}')

    with fake_server(handler) as (url, requests):
        backend = OpenAICompatBackend(url, model="m", api_key="sk-test")
        assert localgenie.extract("four", SCHEMA, backend=backend) == {"n": 4}
        assert localgenie.extract("four", SCHEMA, backend=backend) == {"n": 4}
        formats = [r["body"].get("response_format", {}).get("type") for r in requests]
        assert formats == ["json_schema", "json_object", "json_object", "json_object"]
        assert "schema" in requests[1]["body"]["response_format"]  # llama-cpp-python's schema extension
        assert "schema" not in requests[2]["body"]["response_format"]
        assert requests[0]["auth"] == "Bearer sk-test"


def test_invalid_answers_are_retried_with_the_validator_message_then_refused() -> None:
    with fake_server(lambda path, body: completion('{"n": "four"}')) as (url, requests):
        with pytest.raises(SchemaViolation, match="after 3 attempts") as caught:
            localgenie.extract("four", SCHEMA, base_url=url, model="m")
        assert caught.value.errors == [("$.n", "'four' is not of type 'integer'")]
        feedback = requests[-1]["body"]["messages"][-1]["content"]
        assert "'four' is not of type 'integer'" in feedback


def test_an_answer_that_is_not_json_is_retried_then_refused() -> None:
    reply = completion("Sure! Here is the JSON you asked for")
    with (
        fake_server(lambda path, body: reply) as (url, _),
        pytest.raises(SchemaViolation, match="not valid JSON"),
    ):
        localgenie.extract("four", SCHEMA, base_url=url, model="m", max_retries=1)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ((200, "application/json", "<html>oops</html>"), "not JSON"),
        ((200, "application/json", '{"result": 42}'), "not a chat completion"),
        ((200, "text/event-stream", "data: {broken\n\n"), "streamed something that is not JSON"),
        ((500, "text/plain", "internal error"), "HTTP 500"),
        ((401, "application/json", "{}"), "refused the credentials"),
    ],
)
def test_a_misbehaving_server_gives_a_backend_error(reply: tuple[int, str, str], message: str) -> None:
    with fake_server(lambda path, body: reply) as (url, _), pytest.raises(BackendError, match=message):
        quick = RetryPolicy(backoff=0.01)  # a 500 is retried a few times first (test_remote_retries.py)
        localgenie.extract("four", SCHEMA, backend=OpenAICompatBackend(url, model="m", retry=quick))


def test_an_unreachable_server_fails_fast_and_says_where() -> None:
    port = _free_port()  # bound then released: nothing listens there
    started = time.monotonic()
    with pytest.raises(BackendError, match=f"cannot reach http://127.0.0.1:{port}/v1"):
        localgenie.extract("four", SCHEMA, base_url=f"http://127.0.0.1:{port}", model="m")
    assert time.monotonic() - started < 10


def test_a_base_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(BackendError, match="must be an http"):
        OpenAICompatBackend("localhost:11434")


def test_the_environment_selects_the_remote_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_server(lambda path, body: completion(json.dumps({"n": 1}))) as (url, requests):
        monkeypatch.setenv("GENIE_BASE_URL", url)
        monkeypatch.setenv("GENIE_MODEL", "served-model")
        assert localgenie.extract("one", SCHEMA) == {"n": 1}
        assert requests[0]["body"]["model"] == "served-model"


def _on_mock(answer: Callable[[dict[str, Any]], Reply]) -> tuple[OpenAICompatBackend, list[dict[str, Any]]]:
    """A backend whose server is ``answer(body) -> (status, content type, text)``, in process
    (`httpx.MockTransport`); the list records each request body."""
    bodies: list[dict[str, Any]] = []

    def respond(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append(body)
        status, content_type, payload = answer(body)
        return httpx.Response(status, headers={"content-type": content_type}, content=payload)

    backend = OpenAICompatBackend("http://server.test/v1", model="m", transport=httpx.MockTransport(respond))
    return backend, bodies


def _mode(body: dict[str, Any]) -> str:
    response_format = body.get("response_format")
    if response_format is None:
        return "plain"
    return str(response_format["type"]) + (" + schema" if "schema" in response_format else "")


def test_a_server_refusing_every_json_mode_gets_a_plain_prompt_and_is_still_validated() -> None:
    answers = iter(['{"n": "four"}', '{"n": 4}', '{"n": 5}'])

    def answer(body: dict[str, Any]) -> Reply:
        if "response_format" in body:
            return 400, "application/json", '{"error": "unknown field: response_format"}'
        return completion(next(answers))

    backend, bodies = _on_mock(answer)
    with backend:
        assert localgenie.extract_details("four", SCHEMA, backend=backend).attempts == 2
        assert localgenie.extract("five", SCHEMA, backend=backend) == {"n": 5}
    assert [_mode(b) for b in bodies] == [
        "json_schema",
        "json_object + schema",
        "json_object",
        "plain",  # refused three times, then the plain prompt: its wrong answer is retried ...
        "plain",
        "plain",  # ... and the next call goes straight to the mode that worked
    ]
    assert "'four' is not of type 'integer'" in bodies[4]["messages"][-1]["content"]


def test_a_refusal_answered_as_a_server_error_still_falls_back() -> None:
    """llama-cpp-python's server answers 500, not 400, to a response format it does not know."""

    def answer(body: dict[str, Any]) -> Reply:
        if _mode(body) == "json_schema":
            return 500, "text/plain", "ValueError: response_format type json_schema not supported"
        return completion('{"n": 4}')

    backend, bodies = _on_mock(answer)
    assert localgenie.extract("four", SCHEMA, backend=backend) == {"n": 4}
    assert [_mode(b) for b in bodies] == ["json_schema", "json_object + schema"]


def test_a_refused_plain_prompt_is_a_backend_error_saying_so() -> None:
    backend, bodies = _on_mock(lambda body: (400, "application/json", '{"error": "bad request"}'))
    with pytest.raises(BackendError, match=r"http://server.test/v1 refused the request: HTTP 400"):
        backend.prompt([Message("user", "hi")]).text()
    assert len(bodies) == 1  # nothing to fall back to: no schema, no JSON mode
