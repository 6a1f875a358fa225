"""`localgenie.extract_batch`: results in input order, cached by (model, schema, prompt, text, options)
so a stopped batch resumes where it stopped, several requests in flight against a server, one at a
time on the embedded model (and a warning saying so)."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import localgenie
from localgenie import BackendError, GenieError
from localgenie.errors import GenieWarning
from localgenie.llm import BackendInfo, GenerationOptions, Message, Response, Token, Usage
from localgenie.llm.openai_compat import OpenAICompatBackend
from localgenie.llm.retries import RetryPolicy
from localgenie.store.results import ResultCache, results_path

from .llm.fake_server import InFlight, completion, fake_server, person_reply, text_of

PERSON = "name, age int"
TEXTS = [f"{name} is {age} years old." for name, age in [("Ann", 31), ("Bob", 45), ("Cleo", 7), ("Dan", 60)]]
EXPECTED = [
    {"name": "Ann", "age": 31},
    {"name": "Bob", "age": 45},
    {"name": "Cleo", "age": 7},
    {"name": "Dan", "age": 60},
]


@pytest.fixture(autouse=True)
def cache_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data directory per test, with the result cache on (the suite turns it off elsewhere)."""
    monkeypatch.setenv("GENIE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GENIE_RESULT_CACHE")
    return tmp_path / "data"


def server(url: str) -> OpenAICompatBackend:
    return OpenAICompatBackend(url, model="m", retry=RetryPolicy(backoff=0.01))


def values(results: Iterator[localgenie.BatchResult]) -> list[Any]:
    return [r.value for r in results]


def test_a_rerun_takes_every_finished_text_from_the_cache() -> None:
    with fake_server(person_reply) as (url, requests):
        first = list(localgenie.extract_batch(TEXTS, PERSON, backend=server(url)))
        assert [r.value for r in first] == EXPECTED and not any(r.cached for r in first)
        assert len(requests) == 4
        again = list(localgenie.extract_batch(TEXTS, PERSON, backend=server(url)))
        assert len(requests) == 4  # nothing asked again
    assert [r.value for r in again] == EXPECTED and all(r.cached for r in again)
    assert [r.index for r in again] == [0, 1, 2, 3]
    # What is kept is the whole record but the token facts: spans, confidence, attempts, usage.
    assert again[0].extraction is not None and first[0].extraction is not None
    assert again[0].extraction.spans == first[0].extraction.spans == {"/name": (0, 3), "/age": (7, 9)}
    assert again[0].extraction.attempts == 1 and again[0].extraction.usage == first[0].extraction.usage
    assert again[0].extraction.tokens == []
    assert ResultCache(results_path()).count() == 4


def test_a_batch_stopped_midway_resumes_with_the_texts_it_did_not_finish() -> None:
    with fake_server(person_reply) as (url, requests):
        results = localgenie.extract_batch(TEXTS, PERSON, backend=server(url))
        assert [next(results).value, next(results).value] == EXPECTED[:2]
        results.close()  # a crash or Ctrl-C: the loop is left
        assert len(requests) == 2
        assert values(localgenie.extract_batch(TEXTS, PERSON, backend=server(url))) == EXPECTED
        assert [text_of(r["body"]) for r in requests[2:]] == TEXTS[2:]  # only the unfinished ones


@pytest.mark.parametrize(
    "change",
    [
        {"max_tokens": 300},
        {"max_retries": 0},
        {"grounded_only": True},
        {"schema": "name: their first name, age int"},
        {"model": "another"},
    ],
)
def test_a_changed_option_schema_or_model_misses_the_cache(change: dict[str, Any]) -> None:
    with fake_server(person_reply) as (url, requests):
        values(localgenie.extract_batch(TEXTS[:2], PERSON, backend=server(url)))
        schema = change.pop("schema", PERSON)
        backend = OpenAICompatBackend(url, model=change.pop("model", "m"))
        values(localgenie.extract_batch(TEXTS[:2], schema, backend=backend, **change))
        assert len(requests) == 4  # asked again: another request, maybe another answer
        values(localgenie.extract_batch(TEXTS[:2], PERSON, backend=server(url)))
        assert len(requests) == 4  # and the first one is still cached


def test_no_cache_neither_reads_nor_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_server(person_reply) as (url, requests):
        values(localgenie.extract_batch(TEXTS[:2], PERSON, backend=server(url), cache=False))
        values(localgenie.extract_batch(TEXTS[:2], PERSON, backend=server(url)))
        assert len(requests) == 4  # the first run wrote nothing
        values(localgenie.extract_batch(TEXTS[:2], PERSON, backend=server(url), cache=False))
        assert len(requests) == 6  # and a run without the cache reads nothing
        monkeypatch.setenv("GENIE_RESULT_CACHE", "0")  # the same, everywhere
        values(localgenie.extract_batch(TEXTS[:2], PERSON, backend=server(url)))
        assert len(requests) == 8


def test_failed_texts_are_results_in_their_place_and_are_not_cached() -> None:
    def handler(path: str, body: dict[str, Any] | None) -> Any:
        if "Bob" in text_of(body):
            return completion('{"name": "x", "age": "old"}')
        return person_reply(path, body)

    texts = [TEXTS[0], TEXTS[1], "   ", TEXTS[3]]
    with fake_server(handler) as (url, requests):
        results = list(localgenie.extract_batch(texts, PERSON, backend=server(url), max_retries=0))
        assert [r.ok for r in results] == [True, False, False, True]
        assert isinstance(results[1].error, localgenie.SchemaViolation)
        assert isinstance(results[2].error, localgenie.BadInput)
        with pytest.raises(localgenie.SchemaViolation):
            _ = results[1].value
        asked = len(requests)
        rerun = list(localgenie.extract_batch(texts, PERSON, backend=server(url), max_retries=0))
        assert [r.cached for r in rerun] == [True, False, False, True]
        assert len(requests) == asked + 1  # the failed text was tried again; the blank one never is sent


def test_a_server_that_fails_stops_the_batch_and_keeps_what_finished() -> None:
    def handler(path: str, body: dict[str, Any] | None) -> Any:
        return (503, "text/plain", "down") if "Cleo" in text_of(body) else person_reply(path, body)

    with fake_server(handler) as (url, _):
        results = localgenie.extract_batch(TEXTS, PERSON, backend=server(url))
        assert [next(results).value, next(results).value] == EXPECTED[:2]
        with pytest.raises(BackendError, match="answered HTTP 503"):
            next(results)
    assert ResultCache(results_path()).count() == 2


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrency_keeps_that_many_requests_in_flight_and_the_input_order(workers: int) -> None:
    texts = [f"Person{i} is {i} years old." for i in range(12)]
    # Early texts are the slowest: answers finish out of order, results must not.
    recorder = InFlight(
        person_reply, pause=lambda text: 0.3 if text.startswith(("Person0 ", "Person1 ")) else 0.1
    )
    with fake_server(recorder) as (url, _):
        started = time.monotonic()
        results = list(localgenie.extract_batch(texts, PERSON, backend=server(url), concurrency=workers))
        seconds = time.monotonic() - started
    assert [r.value for r in results] == [{"name": f"Person{i}", "age": i} for i in range(12)]
    assert [r.index for r in results] == list(range(12))
    assert recorder.peak == workers
    assert seconds < 1.4 * 0.1 * 12 / workers + 0.5  # one after another: 1.6 s


def test_a_batch_of_many_resumes_with_concurrency() -> None:
    texts = [f"Person{i} is {i} years old." for i in range(40)]
    with fake_server(person_reply) as (url, requests):
        results = localgenie.extract_batch(texts, PERSON, backend=server(url), concurrency=4)
        done = [next(results) for _ in range(20)]
        results.close()
        time.sleep(0.3)  # requests in flight end
        asked, kept = len(requests), ResultCache(results_path()).count()
        assert 20 <= kept <= asked < 40  # what was read, and what finished in flight; the rest never ran
        rerun = list(localgenie.extract_batch(texts, PERSON, backend=server(url), concurrency=4))
    assert [r.value for r in done + rerun[20:]] == [{"name": f"Person{i}", "age": i} for i in range(40)]
    assert sum(r.cached for r in rerun) == kept and all(r.cached for r in rerun[:20])
    assert len(requests) - asked == 40 - kept  # no finished text was asked again


class Counting:
    """An embedded-kind backend answering ``{"name": "A", "age": 1}`` slowly, counting calls at once."""

    def __init__(self) -> None:
        self.info = BackendInfo(kind="embedded", model="counting")
        self.now = self.peak = 0
        self.lock = threading.Lock()

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        def run(response: Response) -> Iterator[Token]:
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
            time.sleep(0.02)
            yield Token('{"name":"A","age":1}', None, -0.1)
            with self.lock:
                self.now -= 1
            response.finish_reason = "stop"

        return Response(run, Usage())

    def count_tokens(self, text: str) -> int | None:
        return None


def test_on_the_embedded_model_concurrency_stays_one_and_a_warning_says_so() -> None:
    backend = Counting()
    with pytest.warns(GenieWarning, match="concurrency 4 has no effect on the embedded model"):
        results = localgenie.extract_batch(["A is 1", "A is 1 too"], PERSON, backend=backend, concurrency=4)
    assert values(results) == [{"name": "A", "age": 1}] * 2
    assert backend.peak == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        localgenie.extract_batch(["A is 1"], PERSON, backend=backend)  # no warning when 1 was asked


class Person(BaseModel):
    name: str
    age: int


def test_a_model_class_comes_back_from_the_cache_as_an_instance() -> None:
    with fake_server(person_reply) as (url, _):
        first = values(localgenie.extract_batch(TEXTS[:1], Person, backend=server(url)))
        again = list(localgenie.extract_batch(TEXTS[:1], Person, backend=server(url)))
    assert again[0].cached and again[0].value == first[0] == Person(name="Ann", age=31)


def test_an_unusable_cache_file_is_warned_about_and_the_batch_runs(cache_on: Path) -> None:
    cache_on.mkdir(parents=True)
    results_path().write_bytes(b"this is not a database" * 100)
    with fake_server(person_reply) as (url, _), pytest.warns(GenieWarning, match="cannot be used"):
        assert values(localgenie.extract_batch(TEXTS[:2], PERSON, backend=server(url))) == EXPECTED[:2]


def test_bad_arguments_are_refused_before_anything_runs() -> None:
    with pytest.raises(GenieError, match="concurrency is a whole number from 1 to 64"):
        localgenie.extract_batch(TEXTS, PERSON, backend=Counting(), concurrency=0)
    with pytest.raises(localgenie.SchemaError):
        localgenie.extract_batch(TEXTS, "name, age integer!", backend=Counting())
