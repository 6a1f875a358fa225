"""Many texts, one schema: ``localgenie.extract_batch(texts, schema)``, resumable and, on a server,
several requests at once.

Each text's answer is looked up in the result cache (`localgenie.store.results`) before the model is
asked, and written there as soon as it is valid, so a batch stopped by a crash or Ctrl-C and run again
skips what it finished and gives the same results.  The key is the SHA-256 of the model (an embedded
file's path, size and modification time; a server's URL and model name; a cascade's stages and
settings), the canonical schema, the prompt, the text and the options that change the answer
(``multi``, ``max_retries``, ``max_tokens``, ``grounded_only``).  Failed texts are not cached: a rerun
tries them again.  ``cache=False`` (``--no-cache``) or ``GENIE_RESULT_CACHE=0`` neither reads nor
writes the cache.

``concurrency=N`` keeps N requests in flight against a server (worker threads; results still come in
input order).  The embedded model has one context and answers one request at a time, so there it stays
1, with a warning saying so.  A failure of one text (`BadInput`, `SchemaViolation`) is its result; a
failure of the backend (`BackendError` after its retries, `ModelError`) stops the batch, raised from
the iterator: what finished is cached for the rerun.

``engine="ray"`` (or ``engine=localgenie.scale.RayEngine(address, actors, threads_per_actor)``)
answers the texts on a Ray cluster instead (`localgenie.scale`, imported only then; ``pip install
'localgenie[ray]'``): the cache is read and written on the driver, with the same keys, so cached texts
are never sent to the cluster, a batch half done on one machine finishes on Ray (and the other way
round), and a rerun of a finished batch is instant.  Each actor holds one backend (an embedded model,
loaded in the actor and never here, or the ``base_url`` server) and validates its answers with the
code of the local path; ``concurrency`` is then the requests in flight against the server over all
actors.
"""

from __future__ import annotations

import os
import queue
import threading
import warnings
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from .api import SchemaSource, answer_target, extract_stream, resolve
from .cascade import REMOTE, Cascade, is_cascade
from .errors import BadInput, GenieError, GenieWarning, SchemaViolation
from .llm import Backend, get_backend
from .store.results import ResultCache, cache_enabled, from_record, result_key, to_record
from .structured import Extraction
from .structured.extract import DEFAULT_MAX_RETRIES
from .structured.prompt import extraction_messages
from .structured.schema import load_schema

if TYPE_CHECKING:
    from .scale.batch import RayEngine, WorkerModel

AHEAD = 4  # texts started per request in flight, so one slow text does not hold the others up
MAX_CONCURRENCY = 64


@dataclass
class BatchResult:
    """Text number ``index`` (0-based) of a batch: its `Extraction`, or the ``error`` that stopped it;
    ``cached`` when the answer came from an earlier run (its ``extraction.tokens`` is then empty)."""

    index: int
    text: str
    extraction: Extraction[Any] | None = None
    error: GenieError | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def value(self) -> Any:
        """The extracted value; the text's error is raised when it has none."""
        if self.extraction is None:
            assert self.error is not None
            raise self.error
        return self.extraction.value


def extract_batch(
    texts: Iterable[str],
    schema: SchemaSource,
    *,
    model: str | None = None,
    backend: Backend | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    cascade: Cascade | None = None,
    multi: bool = False,
    log: bool | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    max_tokens: int | None = None,
    grounded_only: bool = False,
    passes: int = 1,
    concurrency: int = 1,
    cache: bool = True,
    cache_path: Path | None = None,
    engine: Literal["local", "ray"] | RayEngine = "local",
) -> Generator[BatchResult, None, None]:
    """A `BatchResult` per text, in the order of ``texts`` (read as they are needed), each as soon as it
    and those before it are done::

        for result in localgenie.extract_batch(lines, "name, age int", base_url=URL, concurrency=4):
            print(result.value if result.ok else result.error)

    The schema, the model and the server are checked by this call, before the first text is asked for.
    Options are those of `extract_details`; ``concurrency``, ``cache`` and ``cache_path`` (another
    cache file) are described in `localgenie.batch`.  Close the iterator (or leave a ``for`` loop) to
    stop: requests in flight stop at their next token.

    ``engine="ray"`` or a `localgenie.scale.RayEngine` runs it on a Ray cluster (``model`` or
    ``base_url``, not ``backend`` or a cascade: each actor builds its own backend); ``texts`` are then
    read at once, and an answer's ``extraction.tokens`` is empty (the tokens stay in the worker).
    """
    if not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise BadInput(f"concurrency is a whole number from 1 to {MAX_CONCURRENCY}, not {concurrency!r}")
    resolved = resolve(schema)
    if backend is not None and (cascade is not None or is_cascade(model)):
        raise BadInput("pass a backend or a cascade (model='auto', a chain such as 'tiny,default'), not both")
    chain = cascade or (
        Cascade.parse(model or "", base_url=base_url, api_key=api_key) if is_cascade(model) else None
    )
    ray: RayEngine | None = None
    worker: WorkerModel | None = None
    if engine != "local":
        from .scale.batch import ray_engine, worker_model  # these import no Ray: the batch does

        ray = ray_engine(engine)
        if backend is not None or chain is not None:
            raise BadInput(
                "engine='ray' builds one backend in each actor: pass model= (or base_url= for a server), "
                "not a backend or a cascade"
            )
        worker = worker_model(model, base_url, api_key)
        backend = worker.remote
    elif chain is None:
        backend = backend or get_backend(model, base_url=base_url, api_key=api_key)
    workers, note = parallel_requests(concurrency, backend, chain, on_ray=ray is not None)
    if note is not None:
        warnings.warn(note, GenieWarning, stacklevel=2)
    target = answer_target(resolved, multi)
    options: dict[str, Any] = {
        "multi": multi,
        "max_retries": max_retries,
        "max_tokens": max_tokens,
        "grounded_only": grounded_only,
    }
    if passes != 1:  # only then: the keys of results cached before passes existed stay the same
        options["passes"] = passes
    identity = None
    if cache_enabled(cache):
        identity = worker.identity() if worker is not None else model_identity(backend, chain)
    job = _Batch(
        resolved=resolved,
        backend=backend,
        chain=chain,
        log=log,
        options=options,
        model_class=target if isinstance(target, type) else None,
        key_parts=None
        if identity is None
        else {
            "model": identity,
            "schema": (json_schema := load_schema(target)),
            "prompt": [m.content for m in extraction_messages(json_schema, "")],
            "options": options,
        },
        store=ResultCache(cache_path) if identity is not None else None,
        model_name=_label(worker, backend, chain),
    )
    if ray is not None and worker is not None:
        from .scale.batch import on_ray

        return on_ray(job, texts, ray, worker, workers if workers > 1 else None)
    return _in_order(job, texts, workers)


def _label(worker: WorkerModel | None, backend: Backend | None, chain: Cascade | None) -> str:
    """The model's name as the cache records it beside each result."""
    if worker is not None:
        return worker.model
    return str(chain) if backend is None else backend.info.model


def parallel_requests(
    requested: int, backend: Backend | None, chain: Cascade | None, *, on_ray: bool = False
) -> tuple[int, str | None]:
    """How many requests to keep in flight, and why it is fewer than ``requested`` when it is."""
    if requested <= 1:
        return 1, None
    if on_ray and backend is None:
        return 1, (
            f"concurrency {requested} has no effect on embedded models on Ray: each actor's model answers "
            "one text at a time, so add actors (RayEngine(actors=N), --actors N) to answer more at once"
        )
    local = any(stage != REMOTE for stage in chain.stages) if chain is not None else None
    if local or (chain is None and backend is not None and backend.info.kind != "remote"):
        return 1, (
            f"concurrency {requested} has no effect on the embedded model: it has one context and answers "
            "one request at a time, so the batch runs 1 at a time (serve the model with llama.cpp's "
            "server, vLLM or Ollama and pass --base-url to run requests in parallel)"
        )
    return requested, None


def model_identity(backend: Backend | None, chain: Cascade | None) -> dict[str, Any]:
    """What names the model in a cache key: the answer changes when any of it does."""
    if chain is not None:
        return {
            "cascade": list(chain.stages),
            "min_confidence": chain.min_confidence,
            "retries": chain.retries,
            "server": chain.base_url or os.environ.get("GENIE_BASE_URL"),
        }
    assert backend is not None
    info = backend.info
    if info.kind == "remote":  # the server's model name (asked of the server when none was given)
        return {"server": info.details.get("base_url"), "model": str(getattr(backend, "model", info.model))}
    path = info.details.get("path")
    if isinstance(path, str) and Path(path).is_file():
        return file_identity(Path(path))
    return {"kind": info.kind, "model": info.model}


def file_identity(path: Path) -> dict[str, Any]:
    """An embedded model file's part of the key: a re-tuned tuned:NAME, same path, is another model."""
    stat = path.stat()
    return {"file": str(path), "size": stat.st_size, "modified_ns": stat.st_mtime_ns}


@dataclass
class _Batch:
    """What every text of one batch is extracted with, and the cache it reads and writes."""

    resolved: Any
    backend: Backend | None
    chain: Cascade | None
    log: bool | None
    options: dict[str, Any]
    model_class: type[BaseModel] | None
    key_parts: dict[str, Any] | None
    store: ResultCache | None
    model_name: str = ""

    def __post_init__(self) -> None:
        self.stop = threading.Event()  # set when the reader leaves: requests in flight end early

    def one(self, index: int, text: str) -> BatchResult:
        if self.stop.is_set():
            raise _Stopped
        key, kept = self.lookup(index, text)
        if kept is not None:
            return kept
        try:
            result = self._extract(text)
        except (BadInput, SchemaViolation) as error:
            return BatchResult(index, text, error=error)
        self.keep(key, to_record(result))
        return BatchResult(index, text, result)

    def lookup(self, index: int, text: str) -> tuple[str | None, BatchResult | None]:
        """The text's cache key (None: no cache), and its cached result when an earlier run left one."""
        if self.store is None or self.key_parts is None or not isinstance(text, str):
            return None, None
        key = result_key({**self.key_parts, "text": text})
        kept = self._cached(key)
        return key, None if kept is None else BatchResult(index, text, kept, cached=True)

    def keep(self, key: str | None, record: dict[str, Any]) -> None:
        """Store a valid answer's record (`to_record`) under ``key``."""
        if key is not None and self.store is not None:
            self.store.put(key, self.model_name, record)

    def _cached(self, key: str) -> Extraction[Any] | None:
        assert self.store is not None
        record = self.store.get(key)
        if record is None:
            return None
        try:
            return from_record(record, self.model_class)
        except (KeyError, TypeError, ValueError, IndexError, ValidationError):
            return None  # a record this Genie cannot read: extracted again, and overwritten

    def _extract(self, text: str) -> Extraction[Any]:
        events = extract_stream(
            text, self.resolved, backend=self.backend, cascade=self.chain, log=self.log, **self.options
        )
        try:
            for event in events:
                if isinstance(event, Extraction):
                    return event
                if self.stop.is_set():
                    raise _Stopped
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
        raise AssertionError("a stream of the answer ended without its result")  # pragma: no cover

    def close(self) -> None:
        self.stop.set()
        if self.store is not None:
            self.store.close()


class _Stopped(Exception):
    """The reader left the batch: a worker's extraction ends at its next event."""


def _in_order(job: _Batch, texts: Iterable[str], workers: int) -> Generator[BatchResult, None, None]:
    if workers == 1:  # in the caller's thread: Ctrl-C stops the model at once
        try:
            for index, text in enumerate(texts):
                yield job.one(index, text)
        finally:
            job.close()
        return
    pool = _Workers(workers, job.one)
    pending: deque[Future[BatchResult]] = deque()
    try:
        for index, text in enumerate(texts):
            pending.append(pool.submit(index, text))
            if len(pending) >= AHEAD * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        job.close()
        for future in pending:
            future.cancel()
        pool.close()


class _Workers:
    """``count`` daemon threads running ``work`` on what is submitted.  Not a `ThreadPoolExecutor`:
    its threads are joined when the interpreter exits, so a Ctrl-C would wait for every request in
    flight to a stuck server to time out; these end with the process."""

    def __init__(self, count: int, work: Callable[[int, str], BatchResult]) -> None:
        self._work = work
        self._jobs: queue.SimpleQueue[tuple[Future[BatchResult], int, str] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._run, name=f"genie-batch-{n}", daemon=True) for n in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, index: int, text: str) -> Future[BatchResult]:
        future: Future[BatchResult] = Future()
        self._jobs.put((future, index, text))
        return future

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, index, text = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._work(index, text))
            except BaseException as error:  # handed to the reader, who raises it
                future.set_exception(error)

    def close(self) -> None:
        """Let each thread end after its current job (jobs not started were cancelled by the caller)."""
        for _ in self._threads:
            self._jobs.put(None)
