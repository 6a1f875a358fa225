"""``localgenie.extract_batch(texts, schema, engine="ray")``: the local batch's cache around the Ray engine.

`localgenie.batch.extract_batch` builds the batch (schema, options, cache keys, the result cache) as
for one machine and hands it here.  On the driver, each text is looked up in the cache first: a cached
text is never sent to the cluster.  The others go to `localgenie.scale.extract.run_on_ray`; each
valid answer is stored under its key as soon as it arrives (in whatever order the actors finish), so
a batch stopped half way resumes from there, on Ray or on one machine.  Results come in input order.

Failures are those of the local path: a text's `BadInput` or `SchemaViolation` is its result; a
backend failure (`BackendError` after the backend's own retries, `ModelError`) or a worker's
unexpected error stops the batch when its text's turn comes, raised from the iterator (everything
that arrived before is cached).

Nothing here imports Ray: `run_on_ray` does, when the first result is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..batch import BatchResult, _Batch, file_identity, model_identity
from ..config import remote_from_env
from ..errors import BadInput, SchemaViolation
from ..llm import Backend, get_backend
from ..llm.models import resolve_model_path
from ..store.results import from_record
from .cluster import check_installed
from .extract import MAX_ACTORS, MAX_THREADS, RayResult, WorkerSettings, rebuild_error, run_on_ray


@dataclass(frozen=True)
class RayEngine:
    """Where and how `localgenie.extract_batch` runs on Ray: ``address`` of the cluster (None: the one
    this process is connected to, else ``RAY_ADDRESS``, else a private one on 127.0.0.1; or ``auto``,
    ``HOST:6379``, ``ray://HOST:10001``), ``actors`` workers each holding one backend, and
    ``threads_per_actor``: an embedded model's decode threads (and the CPUs reserved for it), or with a
    server the requests each actor keeps in flight.  ``engine="ray"`` is ``RayEngine()``."""

    address: str | None = None
    actors: int = 2
    threads_per_actor: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.actors, int) or not 1 <= self.actors <= MAX_ACTORS:
            raise BadInput(f"actors is a whole number from 1 to {MAX_ACTORS}, not {self.actors!r}")
        threads = self.threads_per_actor
        if not isinstance(threads, int) or not 1 <= threads <= MAX_THREADS:
            raise BadInput(f"threads_per_actor is a whole number from 1 to {MAX_THREADS}, not {threads!r}")


def ray_engine(engine: object) -> RayEngine:
    """``"ray"`` or a `RayEngine` → the engine; anything else, or Ray not installed, is a `BadInput`."""
    if engine == "ray":
        engine = RayEngine()
    if not isinstance(engine, RayEngine):
        raise BadInput(f"engine is 'local', 'ray' or a localgenie.scale.RayEngine, not {engine!r}")
    check_installed()
    return engine


@dataclass(frozen=True)
class WorkerModel:
    """The model each actor builds its backend from (nothing is loaded on the driver): an embedded
    model's name, or a server's URL, model name and key; ``remote`` is the driver's handle on that
    server, used for the cache key and the concurrency check only."""

    model: str
    base_url: str | None = None
    api_key: str | None = None
    remote: Backend | None = None

    def identity(self) -> dict[str, Any]:
        """The cache key's model part: the one the local path writes for the same model."""
        if self.remote is not None:
            return model_identity(self.remote, None)
        return file_identity(resolve_model_path(self.model))


def worker_model(model: str | None, base_url: str | None, api_key: str | None) -> WorkerModel:
    """The arguments as `get_backend` reads them, with ``GENIE_BASE_URL``/``GENIE_API_KEY``/
    ``GENIE_MODEL`` applied here (the nodes of a remote cluster do not share this environment).  An
    unknown model name fails here, before a cluster starts."""
    remote = remote_from_env()
    if base_url or remote:
        url = base_url or (remote.base_url if remote else "")
        key = api_key or (remote.api_key if remote else None)
        backend = get_backend(model or (remote.model if remote else None), base_url=url, api_key=key)
        name = str(getattr(backend, "model", backend.info.model))  # the server's own default, asked once
        return WorkerModel(name, str(backend.info.details.get("base_url", url)), key, backend)
    name = model or os.environ.get("GENIE_MODEL") or "default"
    resolve_model_path(name)
    return WorkerModel(name)


def on_ray(
    job: _Batch, texts: Iterable[str], engine: RayEngine, worker: WorkerModel, concurrency: int | None
) -> Generator[BatchResult, None, None]:
    """The batch's results in input order: cached ones from ``job``'s cache, the rest from the cluster."""
    every = list(texts)
    ready: dict[int, BatchResult] = {}
    keys: dict[int, str | None] = {}
    todo: list[tuple[int, str]] = []
    for index, text in enumerate(every):
        if not isinstance(text, str):
            ready[index] = BatchResult(index, text, error=BadInput(f"text {index} is not a string: {text!r}"))
            continue
        key, kept = job.lookup(index, text)
        if kept is not None:
            ready[index] = kept
        else:
            keys[index] = key
            todo.append((index, text))
    settings = WorkerSettings(
        schema=job.resolved.schema,
        model=worker.model,
        base_url=worker.base_url,
        api_key=worker.api_key,
        options=job.options,
        threads=engine.threads_per_actor,
    )
    answers: Iterator[RayResult] = iter(())
    if todo:
        answers = run_on_ray(
            todo,
            settings,
            actors=engine.actors,
            address=engine.address,
            concurrency=concurrency,
        )
    try:
        for index in range(len(every)):
            while index not in ready:
                answer = next(answers, None)
                if answer is None:
                    raise RuntimeError(f"the cluster gave no answer for text {index}")  # pragma: no cover
                ready[answer.index] = _result(job, answer, every[answer.index], keys.get(answer.index))
            result = ready.pop(index)
            if result.error is not None and not isinstance(result.error, BadInput | SchemaViolation):
                raise result.error  # the backend or the worker failed: the batch stops, as on one machine
            yield result
    finally:
        close = getattr(answers, "close", None)
        if close is not None:
            close()
        job.close()


def _result(job: _Batch, answer: RayResult, text: str, key: str | None) -> BatchResult:
    """An actor's answer as the local path gives it, stored in the cache when it is valid."""
    if answer.record is None:
        return BatchResult(answer.index, text, error=rebuild_error(answer.error or {}))
    try:
        extraction = from_record(answer.record, job.model_class)
    except ValidationError as exc:  # the schema's JSON was met, the model class's own validators not
        violation = SchemaViolation(f"the answer does not validate as {job.model_class}: {exc}")
        return BatchResult(answer.index, text, error=violation)
    job.keep(key, answer.record)
    return BatchResult(answer.index, text, extraction)
