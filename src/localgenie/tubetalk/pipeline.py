"""TubeTalk end to end: loaded comments → :class:`TubeTalkReport`.

Each stage is its own module with one input and one output; this module only wires them, times
them and reports progress.  The one model-dependent stage (theme labels) is injected as a callable,
so the same pipeline runs with an LLM, with the deterministic keyword labeller, or in tests.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import zip_longest
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from localgenie.errors import GenieError
from localgenie.structured import Extractor

from . import intent as intent_stage
from . import sentiment as sentiment_stage
from .clean import CleanComment, clean_and_dedupe
from .labels import (
    DEFAULT_LLM_SECONDS,
    LLM_SECONDS,
    OverallSummarizer,
    ThemeInput,
    ThemeLabeller,
    ThemeSummary,
    keyword_labeller,
    keyword_overall,
    llm_labeller,
    llm_overall,
    verify_quotes,
)
from .report_model import (
    CommentRef,
    Counts,
    LLMUsage,
    Mix,
    QuestionGroup,
    Quote,
    ThemeReport,
    TimeBucket,
    TubeTalkReport,
)
from .shards import ShardMap, cleaned_texts, one_shard, sentiment_and_intent, spam_flags, static_vectors
from .sources import LoadedComments
from .themes import Theme, add_keywords, cluster

# What each pipeline stage is called on a progress bar or a page, in pipeline order.
STAGE_LABELS = {
    "load": "reading comments",
    "clean": "clean + dedupe",
    "spam": "spam filter",
    "sentiment": "sentiment + intent",
    "embed": "embeddings",
    "themes": "themes",
    "labels": "theme labels",
    "lists": "questions",
}

ProgressCallback = Callable[[str, int, int], None]
QUESTION_SIMILARITY = 0.8
MAX_LISTED_SPAM = 500
LIST_LENGTH = 10
# Themes past this rank, or smaller than MIN_LLM_THEME_SIZE comments, get the keyword labeller: each
# LLM call costs seconds (~10 s with `default` on 2 cores, see labels.py), and a theme of a handful of
# comments is better shown by its comments than by a label.  12 = themes.MAX_THEMES: by default the
# time budget (``llm_seconds``), not the rank, decides.
MAX_LLM_THEMES = 12
MIN_LLM_THEME_SIZE = 5
# The overall summary's prompt lists up to 8 theme summaries: it costs about 1.5 theme calls.
OVERALL_CALL_COST = 1.5


@dataclass
class _LLMBudget:
    """When to stop asking the LLM: a deadline, and the calls so far to predict what the next costs.

    A call is started only if it is expected to end within the budget (median of the calls so far), and
    theme calls keep room for the overall summary, so the budget is a deadline, not a point after which
    one more slow call may still start.
    """

    seconds: float | None
    started: float = field(default_factory=time.perf_counter)
    calls: list[float] = field(default_factory=list)

    def allows(self, calls: float) -> bool:
        if self.seconds is None:
            return True
        elapsed = time.perf_counter() - self.started
        typical = statistics.median(self.calls) if self.calls else 0.0
        return elapsed + calls * typical <= self.seconds


@dataclass(frozen=True)
class LLMOptions:
    """The model-dependent stage of `analyze`: who labels the themes, who writes the overall summary,
    and what they may spend.

    ``max_themes`` and ``seconds`` bound the labeller: once either is used up, the remaining themes
    (and the overall summary) get the keyword labeller, so a slow model cannot push a run past its
    time budget.  Themes under :data:`MIN_LLM_THEME_SIZE` comments always do.  ``usage`` is the object
    the labeller counts its calls and tokens in; it is copied into the report, with the themes the
    labeller was not asked about.  ``name`` is the report's ``labeller`` (default: the labeller's name).
    """

    labeller: ThemeLabeller
    summarizer: OverallSummarizer | None = None
    name: str | None = None
    max_themes: int = MAX_LLM_THEMES
    seconds: float | None = None
    usage: LLMUsage | None = None

    @classmethod
    def from_extractor(
        cls,
        extract: Extractor,
        *,
        model: str | None = None,
        seconds: float | None = None,
        usage: LLMUsage | None = None,
    ) -> LLMOptions:
        """Labels and the overall summary from ``extract`` on ``model``, named ``llm:<model>``, within
        ``seconds`` (default: the model's budget in :data:`LLM_SECONDS`)."""
        name = model or "default"
        return cls(
            labeller=llm_labeller(extract, model=model, usage=usage),
            summarizer=llm_overall(extract, model=model, usage=usage),
            name=f"llm:{name}",
            seconds=seconds if seconds is not None else LLM_SECONDS.get(name, DEFAULT_LLM_SECONDS),
            usage=usage,
        )


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> NDArray[np.float32]: ...


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def analyze(
    loaded: LoadedComments,
    *,
    llm: LLMOptions | None = None,
    embedder: Embedder | None = None,
    progress: ProgressCallback | None = None,
    k: int | None = None,
    shards: ShardMap = one_shard,
    cluster_sample: int | None = None,
) -> TubeTalkReport:
    """Run every stage on ``loaded`` comments.  Without ``llm`` (`LLMOptions`: the labeller, the
    summarizer and their budget), themes get keyword labels.  ``k`` fixes the number of themes.
    ``shards`` runs the per-comment stages (`localgenie.tubetalk.shards`; a cluster's, e.g.
    ``localgenie.scale.tubetalk``): the report is the same whichever runs them.  ``cluster_sample``:
    fit the themes on a sample of that many comments and assign the rest (`themes.cluster`)."""
    stage_llm = llm or LLMOptions(keyword_labeller)  # keyword labels only: nothing to budget or count
    report_progress = progress or _no_progress
    timings: dict[str, float] = {}

    @contextmanager
    def stage(name: str, total: int = 1) -> Iterator[None]:
        report_progress(name, 0, total)
        started = time.perf_counter()
        yield
        timings[name] = round(time.perf_counter() - started, 3)
        report_progress(name, total, total)

    with stage("clean"):
        raw_texts = [comment.text for comment in loaded.comments]
        cleaned = clean_and_dedupe(
            loaded.comments, None if shards is one_shard else cleaned_texts(shards, raw_texts)
        )

    with stage("spam"):
        spam_scores = spam_flags(shards, [c.text for c in cleaned.comments])
        spam = [c for c, is_spam in zip(cleaned.comments, spam_scores, strict=True) if is_spam]
        kept = [c for c, is_spam in zip(cleaned.comments, spam_scores, strict=True) if not is_spam]
    texts = [c.text for c in kept]

    # Comments written to an AI rather than to the creator (``to_ai``) are counted (and in the sentiment
    # and intent mix) but never themed, shown to the LLM, quoted or listed: they are not feedback.
    with stage("sentiment"):
        compound, intents, to_ai = sentiment_and_intent(shards, texts)
        sentiments = sentiment_stage.labels(compound)

    with stage("embed"):
        if not texts:
            vectors = np.zeros((0, 1), dtype=np.float32)
        elif embedder is None:
            vectors = static_vectors(shards, texts)
        else:
            vectors = embedder.encode(texts)
    with stage("themes"):
        weights = np.asarray([c.likes + c.copies for c in kept], dtype=np.float64)
        themable = vectors.copy() if to_ai.any() else vectors
        themable[to_ai] = 0.0  # zero vectors are never themed (as emoji-only comments)
        themes, theme_of = (
            cluster(themable, weights, k=k, sample=cluster_sample)
            if texts
            else ([], np.zeros(0, dtype=np.int64))
        )
        add_keywords(themes, texts)

    chosen, summarizer, llm_usage = stage_llm.labeller, stage_llm.summarizer, stage_llm.usage
    with stage("labels", total=max(1, len(themes))):
        theme_reports = []
        # Quotes come only from comments that are feedback, never from ones written to an AI.
        pairs = [(c.id, c.text) for c, ai in zip(kept, to_ai, strict=True) if not ai]
        budget = _LLMBudget(stage_llm.seconds)
        reserve = OVERALL_CALL_COST if summarizer is not None else 0.0
        for done, theme in enumerate(themes, start=1):
            use_llm = (
                chosen is not keyword_labeller
                and done <= stage_llm.max_themes
                and len(theme.members) >= MIN_LLM_THEME_SIZE
                and budget.allows(1 + reserve)
            )
            if llm_usage is not None and chosen is not keyword_labeller and not use_llm:
                llm_usage.skipped += 1
            started = time.perf_counter()
            theme_labeller = chosen if use_llm else keyword_labeller
            theme_reports.append(_theme_report(theme, kept, sentiments, intents, theme_labeller, pairs))
            if use_llm:
                budget.calls.append(time.perf_counter() - started)
            report_progress("labels", done, len(themes))
        overall = _overall(theme_reports, summarizer if budget.allows(reserve) else None)

    with stage("lists"):
        listed = [label if not ai else "other" for label, ai in zip(intents, to_ai, strict=True)]
        questions = _top_questions(kept, listed, vectors)

    counts = Counts(
        loaded=loaded.stats.read,
        skipped=dict(loaded.stats.skipped),
        truncated=loaded.stats.truncated,
        duplicates_removed=cleaned.removed_duplicates,
        empty_after_cleaning=cleaned.removed_empty,
        spam=sum(c.copies for c in spam),
        analysed=len(kept),
        unthemed=int((theme_of < 0).sum()) if len(theme_of) else 0,
        addressed_to_ai=int(to_ai.sum()),
    )
    return TubeTalkReport(
        source=loaded.source,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        labeller="keywords" if llm is None else llm.name or str(getattr(llm.labeller, "__name__", "custom")),
        time_precision=loaded.stats.time_precision,
        counts=counts,
        languages_note=_languages_note(texts),
        overall_summary=overall,
        sentiment=Mix(counts=_mix(sentiments, ("positive", "neutral", "negative"))),
        intent=Mix(counts=_mix(intents, intent_stage.INTENTS)),
        sentiment_over_time=_over_time(kept, sentiments),
        themes=theme_reports,
        top_questions=questions,
        top_suggestions=_top_by_weight(kept, listed, "suggestion"),
        top_complaints=_top_by_weight(kept, listed, "complaint"),
        floods=[_ref(c) for c in cleaned.floods[:LIST_LENGTH]],
        spam=[_ref(c) for c in spam[:MAX_LISTED_SPAM]],
        stage_seconds=timings,
        llm=llm_usage.model_copy() if llm_usage is not None else None,
    )


def _ref(comment: CleanComment) -> CommentRef:
    return CommentRef(id=comment.id, text=comment.text, likes=comment.likes, copies=comment.copies)


def _mix(values: Sequence[str], keys: Sequence[str]) -> dict[str, int]:
    counted = Counter(values)
    return {key: counted.get(key, 0) for key in keys}


def _theme_report(
    theme: Theme,
    kept: list[CleanComment],
    sentiments: list[sentiment_stage.Sentiment],
    intents: list[intent_stage.Intent],
    labeller: ThemeLabeller,
    everything: list[tuple[str, str]],
) -> ThemeReport:
    # Central and most-liked comments interleaved, so a labeller that reads only the first few still
    # sees both what the theme is about and what viewers endorsed (the first stays the most central).
    interleaved = [i for pair in zip_longest(theme.central, theme.most_liked) for i in pair if i is not None]
    samples = list(dict.fromkeys(interleaved))
    theme_input = ThemeInput(
        keywords=theme.keywords,
        comments=[kept[i].text for i in samples],
        size=len(theme.members),
    )
    try:
        summary = labeller(theme_input)
    except (GenieError, ValidationError):
        # A model that cannot produce a valid label must not sink the report.
        summary = keyword_labeller(theme_input)
    if not isinstance(summary, ThemeSummary):
        summary = ThemeSummary.model_validate(summary)
    preferred = [(kept[i].id, kept[i].text) for i in theme.members]
    quotes, dropped = verify_quotes(summary.quotes, preferred, everything)
    if not quotes:
        # Every theme shows at least one real voice: the most central comment's opening words.
        quotes, _ = verify_quotes(keyword_labeller(theme_input).quotes, preferred, everything)
    texts_by_id = {cid: text for cid, text in everything if any(q.comment_id == cid for q in quotes)}
    total = len(kept) or 1
    return ThemeReport(
        index=theme.index,
        label=summary.label,
        summary=summary.summary,
        quotes=[
            Quote(text=q.text, comment_id=q.comment_id, comment_text=texts_by_id[q.comment_id])
            for q in quotes
        ],
        dropped_quotes=len(dropped),
        size=len(theme.members),
        share=round(len(theme.members) / total, 4),
        keywords=theme.keywords,
        cohesion=theme.cohesion,
        sentiment=Mix(
            counts=_mix([sentiments[i] for i in theme.members], ("positive", "neutral", "negative"))
        ),
        intent=Mix(counts=_mix([intents[i] for i in theme.members], intent_stage.INTENTS)),
        central=[_ref(kept[i]) for i in theme.central],
        most_liked=[_ref(kept[i]) for i in theme.most_liked],
    )


def _overall(themes: list[ThemeReport], summarizer: OverallSummarizer | None) -> str:
    rows = [(t.label, t.summary, t.size) for t in themes]
    if summarizer is not None and rows:
        try:
            return summarizer(rows).summary
        except (GenieError, ValidationError):
            pass
    return keyword_overall(rows).summary


def _top_questions(
    kept: list[CleanComment], intents: list[intent_stage.Intent], vectors: NDArray[np.float32]
) -> list[QuestionGroup]:
    """Questions asked most: near-duplicate questions (cosine ≥ 0.8) grouped, ranked by askers + likes."""
    rows = [i for i, label in enumerate(intents) if label == "question"]
    if not rows:
        return []
    rows.sort(key=lambda i: -(kept[i].copies + kept[i].likes))
    sub = vectors[rows]
    taken = np.zeros(len(rows), dtype=bool)
    groups: list[QuestionGroup] = []
    for pos, row in enumerate(rows):
        if taken[pos]:
            continue
        similar = (
            (sub @ sub[pos] >= QUESTION_SIMILARITY) & ~taken if np.any(sub[pos]) else np.zeros_like(taken)
        )
        similar[pos] = True
        taken |= similar
        members = [rows[j] for j in np.flatnonzero(similar)]
        groups.append(
            QuestionGroup(
                text=kept[row].text,
                comment_id=kept[row].id,
                asked=sum(kept[m].copies for m in members),
                likes=sum(kept[m].likes for m in members),
            )
        )
    groups.sort(key=lambda g: (-g.asked, -g.likes))
    return groups[:LIST_LENGTH]


def _top_by_weight(
    kept: list[CleanComment], intents: list[intent_stage.Intent], wanted: str
) -> list[CommentRef]:
    rows = [i for i, label in enumerate(intents) if label == wanted]
    rows.sort(key=lambda i: (-(kept[i].likes + kept[i].copies), i))
    return [_ref(kept[i]) for i in rows[:LIST_LENGTH]]


def _over_time(kept: list[CleanComment], sentiments: list[sentiment_stage.Sentiment]) -> list[TimeBucket]:
    """Sentiment counts per day, week or month — whichever gives at most ~40 buckets."""
    dated = [(c.comment.time, s) for c, s in zip(kept, sentiments, strict=True) if c.comment.time is not None]
    if len(dated) < 2:
        return []
    times = [t for t, _ in dated if t is not None]
    span_days = (max(times) - min(times)).days
    fmt = "%Y-%m-%d" if span_days <= 40 else ("%G-W%V" if span_days <= 280 else "%Y-%m")
    buckets: dict[str, Counter[str]] = {}
    for when, label in dated:
        assert when is not None
        buckets.setdefault(when.strftime(fmt), Counter())[label] += 1
    return [
        TimeBucket(start=key, positive=c["positive"], neutral=c["neutral"], negative=c["negative"])
        for key, c in sorted(buckets.items())
    ]


def _languages_note(texts: list[str]) -> str:
    """Sentiment, intent and keywords are English-only; say how much of the input that leaves out."""
    if not texts:
        return "No comments to analyse."
    non_latin = 0
    for text in texts:
        letters = [ch for ch in text if ch.isalpha()]
        if letters and sum(ch.isascii() for ch in letters) / len(letters) < 0.5:
            non_latin += 1
    share = non_latin / len(texts)
    return (
        f"{share:.0%} of comments are mostly in a non-Latin script. Sentiment, intent and keywords are "
        "English-only (other languages mostly count as neutral / other); theme embeddings handle some "
        "other languages poorly."
    )
