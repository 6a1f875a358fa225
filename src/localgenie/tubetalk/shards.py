"""TubeTalk's per-comment stages, written so a cluster can run them on shards of the comments.

A `ShardMap` applies a function of a list of texts to consecutive shards of one list and returns the
results shard by shard, in order.  `one_shard` (the default) is the whole list at once, in this
process; ``localgenie.scale.tubetalk`` gives a Ray Data one.  Each stage below is a module-level
function of texts alone (so it can be sent to a worker) whose per-shard results are put together
exactly as the one-shard run would compute them: cleaning, spam, sentiment + intent + "written to an
AI" look at one comment at a time; the static embedder's corpus statistics (token counts for the SIF
weights, the mean vector) are summed over the shards first, so the vectors equal the one-shard ones.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from . import intent as intent_stage
from . import sentiment as sentiment_stage
from . import spam as spam_stage
from .clean import clean_text
from .labels import addresses_the_model

T = TypeVar("T")


class ShardMap(Protocol):
    def __call__(self, fn: Callable[[list[str]], T], texts: list[str]) -> list[T]: ...


def one_shard(fn: Callable[[list[str]], T], texts: list[str]) -> list[T]:
    return [fn(texts)]


def cleaned_texts(shards: ShardMap, texts: list[str]) -> list[str]:
    return [text for part in shards(_clean, texts) for text in part]


def spam_flags(shards: ShardMap, texts: list[str]) -> NDArray[np.bool_]:
    parts = shards(_spam, texts)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def sentiment_and_intent(
    shards: ShardMap, texts: list[str]
) -> tuple[NDArray[np.float64], list[intent_stage.Intent], NDArray[np.bool_]]:
    """VADER compound scores, intents, and which comments are written to an AI rather than the creator."""
    parts = shards(_sentiment, texts)
    if not parts:
        return np.zeros(0), [], np.zeros(0, dtype=bool)
    compound = np.concatenate([p[0] for p in parts])
    intents = [label for p in parts for label in p[1]]
    to_ai = np.concatenate([p[2] for p in parts]).astype(bool)
    return compound, intents, to_ai


def static_vectors(shards: ShardMap, texts: list[str]) -> NDArray[np.float32]:
    """The static embedder's ``encode(texts)``, in two passes over the shards."""
    from .embed import MIN_ADAPT_BATCH, load_embedder

    embedder = load_embedder()
    if shards is one_shard:
        return embedder.encode(texts)
    counts = sum(shards(_token_counts, texts)) if len(texts) >= MIN_ADAPT_BATCH else None
    weights = embedder.token_weights(counts if isinstance(counts, np.ndarray) else None)
    raw = np.concatenate(shards(partial(_raw_vectors, weights), texts))
    return embedder.finish(raw)


def _clean(texts: list[str]) -> list[str]:
    return [clean_text(text) for text in texts]


def _spam(texts: list[str]) -> NDArray[np.bool_]:
    return spam_stage.load_model().score(texts).is_spam


def _sentiment(texts: list[str]) -> tuple[NDArray[np.float64], list[Any], NDArray[np.bool_]]:
    compound = sentiment_stage.compound_scores(texts)
    intents = intent_stage.classify_all(texts, [float(s) for s in compound])
    return compound, intents, np.asarray([addresses_the_model(t) for t in texts], dtype=bool)


def _token_counts(texts: list[str]) -> NDArray[np.int64]:
    from .embed import load_embedder

    embedder = load_embedder()
    return embedder.token_counts(embedder.token_ids(texts))


def _raw_vectors(weights: NDArray[np.float32], texts: list[str]) -> NDArray[np.float32]:
    from .embed import load_embedder

    embedder = load_embedder()
    return embedder.raw_vectors(embedder.token_ids(texts), weights)
