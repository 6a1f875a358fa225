"""TubeTalk on Ray: ``analyze_ray(loaded)`` gives the report ``tubetalk.analyze(loaded)`` gives.

What runs where:

- **per shard, on the workers** (`RayShards`, Ray Data ``map_batches`` tasks over ``shard_size``
  comments): cleaning, the spam classifier, VADER sentiment + intent + "written to an AI", and the
  static embedder's per-comment work (tokens, token counts, weighted mean rows).  The functions are
  those of `localgenie.tubetalk.shards`, which the one-machine pipeline runs as one shard.
- **on the driver**: merging copy-paste floods (a global group-by on a loose key), summing the shards'
  token counts into the SIF weights and removing the corpus mean from the vectors, then clustering:
  the same spherical k-means (``themes.cluster``, one k-means++ start, fixed seed) on the gathered
  384-d vectors, so the themes are the one-machine themes.  That is 1.5 KB per comment: 110 MB for
  72k comments, 15 GB for 10 M, where a fit on a sample with assignment in the shards would take over
  (see the README's estimate).
- **on a model worker** (`LabelWorker`, a Ray actor holding the model): the theme-label and summary
  calls of ``--llm``, asked one at a time in the pipeline's order and time budget.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any, TypeVar

from ..structured import Extraction
from ..structured.extract import DEFAULT_MAX_RETRIES
from ..tubetalk import LLMOptions, LLMUsage, LoadedComments, TubeTalkReport, analyze
from ..tubetalk.pipeline import Embedder, ProgressCallback
from .cluster import connect

T = TypeVar("T")
SHARD_SIZE = 4096


class RayShards:
    """A `localgenie.tubetalk.shards.ShardMap` on Ray Data: ``fn`` applied to consecutive shards of
    ``shard_size`` texts by ``workers`` tasks at a time, results in shard order."""

    def __init__(self, ray: Any, *, workers: int = 2, shard_size: int = SHARD_SIZE) -> None:
        self.ray, self.workers, self.shard_size = ray, workers, shard_size

    def __call__(self, fn: Callable[[list[str]], T], texts: list[str]) -> list[T]:
        if not texts:
            return [fn(texts)]
        import pandas as pd

        frame = pd.DataFrame({"first": range(len(texts)), "text": texts})
        # One block per shard, split here: Ray 2.60's own split (override_num_blocks) fails on pandas 3.
        step = self.shard_size
        blocks = [frame.iloc[start : start + step] for start in range(0, len(texts), step)]
        dataset = self.ray.data.from_pandas(blocks).map_batches(
            _apply,
            fn_args=(fn,),
            batch_size=self.shard_size,
            batch_format="pandas",
            compute=self.ray.data.TaskPoolStrategy(size=self.workers),
            num_cpus=1,
        )
        rows = sorted(dataset.take_all(), key=lambda row: int(row["first"]))
        return [pickle.loads(row["result"]) for row in rows]


def _apply(batch: Any, fn: Callable[[list[str]], Any]) -> Any:
    """One shard: ``fn`` of its texts, pickled, with the index of its first text to order by."""
    import pandas as pd

    result = fn([str(text) for text in batch["text"].tolist()])
    return pd.DataFrame({"first": [int(batch["first"].iloc[0])], "result": [pickle.dumps(result)]})


class LabelWorker:
    """The model worker: TubeTalk's labelling extractor run where the model is (a Ray actor)."""

    def ask(
        self, text: str, schema: Any, model: str | None, max_tokens: int | None, max_retries: int
    ) -> Extraction[Any]:
        from dataclasses import replace

        from ..tubetalk.labels import labelling_extract

        result = labelling_extract(text, schema, model=model, max_tokens=max_tokens, max_retries=max_retries)
        return replace(result, tokens=[])  # the answer's tokens stay here: the driver needs the value


class RemoteExtractor:
    """An ``Extractor`` whose calls run on a `LabelWorker` actor (errors are re-raised as their type)."""

    def __init__(self, ray: Any, *, cpus: float = 1) -> None:
        self.ray, self.cpus = ray, cpus
        self._actor: Any = None

    @property
    def actor(self) -> Any:
        """Started at the first call: until the labels, its CPU is the shards' to use."""
        if self._actor is None:
            worker = self.ray.remote(num_cpus=self.cpus, max_restarts=2, max_task_retries=2)(LabelWorker)
            self._actor = worker.remote()
        return self._actor

    def __call__(
        self,
        text: str,
        schema: Any,
        *,
        model: str | None = None,
        max_tokens: int | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> Extraction[Any]:
        reply = self.actor.ask.remote(text, schema, model, max_tokens, max_retries)
        try:
            result: Extraction[Any] = self.ray.get(reply)
        except self.ray.exceptions.RayTaskError as error:
            raise error.as_instanceof_cause() from None
        return result

    def close(self) -> None:
        if self._actor is not None:
            self.ray.kill(self._actor)
            self._actor = None


def analyze_ray(
    loaded: LoadedComments,
    *,
    llm_model: str | None = None,
    llm: LLMOptions | None = None,
    llm_seconds: float | None = None,
    embedder: Embedder | None = None,
    progress: ProgressCallback | None = None,
    k: int | None = None,
    address: str | None = None,
    workers: int = 2,
    shard_size: int = SHARD_SIZE,
    cluster_sample: int | None = None,
) -> TubeTalkReport:
    """``tubetalk.analyze`` with its per-comment stages on Ray Data shards (``workers`` tasks at a time)
    and, with ``llm_model``, the theme labels asked of a model worker (a Ray actor holding the model;
    ``llm_seconds`` its budget).  ``llm`` passes labelling options of your own instead.  The report
    is the one ``tubetalk.analyze`` gives on the same comments (timings and ``generated_at`` aside);
    ``cluster_sample`` is passed to it (themes fit on a sample: for corpora of millions)."""
    ray = connect(address)
    remote = None
    if llm is None and llm_model is not None:
        remote = RemoteExtractor(ray)
        llm = LLMOptions.from_extractor(remote, model=llm_model, seconds=llm_seconds, usage=LLMUsage())
    try:
        return analyze(
            loaded,
            llm=llm,
            embedder=embedder,
            progress=progress,
            k=k,
            shards=RayShards(ray, workers=workers, shard_size=shard_size),
            cluster_sample=cluster_sample,
        )
    finally:
        if remote is not None:
            remote.close()
