"""The Ray engine of batch extraction: texts answered by a pool of Ray Data actors.

Use it through ``localgenie.extract_batch(texts, schema, engine="ray")`` (`localgenie.scale.batch`:
the result cache, results as the local path gives them).  `iter_batch_ray` is the engine alone, with
no cache, for measuring it: each `RayResult` says which actor process answered and how long it took.

The texts go into a Ray Data dataset (``from_items``, each row its index and text) and are answered in
``map_batches`` by a pool of `ExtractWorker` actors.  An actor holds one backend for its life: an
embedded model (``threads`` decode threads, and as many CPUs reserved for it), or an OpenAI-compatible
server (vLLM, llama.cpp's server) that ``threads`` requests per actor are kept in flight against.
Each text goes through the public ``localgenie.extract_details``, so an answer is validated (and
retried) exactly as on one machine, and comes back as the record the result cache keeps
(`localgenie.store.results.to_record`: value, spans, confidence, attempts, usage).

Faults, one retry policy for each (nothing is retried twice):

- a server's HTTP 408/429/5xx or a dropped connection is retried by the remote backend inside the
  actor, with the back-off of the local path (`localgenie.llm.retries`); the worker never asks again
  itself.  When the backend gives up, the text's record holds that `BackendError`;
- a text the model cannot answer (`BadInput`, `SchemaViolation`) is an error record in its place;
  the worker catches every error into its text's record, so no task ever raises;
- an actor that dies (its process killed, its node lost) is restarted by Ray (``max_restarts``) and
  the block it was working on is run again (``max_task_retries``, which covers lost actors only: Ray
  Data retries no error raised by a task, ``actor_task_retry_on_errors`` being off).  The block's
  partial output is discarded, so every text is answered exactly once (`run_on_ray` checks).
"""

from __future__ import annotations

import json
import math
import os
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from .. import errors
from ..errors import BadInput, GenieError, SchemaViolation
from ..llm.retries import RetryPolicy
from ..structured.extract import DEFAULT_MAX_RETRIES
from .cluster import connect

MAX_ACTORS = 256
MAX_THREADS = 64
ACTOR_RESTARTS = 4  # a worker killed more often than this fails the batch (a crash loop, not bad luck)
TASK_RETRIES = 4  # re-runs of a block whose actor died (not of a block that raised: none does)
HTTP_ACTOR_CPUS = 0.25  # an HTTP worker waits on the network: many fit on one core
RAW_SENT = 2000  # of a failed text's last answer, what the worker sends back


@dataclass(frozen=True)
class RayResult:
    """Text number ``index`` (0-based): ``record``, its answer as the result cache keeps it
    (`localgenie.store.results.to_record`), or ``error`` (``{"type", "message"[, "paths", "raw"]}``).

    ``attempts`` is the model's attempts, ``worker`` the process id of the actor that answered and
    ``seconds`` its time on the text."""

    index: int
    record: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    attempts: int = 0
    worker: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def value(self) -> Any:
        """The extracted JSON value (None when the text failed)."""
        return None if self.record is None else self.record["data"]


def error_detail(error: BaseException) -> dict[str, Any]:
    """What an error record says: the error's type and message, a `SchemaViolation`'s paths and the
    start of its last answer."""
    detail: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, SchemaViolation):
        detail["paths"] = [{"path": path, "message": message} for path, message in error.errors]
        detail["raw"] = error.raw[:RAW_SENT]
        detail["attempts"] = error.attempts
    return detail


def rebuild_error(detail: dict[str, Any]) -> GenieError:
    """The driver's copy of a worker's error: the same `localgenie.errors` type when it is one (a
    `SchemaViolation` with its paths, attempts and raw answer), else a `GenieError` naming it."""
    name, message = str(detail.get("type", "GenieError")), str(detail.get("message", ""))
    if name == "SchemaViolation":
        paths = [(str(p["path"]), str(p["message"])) for p in detail.get("paths", [])]
        return SchemaViolation(message, paths, int(detail.get("attempts", 0)), raw=str(detail.get("raw", "")))
    kind = getattr(errors, name, None)
    if isinstance(kind, type) and issubclass(kind, GenieError):
        try:
            return kind(message)
        except TypeError:  # an error type with more to its constructor
            pass
    return GenieError(f"a Ray worker failed: {name}: {message}")


@dataclass(frozen=True)
class WorkerSettings:
    """What every actor is built with (sent to each actor once, as constructor arguments): the JSON
    schema, the backend's arguments, the options of ``extract_details`` and the threads per actor;
    ``retry`` replaces the remote backend's default `RetryPolicy` (tests use a quick one)."""

    schema: Any
    model: str | None
    base_url: str | None
    api_key: str | None
    options: dict[str, Any]
    threads: int = 1
    retry: RetryPolicy | None = None


class ExtractWorker:
    """One Ray Data actor: one backend, ``threads`` texts at a time (HTTP) or one (embedded)."""

    def __init__(self, settings: WorkerSettings) -> None:
        from ..llm import get_backend

        self.settings = settings
        if settings.base_url is None:
            os.environ["GENIE_THREADS"] = str(settings.threads)  # the CPUs Ray reserved for this actor
            self.backend = get_backend(settings.model)
        elif settings.retry is not None:
            from ..llm.openai_compat import OpenAICompatBackend

            self.backend = OpenAICompatBackend(
                settings.base_url, api_key=settings.api_key, model=settings.model, retry=settings.retry
            )
        else:
            self.backend = get_backend(settings.model, base_url=settings.base_url, api_key=settings.api_key)
        remote = settings.base_url is not None and settings.threads > 1
        self.pool = ThreadPoolExecutor(settings.threads) if remote else None

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        indexes = [int(i) for i in batch["index"]]
        texts = list(batch["text"])
        if self.pool is not None:
            records = list(self.pool.map(self.one, indexes, texts))
        else:
            records = [self.one(i, t) for i, t in zip(indexes, texts, strict=True)]
        return {"index": indexes, "record": records}

    def one(self, index: int, text: Any) -> str:
        """One text's record as JSON: never raises, so a bad text fails alone and no block is retried
        for an error (only for a dead actor)."""
        import localgenie
        from localgenie.store.results import to_record

        started = time.perf_counter()
        record: dict[str, Any]
        try:
            result = localgenie.extract_details(
                text, self.settings.schema, backend=self.backend, log=False, **self.settings.options
            )
            record = {"answer": to_record(result), "attempts": result.attempts}
        except Exception as error:  # a bad text, the server given up on, or one the library cannot handle
            record = {"error": error_detail(error), "attempts": getattr(error, "attempts", 0)}
        record.update(index=index, worker=os.getpid(), seconds=time.perf_counter() - started)
        return json.dumps(record, ensure_ascii=False, default=str)


def run_on_ray(
    items: Sequence[tuple[int, str]],
    settings: WorkerSettings,
    *,
    actors: int = 2,
    address: str | None = None,
    concurrency: int | None = None,
    batch_size: int | None = None,
) -> Iterator[RayResult]:
    """``(index, text)`` pairs answered on the cluster at ``address`` (see `cluster.connect`) by
    ``actors`` workers: a `RayResult` per item as it arrives (not in order), each index exactly once.
    ``concurrency`` (a server only) is the requests in flight over all actors, instead of
    ``settings.threads`` per actor."""
    if concurrency is not None:
        settings = replace(settings, threads=min(MAX_THREADS, math.ceil(concurrency / actors)))
    if not items:
        return
    ray = connect(address)
    cpus = settings.threads if settings.base_url is None else HTTP_ACTOR_CPUS
    have = float(ray.cluster_resources().get("CPU", 0.0))
    if actors * cpus > have:  # Ray would wait for CPUs that never come
        raise BadInput(
            f"{actors} actors x {cpus:g} CPUs need {actors * cpus:g} CPUs and the cluster has {have:g}: "
            "use fewer actors or threads per actor"
        )
    size = batch_size or (settings.threads if settings.base_url is not None else 1)
    # Small blocks: a block is what a dead actor's replacement runs again, and what balances the load.
    blocks = min(len(items), max(actors * 4, math.ceil(len(items) / max(size, 8))))
    rows = [{"index": index, "text": text} for index, text in items]
    with warnings.catch_warnings():
        # Ray 2.60 calls remote arguments such as max_restarts deprecated but names no replacement;
        # its default (restart for ever) would hang a batch whose worker crashes on start.
        warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated")
        dataset = ray.data.from_items(rows, override_num_blocks=blocks).map_batches(
            ExtractWorker,
            fn_constructor_args=(settings,),
            batch_size=size,
            compute=ray.data.ActorPoolStrategy(size=actors),
            num_cpus=cpus,
            max_restarts=ACTOR_RESTARTS,
            max_task_retries=TASK_RETRIES,
        )
    expected = {index for index, _ in items}
    rows_out = iter(dataset.iter_rows())  # a generator, closed below when the batch is left
    try:
        for row in rows_out:
            result = _result(json.loads(row["record"]))
            if result.index not in expected:  # a retried block's output kept twice: refused loudly
                raise RuntimeError(f"text {result.index} was answered twice (or is not in the batch)")
            expected.discard(result.index)
            yield result
    finally:  # a batch left early (closed, or stopped by an error) ends the dataset's iteration
        close = getattr(rows_out, "close", None)
        if close is not None:
            close()
    if expected:
        raise RuntimeError(f"the cluster gave no answer for {len(expected)} texts")  # pragma: no cover


def _result(record: dict[str, Any]) -> RayResult:
    return RayResult(
        index=int(record["index"]),
        record=record.get("answer"),
        error=record.get("error"),
        attempts=int(record.get("attempts", 0)),
        worker=int(record.get("worker", 0)),
        seconds=float(record.get("seconds", 0.0)),
    )


def extract_batch_ray(texts: Sequence[str], schema: Any, **options: Any) -> list[RayResult]:
    """Every text's `RayResult`, in input order; options are those of `iter_batch_ray`."""
    return list(iter_batch_ray(texts, schema, **options))


def iter_batch_ray(
    texts: Iterable[str],
    schema: Any,
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    actors: int = 2,
    threads_per_actor: int = 1,
    concurrency: int | None = None,
    address: str | None = None,
    multi: bool = False,
    max_retries: int = DEFAULT_MAX_RETRIES,
    max_tokens: int | None = None,
    grounded_only: bool = False,
    passes: int = 1,
    batch_size: int | None = None,
    retry: RetryPolicy | None = None,
) -> Iterator[RayResult]:
    """The engine alone, without the result cache: ``schema`` extracted from every text on the
    cluster, a `RayResult` per text in input order (``value`` is the JSON value, not a model instance).
    Options are those of `localgenie.extract_batch` and `localgenie.scale.RayEngine`; ``concurrency``
    (a server only) is the requests in flight over all actors; ``retry`` the server's retry policy."""
    from ..api import resolve
    from .batch import RayEngine, worker_model

    RayEngine(address, actors, threads_per_actor)  # the counts checked before any cluster starts
    if concurrency is not None and (not isinstance(concurrency, int) or concurrency < 1):
        raise BadInput(f"concurrency is a whole number from 1, not {concurrency!r}")
    resolved = resolve(schema)
    worker = worker_model(model, base_url, api_key)
    if concurrency is not None and worker.base_url is None:
        raise BadInput(
            "concurrency limits the requests in flight against a server (base_url); an embedded model "
            "answers one text at a time per actor: use actors= instead"
        )
    options: dict[str, Any] = {
        "multi": multi,
        "max_retries": max_retries,
        "max_tokens": max_tokens,
        "grounded_only": grounded_only,
    }
    if passes != 1:
        options["passes"] = passes
    settings = WorkerSettings(
        resolved.schema, worker.model, worker.base_url, worker.api_key, options, threads_per_actor, retry
    )
    items = list(enumerate(texts))
    arrived = run_on_ray(
        items, settings, actors=actors, address=address, concurrency=concurrency, batch_size=batch_size
    )
    waiting: dict[int, RayResult] = {}
    following = 0
    for result in arrived:
        waiting[result.index] = result
        while following in waiting:
            yield waiting.pop(following)
            following += 1
