"""Theme labels and summaries: the only place TubeTalk may use an LLM, and the guard rails around it.

The pipeline takes a *labeller* — any ``Callable[[ThemeInput], ThemeSummary]`` — so it runs end to end
without a model (:func:`keyword_labeller`, deterministic) and with one (:func:`llm_labeller`, built on
``localgenie.extract``).  Whatever a labeller returns is treated as untrusted: every quote must be a
verbatim substring of a real comment (:func:`verify_quotes`), otherwise it is dropped.

Comments are data, never instructions: ``extract`` fences its input and tells the model so; here each
comment is one JSON string literal on its own line (quotes and newlines escaped, the fence defused), so
a comment cannot close the data block or pose as part of the prompt, and the overall summary is built
only from theme summaries (map-reduce), never from the raw comment dump.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

# Prompt tokens cost ~1/37 s each with the `default` model on 2 cores (MEASURED.md): six comments of at
# most 200 characters keep one theme's prompt near 300 tokens, so 8 themes fit the 180 s budget.
MAX_PROMPT_COMMENTS = 6
MAX_PROMPT_CHARS = 200
# A filled ThemeSummary is ~100 tokens; the cap stops a looping small model early (extract's default is
# 1024 tokens × 3 attempts: ~4 min per theme with `default`).  A failed theme gets the keyword label.
LLM_OPTIONS: dict[str, Any] = {"max_tokens": 200, "max_retries": 1}
MIN_QUOTE_CHARS = 4


def _bounded(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be empty")
        return value[:limit]

    return check


# No minLength/maxLength in the JSON Schema on purpose: with llguidance 1.9.1 a string maxLength made one
# `tiny` extraction take 50-90 s instead of 2 s (measured).  Lengths are bounded after decoding instead
# (and decoding by extract's max_tokens, LLM_OPTIONS below).
ShortText = Annotated[str, AfterValidator(_bounded(60))]
Sentence = Annotated[str, AfterValidator(_bounded(300))]
Paragraph = Annotated[str, AfterValidator(_bounded(800))]


class ThemeSummary(BaseModel):
    """What the LLM fills for one theme (flat and short so a 135M model can fill it)."""

    label: ShortText = Field(description="topic of these comments, 2 to 5 words")
    summary: Sentence = Field(description="one sentence: what these viewers say")
    quotes: list[str] = Field(
        default_factory=list, description="1-3 short phrases copied exactly from the comments", max_length=3
    )


class OverallSummary(BaseModel):
    """What the LLM fills from the theme summaries."""

    summary: Paragraph = Field(description="2 or 3 sentences: what the audience thinks and wants")


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
    return ThemeSummary(label=label[:80], summary=summary[:400], quotes=quotes)


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


Extract = Callable[..., Any]


def _as_data(text: str) -> str:
    """One comment as a JSON string literal: quotes and newlines escaped, and the ``<<<``/``>>>`` fence
    that ``localgenie.extract`` puts around its input defused, so a comment cannot end the data block."""
    return json.dumps(text[:MAX_PROMPT_CHARS], ensure_ascii=False).replace("<<<", "‹‹‹").replace(">>>", "›››")


def theme_prompt(theme: ThemeInput) -> str:
    """The text ``extract`` reads for one theme: only data (what to do is in the schema's descriptions).

    ``extract`` already fences its input and tells the model it is data, not instructions; a short
    prompt also keeps small models from echoing the instructions back as the label.
    """
    lines = [f"Keywords: {', '.join(theme.keywords[:5])}"] if theme.keywords else []
    lines += [f"{n}. {_as_data(c)}" for n, c in enumerate(theme.comments[:MAX_PROMPT_COMMENTS], start=1)]
    return "\n".join(lines)


def plausible(summary: ThemeSummary, prompt: str) -> bool:
    """Reject what small models produce when they fail: the prompt's scaffolding echoed back, or a loop.

    Schema-valid is not the same as useful; a rejected summary is replaced by the keyword labeller's.
    """
    if summary.label.strip().lower().rstrip(":") in (
        "keywords",
        "keyword",
        "label",
        "topic",
        "summary",
        "theme",
    ):
        return False
    return _plausible_text((summary.label, summary.summary), prompt)


def _plausible_text(texts: tuple[str, ...], prompt: str) -> bool:
    scaffolding = ("Keywords:", '1. "', "YouTube comments about", "Themes in a YouTube")
    for text in texts:
        if any(s in text for s in scaffolding) or (len(text) > 12 and text in prompt and "\n" in text):
            return False
        words = text.lower().split()
        grams = [" ".join(words[i : i + 4]) for i in range(max(0, len(words) - 3))]
        if grams and max(grams.count(g) for g in set(grams)) >= 3:
            return False
    return True


def overall_prompt(themes: list[tuple[str, str, int]]) -> str:
    """Reduce step: only theme labels, summaries and sizes — never raw comments."""
    lines = ["Themes in a YouTube video's comments (largest first):"]
    lines += [
        f"- {_as_data(label)} ({size} comments): {_as_data(summary)}" for label, summary, size in themes
    ]
    return "\n".join(lines)


def llm_labeller(extract: Extract, *, model: str | None = None) -> ThemeLabeller:
    """A labeller that asks ``extract(prompt, ThemeSummary, model=...)`` (i.e. ``localgenie.extract``)."""

    def label(theme: ThemeInput) -> ThemeSummary:
        prompt = theme_prompt(theme)
        result = ThemeSummary.model_validate(extract(prompt, ThemeSummary, model=model, **LLM_OPTIONS))
        return result if plausible(result, prompt) else keyword_labeller(theme)

    return label


def llm_overall(extract: Extract, *, model: str | None = None) -> OverallSummarizer:
    def summarise(themes: list[tuple[str, str, int]]) -> OverallSummary:
        prompt = overall_prompt(themes)
        result = OverallSummary.model_validate(extract(prompt, OverallSummary, model=model, **LLM_OPTIONS))
        return result if _plausible_text((result.summary,), prompt) else keyword_overall(themes)

    return summarise


# ---------------------------------------------------------------- quote check


def verify_quotes(
    quotes: Sequence[str], preferred: Sequence[tuple[str, str]], everything: Sequence[tuple[str, str]] = ()
) -> tuple[list[VerifiedQuote], list[str]]:
    """Keep quotes that occur verbatim in a real comment; return (kept, dropped).

    ``preferred`` and ``everything`` are ``(comment_id, text)`` pairs: the theme's own comments are
    searched first so a quote links to the comment it most likely came from.  Only surrounding
    whitespace and wrapping quote marks are forgiven — a paraphrase is not a quote.
    """
    kept: list[VerifiedQuote] = []
    dropped: list[str] = []
    seen: set[str] = set()
    for raw in quotes:
        quote = raw.strip().strip("\"'“”‘’").strip()
        if len(quote) < MIN_QUOTE_CHARS or quote in seen:
            dropped.append(raw)
            continue
        source = next((cid for cid, text in preferred if quote in text), None)
        if source is None:
            source = next((cid for cid, text in everything if quote in text), None)
        if source is None:
            dropped.append(raw)
            continue
        seen.add(quote)
        kept.append(VerifiedQuote(text=quote, comment_id=source))
    return kept, dropped
