"""The embedded backend: llama.cpp in-process, with llguidance token masks.

Why a hand-written decoding loop instead of ``Llama.generate``: the loop
evaluates several tokens in one forward pass whenever it knows them in advance.

- *Forced* tokens (keys, punctuation, the rest of an enum value) come from the
  grammar (``compute_ff_tokens``); they are certain, so they are appended to
  the batch without sampling.
- *Drafted* tokens come from the input text: extraction mostly copies values
  from it, so after the model starts a value the loop looks the text up,
  proposes its continuation, keeps the part the grammar accepts, and checks it
  against the model's own greedy choices in the same batch.  Accepted tokens
  are exactly the ones greedy decoding would have produced; the rest are
  dropped from the KV cache.

A batch of k tokens costs far less than k single-token passes on a CPU (the
weights are read once), so schema-guided output costs fewer forward passes
than free text.
"""

from __future__ import annotations

import codecs
import ctypes
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..config import default_threads
from ..errors import BadInput, ContextOverflow, ModelError
from .base import BackendInfo, GenerationOptions, Message, Response, Usage
from .models import check_gguf_file

DRAFT_MAX_TOKENS = 8
DRAFT_MAX_CHARS = 48
LOOKUP_TAIL_CHARS = 16
PROMPT_CHUNK = 128
LOOP_MAX_PERIOD = 8
LOOP_MIN_SPAN = 32


def is_looping(tokens: Sequence[int]) -> bool:
    """Has the output fallen into a short cycle ("111 111 111 …") for at least LOOP_MIN_SPAN tokens?

    Small models do this inside free strings; stopping early turns minutes of
    garbage into a quick retry.
    """
    for period in range(1, LOOP_MAX_PERIOD + 1):
        span = max(LOOP_MIN_SPAN, 4 * period)
        if len(tokens) < span:
            return False
        tail = tokens[-span:]
        if all(tail[i] == tail[i + period] for i in range(span - period)):
            return True
    return False


class LlamaCppBackend:
    """A GGUF model loaded once and shared; one generation at a time (a lock guards the context)."""

    def __init__(self, model_path: Path, *, n_ctx: int = 4096, n_threads: int | None = None) -> None:
        check_gguf_file(model_path)
        import llama_cpp

        self._llama_cpp = llama_cpp
        threads = n_threads or default_threads()
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(model_path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=512,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(
                f"llama.cpp could not load {model_path}: {exc}. The file may be truncated or not a model "
                "llama.cpp supports; re-download it or pick another with --model"
            ) from exc
        self.path = model_path
        self.n_ctx = n_ctx
        self.n_vocab = self._llm.n_vocab()
        self._vocab = llama_cpp.llama_model_get_vocab(self._llm.model)
        self._eog_tokens = sorted(
            {t for t in (self._llm.token_eos(), llama_cpp.llama_vocab_eot(self._vocab)) if t >= 0}
        )
        self._lock = threading.Lock()
        self._past: list[int] = []  # tokens whose keys/values are in the KV cache
        self._lltokenizer: Any = None
        self._formatter = self._chat_formatter()
        self.info = BackendInfo(
            kind="embedded",
            model=model_path.name,
            context_length=n_ctx,
            details={"path": str(model_path), "threads": threads},
        )

    def close(self) -> None:
        self._llm.close()

    # -- prompt formatting and token counting -------------------------------------------------------

    def _chat_formatter(self) -> Any:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        metadata = self._llm.metadata
        template = metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{self.path.name} has no chat template in its metadata; use an instruct model")

        def piece(token: int) -> str:
            return (
                self._llm.detokenize([token], special=True).decode("utf-8", "replace") if token >= 0 else ""
            )

        return Jinja2ChatFormatter(
            template=template, eos_token=piece(self._llm.token_eos()), bos_token=piece(self._llm.token_bos())
        )

    def format_prompt(self, messages: list[Message]) -> list[int]:
        result = self._formatter(messages=[{"role": m.role, "content": m.content} for m in messages])
        tokens: list[int] = self._llm.tokenize(
            result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
        )
        return tokens

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def tokenize_plain(self, text: str) -> list[int]:
        tokens: list[int] = self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        return tokens

    @property
    def lltokenizer(self) -> Any:
        """The llguidance view of the vocabulary: costs ~1 s to build, so built once per model."""
        if self._lltokenizer is None:
            from llguidance.llamacpp import lltokenizer_from_vocab

            with warnings.catch_warnings():  # the adapter calls a llama.cpp function deprecated in 0.3.36
                warnings.simplefilter("ignore", DeprecationWarning)
                self._lltokenizer = lltokenizer_from_vocab(self._vocab, eos_token=self._eog_tokens)
        return self._lltokenizer

    # -- generation ---------------------------------------------------------------------------------

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        options = options or GenerationOptions()
        if any(m.images for m in messages):
            raise BadInput(
                "the embedded model cannot see images: use the photo recogniser, or --base-url with a "
                "vision-capable server"
            )
        tokens = self.format_prompt(messages)
        if len(tokens) + options.max_tokens > self.n_ctx:
            raise ContextOverflow(
                f"the prompt is {len(tokens):,} tokens and {options.max_tokens:,} are reserved for the "
                "answer, "
                f"but the model's context holds {self.n_ctx:,}; shorten the text"
            )
        matcher = None
        if options.json_schema is not None:
            from ..structured.grammar import new_matcher

            matcher = new_matcher(self.lltokenizer, options.json_schema)
        usage = Usage(prompt_tokens=len(tokens))
        return Response(lambda response: self._generate(tokens, options, matcher, usage, response), usage)

    def _generate(
        self,
        prompt_tokens: list[int],
        options: GenerationOptions,
        matcher: Any,
        usage: Usage,
        response: Response,
    ) -> Iterator[str]:
        with self._lock:
            decoder = codecs.getincrementaldecoder("utf-8")("replace")
            rng = np.random.default_rng(options.seed)
            greedy = options.temperature <= 0
            lookup = options.lookup_text if (greedy and options.lookup_text) else None
            logits = self._feed_prompt(prompt_tokens, usage)
            produced: list[int] = []
            text_so_far = ""
            response.finish_reason = "length"
            while len(produced) < options.max_tokens:
                allowed = self._allowed(matcher)
                token = self._pick(logits, allowed, greedy, options, rng)
                if self._is_end(token, matcher):
                    response.finish_reason = "stop"
                    break
                batch = [token]
                if matcher is not None:
                    matcher.consume_token(token)
                    batch += self._forced(matcher)
                batch = batch[: options.max_tokens - len(produced)]
                budget = options.max_tokens - len(produced) - len(batch)
                piece = self._detokenize(batch, decoder)
                produced += batch
                text_so_far += piece
                if piece:
                    yield piece
                if matcher is not None and matcher.is_stopped():
                    # The JSON is complete: no need to evaluate the last tokens at all.
                    response.finish_reason = "stop"
                    break
                if is_looping(produced):
                    response.finish_reason = "repetition"
                    break
                draft: list[int] = []
                if lookup is not None and budget > 0:
                    draft = self._draft(lookup, text_so_far, matcher)[:budget]
                rows = self._eval(batch + draft, usage, all_logits=bool(draft))
                logits = rows[len(batch) - 1] if draft else rows[-1]
                if draft:
                    accepted = self._verify(draft, rows[len(batch) - 1 :], matcher)
                    if accepted < len(draft):
                        self._forget_after(len(self._past) - (len(draft) - accepted))
                    if accepted:
                        kept = draft[:accepted]
                        produced += kept
                        more = self._detokenize(kept, decoder)
                        text_so_far += more
                        if more:
                            yield more
                        logits = rows[len(batch) - 1 + accepted]
                    if matcher is not None and matcher.is_stopped():
                        response.finish_reason = "stop"
                        break
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            usage.completion_tokens = len(produced)

    def _feed_prompt(self, tokens: list[int], usage: Usage) -> npt.NDArray[np.float32]:
        """Evaluate the prompt, reusing the part already in the KV cache (system prompt, schema).

        Prompt tokens are always evaluated in the same fixed, aligned chunks, and
        the cache is reused only up to a chunk boundary: a batched pass rounds
        differently from other batch shapes, and without the alignment the same
        request could get a different answer depending on what ran before it.
        """
        keep = 0
        for a, b in zip(self._past, tokens, strict=False):
            if a != b:
                break
            keep += 1
        keep = min(keep, len(tokens) - 1) // PROMPT_CHUNK * PROMPT_CHUNK
        self._forget_after(keep)
        usage.cached_prompt_tokens = keep
        rows: list[npt.NDArray[np.float32]] = []
        for start in range(keep, len(tokens), PROMPT_CHUNK):
            rows = self._eval(tokens[start : start + PROMPT_CHUNK], usage, all_logits=False)
        return rows[-1]

    def _forget_after(self, n_keep: int) -> None:
        self._llm._ctx.kv_cache_seq_rm(0, n_keep, -1)
        del self._past[n_keep:]

    def _eval(
        self, tokens: Sequence[int], usage: Usage, *, all_logits: bool
    ) -> list[npt.NDArray[np.float32]]:
        """One forward pass per ``n_batch`` chunk; returns logits rows (all, or only the last)."""
        rows: list[npt.NDArray[np.float32]] = []
        n_batch = self._llm.n_batch
        llama_cpp = self._llama_cpp
        for start in range(0, len(tokens), n_batch):
            chunk = list(tokens[start : start + n_batch])
            batch = self._llm._batch
            batch.set_batch(batch=chunk, n_past=len(self._past), logits_all=all_logits)
            status = llama_cpp.llama_decode(self._llm._ctx.ctx, batch.batch)
            if status != 0:
                raise ModelError(f"llama.cpp failed to evaluate {len(chunk)} tokens (status {status})")
            usage.forward_passes += 1
            self._past.extend(chunk)
            # Views into llama.cpp's logits buffer, not copies (600 kB a row for a 150k vocabulary):
            # every caller is done with them before the next evaluation overwrites the buffer.
            rows = []
            wanted = range(len(chunk)) if all_logits else [len(chunk) - 1]
            for index in wanted:
                pointer = llama_cpp.llama_get_logits_ith(self._llm._ctx.ctx, index)
                rows.append(
                    np.ctypeslib.as_array(
                        ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)), (self.n_vocab,)
                    )
                )
        return rows

    # -- token choice -------------------------------------------------------------------------------

    def _allowed(self, matcher: Any) -> npt.NDArray[np.bool_] | None:
        if matcher is None:
            return None
        if matcher.is_error():
            raise ModelError(f"grammar matcher failed: {matcher.get_error()}")
        bits = np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8)
        allowed: npt.NDArray[np.bool_] = np.unpackbits(bits, bitorder="little")[: self.n_vocab].astype(bool)
        return allowed

    def _pick(
        self,
        logits: npt.NDArray[np.float32],
        allowed: npt.NDArray[np.bool_] | None,
        greedy: bool,
        options: GenerationOptions,
        rng: np.random.Generator,
    ) -> int:
        if allowed is not None:
            logits = np.where(allowed, logits, -np.inf).astype(np.float32)
            if not np.isfinite(logits).any():
                raise ModelError("the grammar allows no token here; the schema may be unsatisfiable")
        if greedy:
            return int(np.argmax(logits))
        scaled = (logits - logits.max()) / options.temperature
        probs = np.exp(scaled)
        probs /= probs.sum()
        order = np.argsort(-probs)
        cumulative = np.cumsum(probs[order])
        cut = int(np.searchsorted(cumulative, options.top_p)) + 1
        kept = order[:cut]
        return int(rng.choice(kept, p=probs[kept] / probs[kept].sum()))

    def _is_end(self, token: int, matcher: Any) -> bool:
        if matcher is not None:
            # The mask only offers end-of-generation once the JSON is complete.
            return token in self._eog_tokens
        return bool(self._llama_cpp.llama_vocab_is_eog(self._vocab, token))

    @staticmethod
    def _forced(matcher: Any) -> list[int]:
        forced: list[int] = matcher.compute_ff_tokens()
        if forced:
            matcher.consume_tokens(forced)
        return forced

    def _draft(self, lookup: str, text_so_far: str, matcher: Any) -> list[int]:
        """Propose the input text's continuation of what was just written (prompt-lookup decoding)."""
        tail = text_so_far[-LOOKUP_TAIL_CHARS:]
        for length in range(len(tail), 0, -1):
            suffix = tail[-length:]
            if length == 1 and not suffix.isalnum():
                break
            found = lookup.find(suffix)
            if found < 0:
                continue
            continuation = lookup[found + length : found + length + DRAFT_MAX_CHARS]
            if not continuation:
                return []
            draft = self.tokenize_plain(continuation)[:DRAFT_MAX_TOKENS]
            if matcher is not None:
                draft = draft[: matcher.validate_tokens(draft)]
            return draft
        return []

    def _verify(self, draft: list[int], rows: list[npt.NDArray[np.float32]], matcher: Any) -> int:
        """How many drafted tokens greedy decoding would itself have chosen (consumed in the matcher)."""
        accepted = 0
        for token, logits in zip(draft, rows, strict=False):
            allowed = self._allowed(matcher)
            if allowed is not None:
                logits = np.where(allowed, logits, -np.inf).astype(np.float32)
            if int(np.argmax(logits)) != token:
                break
            if matcher is not None:
                matcher.consume_token(token)
            accepted += 1
            if matcher is not None and matcher.is_stopped():
                break
        return accepted

    def _detokenize(self, tokens: list[int], decoder: codecs.IncrementalDecoder) -> str:
        raw: bytes = self._llm.detokenize(tokens, special=False)
        return str(decoder.decode(raw))
