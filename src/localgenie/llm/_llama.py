"""The one place that touches llama-cpp-python's private internals.

`Llama.eval` cannot evaluate a batch while keeping all its logits rows, nor drop
the end of the KV cache, both of which the decoder needs (drafts are verified on
one batch's logits and rejected ones removed).  So the decoder goes one level
down, to ``Llama._ctx`` and ``Llama._batch``.  Those are private: a new
llama-cpp-python may move them.  `LlamaInternals` checks for them when a model
loads and fails with a message that names the version, instead of an
AttributeError halfway through a generation; ``tests/llm/test_llama_adapter.py``
fails loudly on such a version.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ModelError

TESTED_VERSIONS = ("0.3.36",)


class LlamaInternals:
    """Batched evaluation, logits rows and KV-cache trimming for one loaded `llama_cpp.Llama`."""

    def __init__(self, llm: Any) -> None:
        import llama_cpp

        self._llama_cpp = llama_cpp
        missing = [
            name
            for owner, name in (
                (llm, "_ctx"),
                (llm, "_batch"),
                (getattr(llm, "_ctx", None), "ctx"),
                (getattr(llm, "_ctx", None), "kv_cache_seq_rm"),
                (getattr(llm, "_batch", None), "set_batch"),
                (getattr(llm, "_batch", None), "batch"),
                (llama_cpp, "llama_decode"),
                (llama_cpp, "llama_get_logits_ith"),
            )
            if not hasattr(owner, name)
        ]
        if missing:
            version = getattr(llama_cpp, "__version__", "unknown")
            raise ModelError(
                f"llama-cpp-python {version} lacks {', '.join(missing)}, which Genie's decoder uses "
                f"(tested with {', '.join(TESTED_VERSIONS)}): install llama-cpp-python=={TESTED_VERSIONS[-1]}"
            )
        self._llm = llm
        self.n_vocab: int = llm.n_vocab()
        self.n_batch: int = llm.n_batch

    def remove_after(self, n_keep: int) -> None:
        """Drop every cached position from ``n_keep`` on."""
        self._llm._ctx.kv_cache_seq_rm(0, n_keep, -1)

    def decode(self, tokens: Sequence[int], n_past: int, *, logits_from: int) -> None:
        """Evaluate at most ``n_batch`` tokens placed after ``n_past`` cached positions.

        Logits are computed only for the tokens from index ``logits_from`` on (always for the last).
        """
        batch = self._llm._batch
        batch.set_batch(batch=list(tokens), n_past=n_past, logits_all=False)
        for index in range(max(0, logits_from), len(tokens)):
            batch.batch.logits[index] = True
        status = self._llama_cpp.llama_decode(self._llm._ctx.ctx, batch.batch)
        if status != 0:
            raise ModelError(f"llama.cpp failed to evaluate {len(tokens)} tokens (status {status})")

    def logits(self, index: int) -> npt.NDArray[np.float32]:
        """A view (not a copy: 600 kB a row for a 150k vocabulary) of the logits after the token at batch
        position ``index`` of the last `decode` (one of those it computed logits for).

        Valid until the next `decode` overwrites the buffer; every caller is done with it by then.
        """
        pointer = self._llama_cpp.llama_get_logits_ith(self._llm._ctx.ctx, index)
        return np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)), (self.n_vocab,))
