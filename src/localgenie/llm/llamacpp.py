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
import itertools
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..config import default_threads
from ..errors import BadInput, ContextOverflow, ModelError
from ._drafting import Drafter, is_looping
from ._llama import LlamaInternals
from .base import BackendInfo, Constraint, GenerationOptions, Message, Response, Token, TokenKind, Usage
from .models import check_gguf_file

__all__ = ["LlamaCppBackend", "is_looping"]

PROMPT_CHUNK = 128


@dataclass(frozen=True)
class _Request:
    """One prompt's generation: its tokens (``starts``: where each message begins), the options, the
    grammar's matcher (None: unconstrained) and the usage the response reports."""

    tokens: list[int]
    starts: list[int]
    options: GenerationOptions
    matcher: Any
    usage: Usage


class LlamaCppBackend:
    """A GGUF model loaded once and shared; one generation at a time (a lock guards the context)."""

    def __init__(self, model_path: Path, *, n_ctx: int = 4096, n_threads: int | None = None) -> None:
        check_gguf_file(model_path)
        _passive_openmp()
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
        self._internals = LlamaInternals(self._llm)
        self.n_vocab = self._internals.n_vocab
        self._vocab = llama_cpp.llama_model_get_vocab(self._llm.model)
        self._eog_tokens = sorted(
            {t for t in (self._llm.token_eos(), llama_cpp.llama_vocab_eot(self._vocab)) if t >= 0}
        )
        self._lock = threading.Lock()
        self._past: list[int] = []  # tokens whose keys/values are in the KV cache
        self._past_chunks: list[int] = []  # end positions of the prompt chunks they were evaluated in
        self._lltokenizer: Any = None
        self._formatter = self._chat_formatter()
        self._prefix_formatter = self._chat_formatter(generation_prompt=False)
        self.info = BackendInfo(
            kind="embedded",
            model=model_path.name,
            context_length=n_ctx,
            details={"path": str(model_path), "threads": threads},
        )

    def close(self) -> None:
        self._llm.close()

    # -- prompt formatting and token counting -------------------------------------------------------

    def _chat_formatter(self, *, generation_prompt: bool = True) -> Any:
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
            template=template,
            eos_token=piece(self._llm.token_eos()),
            bos_token=piece(self._llm.token_bos()),
            add_generation_prompt=generation_prompt,
        )

    def format_prompt(self, messages: list[Message]) -> list[int]:
        return self._format(messages)[0]

    def _format(self, messages: list[Message]) -> tuple[list[int], list[int]]:
        """The prompt's tokens, and the token index where each message after the first (and the
        generation prompt) starts.

        The starts are where prompt chunks begin (see `_feed_prompt`): found by
        formatting each prefix of the conversation and keeping those whose tokens
        are a prefix of the whole prompt's (true for ChatML-style templates).
        """
        chat = [{"role": m.role, "content": m.content} for m in messages]
        result = self._formatter(messages=chat)
        add_bos = not result.added_special
        tokens: list[int] = self._llm.tokenize(result.prompt.encode("utf-8"), add_bos=add_bos, special=True)
        starts: list[int] = []
        # Up to len(chat): the generation prompt ("<|im_start|>assistant\n") starts a chunk of its own, so a
        # retry, which continues the conversation, finds every chunk of the first attempt's prompt cached.
        for end in range(1, len(chat) + 1):
            prefix = self._prefix_formatter(messages=chat[:end]).prompt
            if not result.prompt.startswith(prefix):
                continue
            head = self._llm.tokenize(prefix.encode("utf-8"), add_bos=add_bos, special=True)
            if 0 < len(head) < len(tokens) and tokens[: len(head)] == head:
                starts.append(len(head))
        return tokens, starts

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def forget(self, messages: list[Message] | None = None, keep: int = 1) -> None:
        """Drop what the KV cache holds past the first ``keep`` messages of ``messages`` (all of it,
        without ``messages``): the next prompt pays for the rest again.  Benchmarks use it to time two
        runs of one prompt alike (the second would otherwise find the whole prompt cached)."""
        end = 0
        if messages is not None and keep > 0:
            starts = self._format(messages)[1]
            end = starts[keep - 1] if keep - 1 < len(starts) else 0
        with self._lock:
            self._forget_after(min(end, len(self._past)))

    def tokenize_plain(self, text: str) -> list[int]:
        tokens: list[int] = self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        return tokens

    def detokenize(self, tokens: Sequence[int]) -> str:
        return str(self._llm.detokenize(list(tokens), special=False).decode("utf-8", "replace"))

    @property
    def end_of_turn(self) -> int:
        """The token that ends an answer in this model's chat template (what fine-tuning teaches it to
        write after the JSON): end-of-turn where the vocabulary has one, else end-of-sequence."""
        eot = int(self._llama_cpp.llama_vocab_eot(self._vocab))
        return eot if eot >= 0 else int(self._llm.token_eos())

    def matcher_for(self, constraint: Constraint) -> Any:
        """A fresh llguidance matcher for ``constraint`` on this model's vocabulary (checks, training)."""
        return self._matcher(GenerationOptions(constraint=constraint))

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
        tokens, starts = self._format(messages)
        if len(tokens) + options.max_tokens > self.n_ctx:
            raise ContextOverflow(
                f"the prompt is {len(tokens):,} tokens and {options.max_tokens:,} are reserved for the "
                "answer, "
                f"but the model's context holds {self.n_ctx:,}; shorten the text"
            )
        request = _Request(tokens, starts, options, self._matcher(options), Usage(prompt_tokens=len(tokens)))
        return Response(lambda response: self._generate(request, response), request.usage)

    def _matcher(self, options: GenerationOptions) -> Any:
        """A fresh llguidance matcher for the constraint's grammar (matchers are stateful)."""
        constraint = options.constraint
        if constraint is None:
            return None
        if constraint.grammar is None:
            raise BadInput(
                "the embedded model needs the constraint compiled to a grammar: build it with "
                "localgenie.structured.json_constraint(schema)"
            )
        from llguidance import LLMatcher

        matcher = LLMatcher(self.lltokenizer, constraint.grammar, log_level=0)
        if matcher.is_error():
            raise BadInput(f"cannot build a token matcher for the constraint: {matcher.get_error()}")
        return matcher

    def _generate(self, request: _Request, response: Response) -> Iterator[Token]:
        with self._lock:
            greedy = request.options.temperature <= 0
            lookup = request.options.lookup_text if greedy else None
            drafter = Drafter(lookup, self.tokenize_plain) if lookup else None
            produced: list[int] = []
            usage = request.usage
            response.finish_reason = "length"
            try:
                yield from self._decode(request, response, drafter, produced)
            finally:  # also when the reader stops early: usage says what was generated
                usage.completion_tokens = len(produced)
                if drafter is not None:
                    usage.drafted_tokens += drafter.stats.drafted
                    usage.accepted_draft_tokens += drafter.stats.accepted

    def _decode(
        self, request: _Request, response: Response, drafter: Drafter | None, produced: list[int]
    ) -> Iterator[Token]:
        """The decoding loop: forced runs, sampled tokens and verified drafts, appended to ``produced``."""
        options, matcher, usage = request.options, request.matcher, request.usage
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        rng = np.random.default_rng(options.seed)
        greedy = options.temperature <= 0
        logits = self._feed_prompt(request.tokens, request.starts, usage)
        written = ""

        def emit(token: int, logprob: float | None, kind: TokenKind) -> Token:
            nonlocal written
            piece = str(decoder.decode(self._llm.detokenize([token], special=False)))
            produced.append(token)
            written += piece
            return Token(piece, token, logprob, kind)

        while len(produced) < options.max_tokens:
            # Tokens the grammar already forces (the opening '{"name":"', the rest of an enum value)
            # need no sampling: they are evaluated as one batch with whatever follows.
            steps: list[tuple[int, float | None, TokenKind]] = []
            if matcher is not None:
                steps = [(t, 0.0, "forced") for t in self._forced(matcher)]
            if not steps:
                token, chosen = self._pick(logits, self._allowed(matcher), greedy, options, rng)
                if self._is_end(token, matcher):
                    response.finish_reason = "stop"
                    break
                steps = [(token, chosen, "sampled")]
                if matcher is not None:
                    matcher.consume_token(token)
                    steps += [(t, 0.0, "forced") for t in self._forced(matcher)]
            steps = steps[: options.max_tokens - len(produced)]
            batch = [step for step, _, _ in steps]
            for step, logprob, kind in steps:
                yield emit(step, logprob, kind)
            if matcher is not None and matcher.is_stopped():
                # The JSON is complete: no need to evaluate the last tokens at all.
                response.finish_reason = "stop"
                break
            if is_looping(produced, written, drafter.source if drafter else None):
                response.finish_reason = "repetition"
                break
            draft: list[int] = []
            if drafter is not None:
                draft = drafter.propose(written, options.max_tokens - len(produced))
                if draft and matcher is not None:
                    draft = draft[: matcher.validate_tokens(draft)]
            rows = self._eval(batch + draft, usage, logits_from=len(batch) - 1)
            logits = rows[0]
            if draft and drafter is not None:
                kept = self._verify(draft, rows, matcher)
                before = len(written)
                if len(kept) < len(draft):
                    self._forget_after(len(self._past) - (len(draft) - len(kept)))
                for token, logprob in kept:
                    yield emit(token, logprob, "drafted")
                drafter.record(len(draft), len(kept), len(written) - before)
                logits = rows[len(kept)]
                if matcher is not None and matcher.is_stopped():
                    response.finish_reason = "stop"
                    break
        tail = decoder.decode(b"", final=True)
        if tail:
            yield Token(tail, None, None, "sampled")

    def _feed_prompt(self, tokens: list[int], starts: list[int], usage: Usage) -> npt.NDArray[np.float32]:
        """Evaluate the prompt, reusing what the KV cache already holds of it (system prompt, schema).

        Each message is evaluated in fixed chunks counted from its own first
        token, and the cache is reused only up to a chunk end that the cached
        tokens were evaluated with as well.  A batched pass rounds differently
        from other batch shapes, so this is what makes an answer independent of
        what ran before it, while a whole shared system prompt (or the whole
        first attempt, on a retry) is still reused.
        """
        chunks = _chunk_ends(len(tokens), starts)
        common = 0
        for a, b in zip(self._past, tokens, strict=False):
            if a != b:
                break
            common += 1
        keep = 0
        for mine, theirs in zip(chunks, self._past_chunks, strict=False):
            if mine != theirs or mine > min(common, len(tokens) - 1):
                break
            keep = mine
        self._forget_after(keep)
        self._past_chunks = [end for end in self._past_chunks if end <= keep]
        usage.cached_prompt_tokens = keep
        rows: list[npt.NDArray[np.float32]] = []
        begin = keep
        for end in chunks:
            if end <= keep:
                continue
            rows = self._eval(tokens[begin:end], usage, logits_from=end - begin - 1)
            self._past_chunks.append(end)
            begin = end
        return rows[-1]

    def _forget_after(self, n_keep: int) -> None:
        self._internals.remove_after(n_keep)
        del self._past[n_keep:]
        while self._past_chunks and self._past_chunks[-1] > n_keep:
            self._past_chunks.pop()

    def _eval(
        self, tokens: Sequence[int], usage: Usage, *, logits_from: int
    ) -> list[npt.NDArray[np.float32]]:
        """Evaluate ``tokens``; logits rows for positions ``logits_from`` onwards (views, see `logits`).

        Rows nobody reads are not computed: the output layer is a large share of
        a small model's work per token.
        """
        n_batch = self._internals.n_batch
        head: Sequence[int] = []
        if len(tokens) > n_batch:  # only a huge forced run: evaluate its start in passes of its own
            head, tokens, logits_from = tokens[:logits_from], tokens[logits_from:], 0
        for start in range(0, len(head), n_batch):
            chunk = list(head[start : start + n_batch])
            self._internals.decode(chunk, len(self._past), logits_from=len(chunk) - 1)
            usage.forward_passes += 1
            self._past.extend(chunk)
        if len(tokens) > n_batch:
            raise ModelError(f"cannot verify {len(tokens)} tokens in one batch of at most {n_batch}")
        self._internals.decode(list(tokens), len(self._past), logits_from=logits_from)
        usage.forward_passes += 1
        self._past.extend(tokens)
        return [self._internals.logits(i) for i in range(logits_from, len(tokens))]

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
    ) -> tuple[int, float]:
        """The next token and its log-probability under the mask (the model's own distribution)."""
        logits = _masked(logits, allowed)
        if allowed is not None and not np.isfinite(logits).any():
            raise ModelError("the grammar allows no token here; the schema may be unsatisfiable")
        top = float(logits.max())
        if greedy:
            token = int(np.argmax(logits))
        else:
            scaled = (logits - top) / options.temperature
            probs = np.exp(scaled)
            probs /= probs.sum()
            order = np.argsort(-probs)
            cumulative = np.cumsum(probs[order])
            cut = int(np.searchsorted(cumulative, options.top_p)) + 1
            kept = order[:cut]
            token = int(rng.choice(kept, p=probs[kept] / probs[kept].sum()))
        return token, _log_prob(logits, token, top)

    def _is_end(self, token: int, matcher: Any) -> bool:
        if matcher is not None:
            # The mask only offers end-of-generation once the JSON is complete.
            return token in self._eog_tokens
        return bool(self._llama_cpp.llama_vocab_is_eog(self._vocab, token))

    @staticmethod
    def _forced(matcher: Any) -> list[int]:
        if matcher.is_stopped():
            return []
        forced: list[int] = matcher.compute_ff_tokens()
        if forced:
            matcher.consume_tokens(forced)
        return forced

    def _verify(
        self, draft: list[int], rows: list[npt.NDArray[np.float32]], matcher: Any
    ) -> list[tuple[int, float]]:
        """The drafted tokens greedy decoding would itself have chosen, with their log-probabilities.

        ``rows[i]`` is the distribution before ``draft[i]``; accepted tokens are consumed by the matcher.
        """
        kept: list[tuple[int, float]] = []
        for token, row in zip(draft, rows, strict=False):
            logits = _masked(row, self._allowed(matcher))
            if int(np.argmax(logits)) != token:
                break
            if matcher is not None:
                matcher.consume_token(token)
            kept.append((token, _log_prob(logits, token, float(logits[token]))))
            if matcher is not None and matcher.is_stopped():
                break
        return kept


def _masked(
    logits: npt.NDArray[np.float32], allowed: npt.NDArray[np.bool_] | None
) -> npt.NDArray[np.float32]:
    """The logits with every token the grammar forbids at -inf (a copy; the row itself is left alone)."""
    if allowed is None:
        return logits
    return np.where(allowed, logits, -np.inf).astype(np.float32)


def _log_prob(logits: npt.NDArray[np.float32], token: int, top: float) -> float:
    """log softmax(logits)[token], computed around ``top`` (the maximum logit) for stability."""
    return float(logits[token]) - top - float(np.log(np.exp(logits - top, dtype=np.float64).sum()))


def _passive_openmp() -> None:
    """Make llama.cpp's OpenMP threads sleep, not spin, while they wait (unless the user chose).

    llama.cpp is built with OpenMP, whose threads spin-wait between operations by default.  When
    anything else wants a core (a TubeTalk job, a second process, a test run) a spinning thread and a
    descheduled one wait for each other at every barrier: on 2 cores under load the same 30 tiny
    extractions took 221 s spinning and 8.7 s passive (`bench/contention.py`).  libgomp reads the
    variable when llama.cpp's library loads, so this must run before ``import llama_cpp``.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _chunk_ends(n_tokens: int, starts: list[int]) -> list[int]:
    """End positions of the prompt's chunks: PROMPT_CHUNK tokens at most, never across a message start."""
    ends: list[int] = []
    bounds = [0, *[s for s in starts if 0 < s < n_tokens], n_tokens]
    for begin, end in itertools.pairwise(bounds):
        ends.extend(range(begin + PROMPT_CHUNK, end, PROMPT_CHUNK))
        ends.append(end)
    return ends
