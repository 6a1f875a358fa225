"""A busy or flaky server: 408/429/5xx are retried (after its Retry-After, else with back-off, a bounded
number of times); a connection dropped before the answer began is retried by the backend, one dropped
mid-answer is a new attempt of the validate-and-retry loop (what was streamed cannot be taken back)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

import localgenie
from localgenie import BackendError, Message, Partial, Retry
from localgenie.errors import AnswerInterrupted
from localgenie.llm.openai_compat import OpenAICompatBackend
from localgenie.llm.retries import Retryable, RetryPolicy, retry_after

from .fake_server import Answer, completion, fake_server, scripted, sse

SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
HI = [Message("user", "hi")]
QUICK = RetryPolicy(backoff=0.01)


def test_a_429_is_retried_after_the_servers_retry_after() -> None:
    busy = Answer((429, "application/json", '{"error": "slow down"}'), headers={"Retry-After": "1"})
    with fake_server(scripted(busy, completion('{"n": 4}'))) as (url, requests):
        backend = OpenAICompatBackend(url, model="m", retry=RetryPolicy(backoff=0.0))
        started = time.monotonic()
        assert localgenie.extract("four", SCHEMA, backend=backend) == {"n": 4}
        waited = time.monotonic() - started
    assert len(requests) == 2
    assert 1.0 <= waited < 5  # the server's second, not the (zero) back-off


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_server_errors_are_retried_with_back_off_then_reported(status: int) -> None:
    failing = (status, "text/plain", "upstream trouble")
    with fake_server(scripted(failing, failing, sse(['{"n":', "1}"]))) as (url, requests):
        backend = OpenAICompatBackend(url, model="m", retry=QUICK)
        assert localgenie.extract("one", SCHEMA, backend=backend) == {"n": 1}
        assert len(requests) == 3
    with fake_server(scripted(failing)) as (url, requests):
        backend = OpenAICompatBackend(url, model="m", retry=RetryPolicy(retries=2, backoff=0.01))
        with pytest.raises(BackendError, match=f"answered HTTP {status}, 3 times in a row; giving up") as err:
            localgenie.extract("one", SCHEMA, backend=backend)
        assert len(requests) == 3  # the first try and two retries, no more
        assert "upstream trouble" in str(err.value)  # what the server said, for the person reading


def test_other_client_errors_are_not_retried() -> None:
    with fake_server(scripted((404, "text/plain", "no such route"))) as (url, requests):
        with pytest.raises(BackendError, match="HTTP 404"):
            localgenie.extract("one", SCHEMA, backend=OpenAICompatBackend(url, model="m", retry=QUICK))
        assert len(requests) == 1


def test_back_off_doubles_and_a_long_retry_after_is_reported_at_once() -> None:
    policy = RetryPolicy(retries=5, backoff=1.0)
    waits = [policy.wait(Retryable("answered HTTP 503"), tries, "s") for tries in range(1, 5)]
    assert all(0.5 * 2**i <= w <= 2**i for i, w in enumerate(waits))  # 1, 2, 4, 8 s with jitter
    busy = Answer((429, "application/json", "{}"), headers={"Retry-After": "3600"})
    with fake_server(scripted(busy)) as (url, requests):
        started = time.monotonic()
        with pytest.raises(BackendError, match="asks to retry in 3600 s"):
            localgenie.extract("one", SCHEMA, backend=OpenAICompatBackend(url, model="m"))
        assert time.monotonic() - started < 5 and len(requests) == 1


def test_retry_after_as_an_http_date() -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after({"retry-after": soon}) or 0) <= 30
    assert retry_after({"retry-after": "soon-ish"}) is None and retry_after({}) is None


def test_the_model_list_is_retried_too() -> None:
    def handler(path: str, body: dict[str, Any] | None) -> Any:
        if path.endswith("/models"):
            return calls.pop(0) if calls else (200, "application/json", '{"data": [{"id": "served"}]}')
        return completion('{"n": 2}')

    calls = [(503, "text/plain", "starting")]
    with fake_server(handler) as (url, _):
        backend = OpenAICompatBackend(url, retry=QUICK)
        assert localgenie.extract("two", SCHEMA, backend=backend) == {"n": 2}
        assert backend.model == "served"


def test_a_connection_dropped_before_the_first_token_is_retried_by_the_backend() -> None:
    status, kind, body = sse(['{"n":', "2}"])
    dropped = Answer((status, kind, body), cut=10)  # 'data: {"c' then the socket closes
    with fake_server(scripted(dropped, (status, kind, body))) as (url, requests):
        backend = OpenAICompatBackend(url, model="m", retry=QUICK)
        details = localgenie.extract_details("two", SCHEMA, backend=backend)
        assert details.value == {"n": 2} and details.attempts == 1  # invisible to the retry loop
        assert len(requests) == 2


def test_a_connection_dropped_mid_answer_is_an_error_for_a_reader_of_the_raw_stream() -> None:
    status, kind, body = sse(["Hel", "lo", " there"])
    first_event = body.index("\n\n") + 2  # one whole chunk reaches the reader, then the drop
    with fake_server(scripted(Answer((status, kind, body), cut=first_event + 5))) as (url, requests):
        response = OpenAICompatBackend(url, model="m", retry=QUICK).prompt(HI)
        seen: list[str] = []
        with pytest.raises(AnswerInterrupted, match="closed the connection before the answer was finished"):
            seen.extend(response)
        assert seen == ["Hel"]  # what was streamed stays streamed; nothing is silently repeated
        assert len(requests) == 1


def test_a_connection_dropped_mid_answer_is_a_new_attempt_of_the_same_chat() -> None:
    status, kind, body = sse(['{"n":', " 5}"])
    dropped = Answer((status, kind, body), cut=body.index("\n\n") + 2)
    with fake_server(scripted(dropped, (status, kind, body))) as (url, requests):
        backend = OpenAICompatBackend(url, model="m", retry=QUICK)
        events = list(localgenie.extract_stream("five", SCHEMA, backend=backend))
    retries = [e for e in events if isinstance(e, Retry)]
    assert len(retries) == 1 and "closed the connection" in retries[0].errors[0][1]
    assert isinstance(events[-1], localgenie.Extraction) and events[-1].value == {"n": 5}
    assert events[-1].attempts == 2
    assert any(isinstance(e, Partial) for e in events)
    first, second = (r["body"] for r in requests)
    assert second["messages"] == first["messages"]  # the same chat: the model made no mistake
    assert second["temperature"] == first["temperature"] == 0.0  # and as reproducible as the first


def test_a_server_that_keeps_dropping_mid_answer_is_a_backend_error_in_the_end() -> None:
    status, kind, body = sse(['{"n":', " 5}"])
    dropped = Answer((status, kind, body), cut=body.index("\n\n") + 2)
    with fake_server(scripted(dropped)) as (url, requests):
        backend = OpenAICompatBackend(url, model="m", retry=QUICK)
        with pytest.raises(AnswerInterrupted):
            localgenie.extract("five", SCHEMA, backend=backend, max_retries=1)
        assert len(requests) == 2


@pytest.mark.parametrize(("end", "message"), [("", "closed the stream"), ("data: [DONE]\n\n", "interrupt")])
def test_a_stream_that_ends_without_a_finish_reason_is_not_taken_for_an_answer(
    end: str, message: str
) -> None:
    # The HTTP body is complete, but no finish_reason came: the answer was cut short.  With "[DONE]" this
    # is what llama-cpp-python's server sends a request that another one interrupted.
    cut_short = (
        200,
        "text/event-stream",
        'data: {"choices": [{"delta": {"content": "{\\"n\\":"}}]}\n\n' + end,
    )
    with fake_server(scripted(cut_short, sse(['{"n":', "3}"]))) as (url, requests):
        backend = OpenAICompatBackend(url, model="m", retry=QUICK)
        assert localgenie.extract_details("three", SCHEMA, backend=backend).attempts == 2
        assert len(requests) == 2
    with fake_server(scripted(cut_short)) as (url, requests):
        backend = OpenAICompatBackend(url, model="m", retry=QUICK)
        with pytest.raises(AnswerInterrupted, match=message):
            localgenie.extract("three", SCHEMA, backend=backend, max_retries=0)
