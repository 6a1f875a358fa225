"""Theme labels and summaries: the only place TubeTalk may use an LLM, and the guard rails around it.

The pipeline takes a *labeller* — any ``Callable[[ThemeInput], ThemeSummary]`` — so it runs end to end
without a model (:func:`keyword_labeller`, deterministic) and with one (:func:`llm_labeller`, built on
an ``Extractor`` such as ``localgenie.extract_details``).  Whatever a labeller returns is treated as
untrusted: every quote must be a verbatim substring of a real comment (:func:`verify_quotes`), otherwise
it is dropped.

Comments are data, never instructions: ``extract`` fences its input and tells the model so; here each
comment is one JSON string literal on its own line (quotes and newlines escaped, the fence defused), so
a comment cannot close the data block or pose as part of the prompt, and the overall summary is built
only from theme summaries (map-reduce), never from the raw comment dump.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, Field

from localgenie.llm import Backend, GenerationOptions, Message, Response, get_backend
from localgenie.structured import DEFAULT_MAX_RETRIES, Extraction, Extractor, Schema, extract_details

from .report_model import LLMUsage

# One theme's call costs prompt tokens (~40 tok/s with `default` on 2 cores) and generated tokens
# (~12 tok/s).  Four comments (two central, two most liked) cut to 120 UTF-8 bytes each keep a theme's
# prompt near 150 new tokens; bytes, not characters, because other scripts need more tokens a character.
MAX_PROMPT_COMMENTS = 4
MAX_COMMENT_BYTES = 120
MAX_OVERALL_THEMES = 8
# A filled ThemeSummary is 40-60 tokens (the schema bounds every string); the cap is a last guard.  No
# retry: a retry costs as much again and mostly fails the same way; a failed theme gets keyword labels.
LLM_MAX_TOKENS = 120
LLM_MAX_RETRIES = 0
MIN_QUOTE_CHARS = 4
MIN_SALVAGED_WORDS = 4


def _bounded(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
        return clean_cut(value, limit)

    return check


def clean_cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending cleanly if it had to be cut.

    The schema's length bound stops a model mid-word ("... appreciate the content they prod"): cut
    back to the last full sentence if that keeps a third of the text, else to the last whole word
    with an ellipsis.  Nothing is added but the ellipsis.
    """
    if len(text) < limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "), cut.rfind(".") if cut.endswith(".") else -1)
    if end >= limit // 3:
        return cut[: end + 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else cut[: limit - 1]).rstrip(" ,;:-") + "…"


# The JSON Schema bounds every string (``maxLength``) and asks for at least one quote, so the grammar
# stops a rambling or copying model mid-value instead of letting it run into max_tokens and fail the
# whole theme (the commonest failure of `default` on the 18k CSV without these bounds: 7 of 13 calls).
# An earlier note here measured 50-90 s for a `tiny` extraction with a string maxLength under
# llguidance 1.9.1; re-measured with these bounds: ~3 s, as without them.  The bounds are schema-only
# (``json_schema_extra``): the validators clip and normalise, so labellers that are not grammar-bound
# (keywords, tests, a remote server) need not count characters.
LABEL_CHARS = 40
SUMMARY_CHARS = 140
QUOTE_CHARS = 70
OVERALL_CHARS = 300
ShortText = Annotated[str, AfterValidator(_bounded(LABEL_CHARS))]
Sentence = Annotated[str, AfterValidator(_bounded(SUMMARY_CHARS))]
Paragraph = Annotated[str, AfterValidator(_bounded(OVERALL_CHARS))]


class ThemeSummary(BaseModel):
    """What the LLM fills for one theme (flat and short so a 135M model can fill it).

    The descriptions are the model's only instructions (``extract`` lists them in its system prompt,
    after a generic "copy values from the text"), so they say what a good value looks like and what
    not to do: copying a comment as the label or the summary was the commonest failure.  Two patterns
    steer by grammar what the descriptions alone did not: a label of at least two words (`default`
    answered "video", "film", "love"), and a summary that starts "Viewers " (it wrote "The text
    discusses ..." or continued a comment).
    """

    label: ShortText = Field(
        description="the topic in 2 to 5 of your own words, not a copied comment",
        json_schema_extra={"maxLength": LABEL_CHARS, "pattern": "^[^ ]+ [^ ]"},
    )
    summary: Sentence = Field(
        description="one sentence of at most 15 words: what these viewers say or want",
        json_schema_extra={"maxLength": SUMMARY_CHARS, "pattern": "^Viewers "},
    )
    quotes: list[str] = Field(
        description="1 or 2 telling phrases of 3 to 12 words, each copied exactly from one comment",
        max_length=3,
        # Two, not three: each quote is ~15 generated tokens (~1.3 s with `default`).
        json_schema_extra={
            "minItems": 1,
            "maxItems": 2,
            "items": {"type": "string", "maxLength": QUOTE_CHARS},
        },
    )


class OverallSummary(BaseModel):
    """What the LLM fills from the theme summaries (never from comments)."""

    summary: Paragraph = Field(
        description="2 or 3 short sentences for the video's creator: what viewers like, ask and want",
        # "Viewers mostly ": with "Viewers " `default` copied the two largest themes' summaries; this
        # opening made it name what runs across the themes (tried on the 18k CSV's 12 themes).
        json_schema_extra={"maxLength": OVERALL_CHARS, "pattern": "^Viewers mostly "},
    )


@dataclass(frozen=True)
class ThemeInput:
    """What a labeller sees of one theme: its keywords and its most representative comments."""

    keywords: list[str]
    comments: list[str]
    size: int


@dataclass(frozen=True)
class VerifiedQuote:
    text: str
    comment_id: str


ThemeLabeller = Callable[[ThemeInput], ThemeSummary]
OverallSummarizer = Callable[[list[tuple[str, str, int]]], OverallSummary]


# ---------------------------------------------------------------- deterministic fallback


def keyword_labeller(theme: ThemeInput) -> ThemeSummary:
    """Label from the top keywords, summary from counts, quote = the most central comment's start.

    Deterministic and model-free: used when no LLM is available, and in tests.
    """
    words = theme.keywords[:3]
    label = " / ".join(words) if words else "short reactions"
    summary = (
        f"{theme.size} comments mostly about {', '.join(theme.keywords[:5])}."
        if theme.keywords
        else f"{theme.size} short comments with few words (emoji, reactions)."
    )
    quotes = [_first_words(theme.comments[0])] if theme.comments else []
    return ThemeSummary(label=label, summary=summary, quotes=quotes)


def keyword_overall(themes: list[tuple[str, str, int]]) -> OverallSummary:
    """Deterministic overall summary: the largest themes and their share."""
    total = sum(size for _, _, size in themes) or 1
    parts = [f"{label} ({round(100 * size / total)}%)" for label, _, size in themes[:4]]
    text = "Main themes: " + "; ".join(parts) + "." if parts else "No themes were found."
    return OverallSummary(summary=text[:800])


def _first_words(text: str, limit: int = 120) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(" ")] if " " in cut else cut


# ---------------------------------------------------------------- LLM


class NoDrafting:
    """A backend that generates without prompt-lookup drafting (``GenerationOptions.lookup_text``).

    Drafting proposes 8 tokens copied from the input and verifies them in one batch; on 2 cores a
    9-token batch with `default` costs about as much as 4 single-token passes, so it pays only when
    most drafts are accepted.  A theme label is mostly free text, where the drafts are rejected:
    measured on the 18k CSV, a 120-token summary took 44 s with drafting and 9 s without, and even a
    quote-heavy answer (78 tokens, 3 long quotes) took 11.4 s with drafting and 6.2 s without.
    """

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.info = backend.info

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        return self._backend.prompt(messages, replace(options or GenerationOptions(), lookup_text=None))

    def count_tokens(self, text: str) -> int | None:
        return self._backend.count_tokens(text)


# Seconds of LLM time per model for one report, so the 18k-comment CSV stays within the issue's
# end-to-end targets (tiny ≤ 60 s, default ≤ 180 s): the other stages and start-up take ~17 s on 2 cores,
# and the budget is a deadline (a call starts only if it is expected to end within it).  Measured: 13
# calls of `default` in 122 s, 12 of `tiny` in 30 s (README, TubeTalk).  Other models: DEFAULT_LLM_SECONDS.
LLM_SECONDS = {"tiny": 30.0, "default": 140.0}
DEFAULT_LLM_SECONDS = 140.0


def labelling_extract(
    text: str,
    schema: Schema | type[BaseModel],
    *,
    model: str | None = None,
    max_tokens: int | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> Extraction[Any]:
    """``localgenie.extract_details`` on ``model``'s backend, without prompt-lookup drafting: an
    ``Extractor``.

    What the CLI and the bench pass to :func:`llm_labeller`: the answer is checked exactly as
    ``extract`` checks it, and the returned ``Extraction`` carries the token usage.  A caller that
    holds its own backend (the web app's shared model) wraps it in :class:`NoDrafting` the same way.
    """
    backend = NoDrafting(get_backend(model))
    return extract_details(text, schema, backend=backend, max_tokens=max_tokens, max_retries=max_retries)


SummaryT = TypeVar("SummaryT", bound=BaseModel)


def _ask(
    extract: Extractor, prompt: str, schema: type[SummaryT], model: str | None, usage: LLMUsage | None
) -> SummaryT:
    """One LLM call, its seconds and tokens counted in ``usage``."""
    started = time.perf_counter()
    try:
        result = extract(prompt, schema, model=model, max_tokens=LLM_MAX_TOKENS, max_retries=LLM_MAX_RETRIES)
    except Exception:
        if usage is not None:
            usage.failed += 1
        raise
    finally:
        if usage is not None:
            usage.calls += 1
            usage.seconds = round(usage.seconds + time.perf_counter() - started, 3)
    if usage is not None:
        usage.prompt_tokens += result.usage.prompt_tokens
        usage.cached_prompt_tokens += result.usage.cached_prompt_tokens
        usage.completion_tokens += result.usage.completion_tokens
    return schema.model_validate(result.value)


def clip(text: str, max_bytes: int) -> str:
    """The start of ``text`` within ``max_bytes`` of UTF-8, cut at a word boundary when there is one.

    A prefix, with no ellipsis added: whatever the model copies from it is still verbatim comment text.
    """
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    cut = raw[:max_bytes].decode("utf-8", "ignore")
    space = cut.rfind(" ")
    return cut[:space] if space > len(cut) // 2 else cut


def _as_data(text: str, max_bytes: int = MAX_COMMENT_BYTES) -> str:
    """One comment as a JSON string literal: quotes and newlines escaped, and the ``<<<``/``>>>`` fence
    that ``localgenie.extract`` puts around its input defused, so a comment cannot end the data block."""
    return json.dumps(clip(text, max_bytes), ensure_ascii=False).replace("<<<", "‹‹‹").replace(">>>", "›››")


# Comments written to an AI rather than to the creator.  Fencing and quoting comments as data was not
# enough: with them in the prompt, `tiny` answered "HACKED HACKED HACKED" / "Viewers say HACKED" for 5 of
# 7 attack phrasings (measured, see tests/tubetalk/test_injection.py).  Matches on the 18k CSV and
# the UCI spam CSVs (~20k comments): 3, all harmless (they are only kept from the LLM and from quotes).
_ADDRESSES_MODEL = re.compile(
    r"""(?ix)
    \b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(?:instructions?|prompts?|rules|above|previous)\b
    | \byou\s+are\s+now\s+(?:in|a|an|my|the|dan|free|unrestricted)\b
    | \bnew\s+(?:task|instructions?|role)\b
    | (?:^|[\s>])(?:system|assistant|developer)\s*:
    | </?\s*(?:comments?|system|instructions?|prompt|data)\s*>
    | ["']\s*(?:label|summary|quotes)\s*["']\s*:
    | \b(?:label|summar(?:y|ise|ize)|title)\b[^.!?\n]{0,30}\b(?:as|must|should)\b[^.!?\n]{0,20}["'“]
    | \bas\s+an?\s+(?:ai|llm|language\s+model)\b
    | \bprompt\s+injection\b
    """
)


def addresses_the_model(text: str) -> bool:
    """Does this comment try to instruct an AI that reads it ("ignore previous instructions ...")?

    Such comments are analysed and counted like any other, but never shown to the LLM and never quoted:
    they are not feedback for the creator, and a small model obeys them.  A pattern list cannot catch
    every phrasing; what slips through still meets the grammar (fixed fields, bounded lengths,
    summaries that start "Viewers ") and :func:`vet`.
    """
    return bool(_ADDRESSES_MODEL.search(text))


def _shown(theme: ThemeInput) -> list[str]:
    """The comments the LLM reads for a theme."""
    return [c for c in theme.comments if not addresses_the_model(c)][:MAX_PROMPT_COMMENTS]


def theme_prompt(theme: ThemeInput) -> str:
    """The text ``extract`` reads for one theme: only data (what to do is in the schema's descriptions).

    ``extract`` already fences its input and tells the model it is data, not instructions; a short
    prompt also keeps small models from echoing the instructions back as the label.  Comments that
    address the model are left out (:func:`addresses_the_model`).
    """
    lines = [f"Keywords: {', '.join(theme.keywords[:5])}"] if theme.keywords else []
    lines += [f"{n}. {_as_data(c)}" for n, c in enumerate(_shown(theme), start=1)]
    return "\n".join(lines)


_GENERIC_LABELS = {"keywords", "keyword", "label", "topic", "summary", "theme", "quotes", "comments"}
_FIRST_PERSON = re.compile(r"\bI\b|\bI['’](?:m|ve|d|ll)\b|\b[Mm]y\b")
# Longer "labels" are sentences (a small model starting a comment over): "This is a great video, thanks".
MAX_LABEL_WORDS = 6
_SCAFFOLDING = ("Keywords:", '1. "', "YouTube comments about", "Themes in a YouTube")


def _shingles(text: str, n: int) -> set[str]:
    words = text.lower().split()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def _echoes_instructions(text: str) -> bool:
    """Does ``text`` repeat a field description (small models copy them: "... 2 to 5 words")?"""
    fields = [*ThemeSummary.model_fields.values(), *OverallSummary.model_fields.values()]
    described = set().union(*(_shingles(f.description or "", 3) for f in fields))
    return bool(_shingles(text, 3) & described)


def _copied(text: str, comments: Sequence[str]) -> bool:
    """Is ``text`` mostly lifted from one comment (six words in a row) rather than written about them?"""
    grams = _shingles(text, 6)
    return bool(grams) and any(grams & _shingles(comment, 6) for comment in comments)


def vet(summary: ThemeSummary, theme: ThemeInput, prompt: str) -> tuple[ThemeSummary, int]:
    """The model's answer with each unusable field replaced by the keyword labeller's.

    Returns the vetted summary and how many of label/summary were replaced.  Unusable: an echo of the
    prompt, the keywords or the instructions, a loop, a sentence for a label, a first-person "summary",
    or (the commonest `default` failure) a comment copied as the label or summary — a quote belongs in
    ``quotes``, where code checks it.  These rules were written from `tiny` and `default` answers on
    the 18k CSV (bench/tubetalk.py --show); `tiny` trips them on most themes.  With both replaced the
    answer was junk and the keyword labeller's answer is returned whole.
    """
    fallback = keyword_labeller(theme)
    shown = _shown(theme)
    label_ok = (
        summary.label.strip().lower().rstrip(":") not in _GENERIC_LABELS
        and len(summary.label.split()) <= MAX_LABEL_WORDS
        and sum(ch.isalpha() for ch in summary.label) >= 3
        and _plausible_text((summary.label,), prompt)
        and not _echoes_instructions(summary.label)
        # The keyword line echoed ("Love, like, video, good, anh") or a comment's opening words.
        and len(set(re.findall(r"[^\W\d_]+", summary.label.lower())) & set(theme.keywords)) < 3
        and not any(_shingles(summary.label, 4) & _shingles(c, 4) for c in shown)
    )
    summary_ok = (
        # Four words with letters at least: "Viewers say: 1." is what `tiny` writes when it has nothing.
        len(re.findall(r"[^\W\d_]{2,}", summary.summary)) >= 4
        and _plausible_text((summary.summary,), prompt)
        and not _echoes_instructions(summary.summary)
        and not _copied(summary.summary, shown)
        # A summary is about viewers; "I've learned a lot" is a model writing as one.
        and not _FIRST_PERSON.search(summary.summary)
    )
    if not label_ok and not summary_ok:
        return fallback, 2
    return (
        ThemeSummary(
            label=summary.label if label_ok else fallback.label,
            summary=summary.summary if summary_ok else fallback.summary,
            quotes=summary.quotes,
        ),
        int(not label_ok) + int(not summary_ok),
    )


def _plausible_text(texts: tuple[str, ...], prompt: str) -> bool:
    for text in texts:
        if any(s in text for s in _SCAFFOLDING) or (len(text) > 12 and text in prompt and "\n" in text):
            return False
        # Any four words said twice: in 25 words that is a loop ("not only happy but also fulfilled and
        # happy to have a friend who is not only happy but also ..."), not a summary.
        words = text.lower().split()
        grams = [" ".join(words[i : i + 4]) for i in range(max(0, len(words) - 3))]
        if len(grams) != len(set(grams)):
            return False
    return True


def overall_prompt(themes: list[tuple[str, str, int]]) -> str:
    """Reduce step: only theme labels, summaries and sizes — never raw comments.

    The largest :data:`MAX_OVERALL_THEMES` themes only: with 12 themes the prompt was ~550 tokens and
    this one call cost as much as two theme calls, for themes a 3-sentence summary cannot mention anyway.
    """
    lines = ["Themes in a YouTube video's comments (largest first):"]
    lines += [
        f"- {_as_data(label)} ({size} comments): {_as_data(summary, SUMMARY_CHARS)}"
        for label, summary, size in themes[:MAX_OVERALL_THEMES]
    ]
    return "\n".join(lines)


def llm_labeller(
    extract: Extractor, *, model: str | None = None, usage: LLMUsage | None = None
) -> ThemeLabeller:
    """A labeller that asks ``extract(prompt, ThemeSummary, model=...)`` (e.g. :func:`labelling_extract`).

    Calls, tokens and seconds are added to ``usage`` when one is given.
    """

    def label(theme: ThemeInput) -> ThemeSummary:
        prompt = theme_prompt(theme)
        result, replaced = vet(_ask(extract, prompt, ThemeSummary, model, usage), theme, prompt)
        if usage is not None and replaced:
            usage.rejected += 1
        return result

    return label


def llm_overall(
    extract: Extractor, *, model: str | None = None, usage: LLMUsage | None = None
) -> OverallSummarizer:
    """The reduce step: one call over the theme labels and summaries (never the comments)."""

    def summarise(themes: list[tuple[str, str, int]]) -> OverallSummary:
        prompt = overall_prompt(themes)
        result = _ask(extract, prompt, OverallSummary, model, usage)
        if _plausible_text((result.summary,), prompt):
            return result
        if usage is not None:
            usage.rejected += 1
        return keyword_overall(themes)

    return summarise


# ---------------------------------------------------------------- quote check


def verify_quotes(
    quotes: Sequence[str], preferred: Sequence[tuple[str, str]], everything: Sequence[tuple[str, str]] = ()
) -> tuple[list[VerifiedQuote], list[str]]:
    """Keep quotes that occur verbatim in a real comment; return (kept, dropped).

    ``preferred`` and ``everything`` are ``(comment_id, text)`` pairs: the theme's own comments are
    searched first so a quote links to the comment it most likely came from.  Only surrounding
    whitespace and wrapping quote marks are forgiven — a paraphrase is not a quote.  A quote whose
    *ending* strays from the comment (the schema's length bound cuts a model mid-copy, and it ends on
    whatever token fits) is cut back to its longest verbatim run of whole words, if that keeps at least
    :data:`MIN_SALVAGED_WORDS` words; what is kept is always real comment text.
    """
    kept: list[VerifiedQuote] = []
    dropped: list[str] = []
    seen: set[str] = set()
    for raw in quotes:
        quote = raw.strip().strip("\"'“”‘’").strip()
        if len(quote) < MIN_QUOTE_CHARS or quote in seen:
            dropped.append(raw)
            continue
        found = next(((cid, text) for cid, text in preferred if quote in text), None)
        if found is None:
            found = next(((cid, text) for cid, text in everything if quote in text), None)
        if found is None:
            quote, found = _verbatim_start(quote, preferred)
        if found is not None:
            quote = _whole_words(quote, found[1])
        if found is None or quote in seen:
            dropped.append(raw)
            continue
        seen.add(quote)
        kept.append(VerifiedQuote(text=quote, comment_id=found[0]))
    return kept, dropped


def _verbatim_start(quote: str, comments: Sequence[tuple[str, str]]) -> tuple[str, tuple[str, str] | None]:
    """The longest start of ``quote`` (whole words, at least MIN_SALVAGED_WORDS) found in a comment."""
    words = quote.split(" ")
    for n in range(len(words) - 1, MIN_SALVAGED_WORDS - 1, -1):
        start = " ".join(words[:n]).rstrip(" ,;:")
        found = next(((cid, text) for cid, text in comments if start in text), None)
        if found is not None:
            return start, found
    return quote, None


def _whole_words(quote: str, text: str) -> str:
    """Drop a last word that the length bound cut in half ("... gets b" of "... gets better")."""
    end = text.find(quote) + len(quote)
    if end < len(text) and text[end].isalnum() and quote[-1].isalnum() and " " in quote:
        shorter = quote[: quote.rfind(" ")].rstrip(" ,;:")
        if len(shorter) >= MIN_QUOTE_CHARS:
            return shorter
    return quote
