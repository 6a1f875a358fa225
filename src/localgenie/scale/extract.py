"""Batch extraction on Ray: ``extract_batch_ray(texts, schema, actors=2)``.

The texts go into a Ray Data dataset (``from_items``, each row its index and text) and are answered in
``map_batches`` by a pool of `ExtractWorker` actors.  An actor holds one backend for its life: an
embedded model (``threads_per_actor`` decode threads, and as many CPUs reserved for it), or, with
``base_url``, an OpenAI-compatible server (vLLM, llama.cpp's server) that ``threads_per_actor``
requests per actor are kept in flight against.  Each text goes through the public
``localgenie.extract_details``, so an answer is validated (and retried) exactly as on one machine.

Faults:

- a text the model cannot answer (`BadInput`, `SchemaViolation`, or any error of its own) is an error
  record in its place, and the batch goes on;
- a server error (`BackendError`: HTTP 5xx, a dropped connection) is retried by the worker with
  exponential back-off and jitter (``server_retries`` times), then recorded for that text alone;
- an actor that dies (its process killed, its node lost) is restarted by Ray (``max_restarts``) and the
  block it was working on is run again (``max_task_retries``): the block's partial output is discarded,
  so every text is answered exactly once in the output.

Results come in input order (`iter_batch_ray` yields each as soon as it and those before it are done).
"""

from __future__ import annotations

import json
import math
import os
import random
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..errors import BackendError, BadInput, SchemaViolation
from ..structured.extract import DEFAULT_MAX_RETRIES
from .cluster import connect

MAX_ACTORS = 256
MAX_THREADS = 64
ACTOR_RESTARTS = 4  # a worker killed more often than this fails the batch (a crash loop, not bad luck)
TASK_RETRIES = 4
HTTP_ACTOR_CPUS = 0.25  # an HTTP worker waits on the network: many fit on one core


@dataclass(frozen=True)
class RayResult:
    """Text number ``index`` (0-based): its ``value``, or ``error`` (``{"type", "message"[, "paths"]}``).

    ``attempts`` is the model's attempts for the answer, ``server_retries`` the requests the worker
    sent again after a server error, ``worker`` the process id of the actor that answered and
    ``seconds`` its time on the text."""

    index: int
    value: Any = None
    error: dict[str, Any] | None = None
    attempts: int = 0
    server_retries: int = 0
    worker: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def error_detail(error: BaseException) -> dict[str, Any]:
    """What an error record says: the error's type and message, and a `SchemaViolation`'s paths."""
    detail: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, SchemaViolation) and error.errors:
        detail["paths"] = [{"path": path, "message": message} for path, message in error.errors]
    return detail


@dataclass(frozen=True)
class WorkerSettings:
    """What every actor is built with (sent to each actor once, as constructor arguments)."""

    schema: Any
    model: str | None
    base_url: str | None
    api_key: str | None
    options: dict[str, Any]
    threads: int
    server_retries: int
    backoff: float


class ExtractWorker:
    """One Ray Data actor: one backend, ``threads`` texts at a time (HTTP) or one (embedded)."""

    def __init__(self, settings: WorkerSettings) -> None:
        from ..llm import get_backend

        self.settings = settings
        if settings.base_url is None:
            os.environ["GENIE_THREADS"] = str(settings.threads)  # the CPUs Ray reserved for this actor
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
        """One text's record as JSON: never raises, so a bad text fails alone."""
        import localgenie

        started = time.perf_counter()
        retries = 0
        record: dict[str, Any]
        while True:
            try:
                result = localgenie.extract_details(
                    text, self.settings.schema, backend=self.backend, log=False, **self.settings.options
                )
                record = {"value": result.value, "attempts": result.attempts}
                break
            except BackendError as error:
                if retries >= self.settings.server_retries:
                    record = {"error": error_detail(error)}
                    break
                time.sleep(backoff_delay(retries, self.settings.backoff))
                retries += 1
            except Exception as error:  # a bad text, or one the model or library cannot handle
                record = {"error": error_detail(error), "attempts": getattr(error, "attempts", 0)}
                break
        record.update(
            index=index, server_retries=retries, worker=os.getpid(), seconds=time.perf_counter() - started
        )
        return json.dumps(record, ensure_ascii=False, default=str)


def backoff_delay(retry: int, base: float, cap: float = 30.0) -> float:
    """Seconds before retry number ``retry`` (0-based): ``base * 2**retry``, jittered to 50–150 %."""
    return float(min(cap, base * 2**retry) * (0.5 + random.random()))


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
    batch_size: int | None = None,
    server_retries: int = 3,
    backoff: float = 0.5,
) -> Iterator[RayResult]:
    """Extract ``schema`` from every text on a Ray cluster; a `RayResult` per text, in input order.

    ``schema`` is anything ``localgenie.resolve_schema`` takes (resolved here, once; a Pydantic model
    class gives instances back).  ``actors`` workers each hold one backend: the embedded ``model`` with
    ``threads_per_actor`` decode threads (and CPUs), or with ``base_url`` a server that each worker keeps
    ``threads_per_actor`` requests in flight against; ``concurrency`` sets the total in flight instead
    (spread over the actors).  ``address`` is the cluster (see `localgenie.scale.cluster.connect`).
    ``server_retries`` and ``backoff`` (seconds, doubled each time) bound the retries after a server
    error.  Other options are those of ``localgenie.extract_details``.
    """
    from ..api import resolve

    items = [{"index": i, "text": text} for i, text in enumerate(texts)]
    _check_counts(actors, threads_per_actor, concurrency, base_url)
    if concurrency is not None:
        threads_per_actor = math.ceil(concurrency / actors)
    resolved = resolve(schema)
    if base_url is None:
        from ..llm.models import resolve_model_path

        resolve_model_path(model or os.environ.get("GENIE_MODEL") or "default")  # a typo fails here
    if not items:
        return
    settings = WorkerSettings(
        schema=resolved.schema,
        model=model,
        base_url=base_url,
        api_key=api_key,
        options={
            "multi": multi,
            "max_retries": max_retries,
            "max_tokens": max_tokens,
            "grounded_only": grounded_only,
        },
        threads=threads_per_actor,
        server_retries=server_retries,
        backoff=backoff,
    )
    ray = connect(address)
    cpus = threads_per_actor if base_url is None else HTTP_ACTOR_CPUS
    have = float(ray.cluster_resources().get("CPU", 0.0))
    if actors * cpus > have:  # Ray would wait for CPUs that never come
        raise BadInput(
            f"{actors} actors x {cpus:g} CPUs need {actors * cpus:g} CPUs and the cluster has {have:g}: "
            "use fewer actors or threads per actor"
        )
    size = batch_size or (threads_per_actor if base_url is not None else 1)
    # Small blocks: a block is what a dead actor's replacement runs again, and what balances the load.
    blocks = min(len(items), max(actors * 4, math.ceil(len(items) / max(size, 8))))
    with warnings.catch_warnings():
        # Ray 2.60 calls remote arguments such as max_restarts deprecated but names no replacement;
        # its default (restart for ever) would hang a batch whose worker crashes on start.
        warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated")
        dataset = ray.data.from_items(items, override_num_blocks=blocks).map_batches(
            ExtractWorker,
            fn_constructor_args=(settings,),
            batch_size=size,
            compute=ray.data.ActorPoolStrategy(size=actors),
            num_cpus=cpus,
            max_restarts=ACTOR_RESTARTS,
            max_task_retries=TASK_RETRIES,
        )
    model_class = resolved.model if not multi else None
    yield from _in_order(_results(dataset.iter_rows(), model_class), len(items))


def _check_counts(actors: int, threads: int, concurrency: int | None, base_url: str | None) -> None:
    if not isinstance(actors, int) or not 1 <= actors <= MAX_ACTORS:
        raise BadInput(f"actors is a whole number from 1 to {MAX_ACTORS}, not {actors!r}")
    if not isinstance(threads, int) or not 1 <= threads <= MAX_THREADS:
        raise BadInput(f"threads_per_actor is a whole number from 1 to {MAX_THREADS}, not {threads!r}")
    if concurrency is not None:
        if base_url is None:
            raise BadInput(
                "concurrency limits the requests in flight against a server (base_url); an embedded "
                "model answers one text at a time per actor: use actors= instead"
            )
        if not isinstance(concurrency, int) or not 1 <= concurrency <= actors * MAX_THREADS:
            raise BadInput(
                f"concurrency is a whole number from 1 to {actors * MAX_THREADS}, not {concurrency!r}"
            )


def _results(rows: Iterable[dict[str, Any]], model_class: type[BaseModel] | None) -> Iterator[RayResult]:
    for row in rows:
        record = json.loads(row["record"])
        value = record.get("value")
        if model_class is not None and "error" not in record:
            value = model_class.model_validate(value)
        yield RayResult(
            index=int(record["index"]),
            value=value,
            error=record.get("error"),
            attempts=int(record.get("attempts", 0)),
            server_retries=int(record.get("server_retries", 0)),
            worker=int(record.get("worker", 0)),
            seconds=float(record.get("seconds", 0.0)),
        )


def _in_order(results: Iterable[RayResult], total: int) -> Iterator[RayResult]:
    """Results as they come → in index order, each as soon as those before it are in; exactly one per
    index (a duplicate would mean a retried block's output was kept twice: refused loudly)."""
    waiting: dict[int, RayResult] = {}
    seen: set[int] = set()
    following = 0
    for result in results:
        if result.index in seen or not 0 <= result.index < total:
            raise RuntimeError(f"text {result.index} was answered twice (or is not in the batch)")
        seen.add(result.index)
        waiting[result.index] = result
        while following in waiting:
            yield waiting.pop(following)
            following += 1
    if following != total:
        raise RuntimeError(f"the cluster answered {following} of {total} texts")  # pragma: no cover
