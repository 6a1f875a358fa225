"""The full structured result of an analysis: what every report format renders.

A Pydantic model so the JSON report is validated and documented by its schema
(``TubeTalkReport.model_json_schema()``).  Comment text appears only in fields named ``text``;
all of it is viewer-written and must be escaped by any renderer.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class CommentRef(BaseModel):
    id: str
    text: str
    likes: int = 0
    copies: int = 1


class Quote(BaseModel):
    text: str = Field(description="verbatim substring of the comment with id comment_id")
    comment_id: str
    comment_text: str = Field(description="the whole comment the quote was found in")


class Mix(BaseModel):
    """Counts per category (comments, counting copy-paste duplicates once)."""

    counts: dict[str, int]

    def share(self, key: str) -> float:
        total = sum(self.counts.values())
        return self.counts.get(key, 0) / total if total else 0.0


class ThemeReport(BaseModel):
    index: int
    label: str
    summary: str
    quotes: list[Quote]
    dropped_quotes: int = Field(default=0, description="labeller quotes that were not verbatim comment text")
    size: int
    share: float
    keywords: list[str]
    cohesion: float
    sentiment: Mix
    intent: Mix
    central: list[CommentRef]
    most_liked: list[CommentRef]


class TimeBucket(BaseModel):
    start: str
    positive: int
    neutral: int
    negative: int


class QuestionGroup(BaseModel):
    text: str
    comment_id: str
    asked: int = Field(description="similar questions + copies")
    likes: int


class Counts(BaseModel):
    loaded: int
    skipped: dict[str, int]
    truncated: int
    duplicates_removed: int
    empty_after_cleaning: int
    spam: int
    analysed: int
    unthemed: int
    addressed_to_ai: int = Field(
        default=0,
        description="comments that try to instruct an AI reading them: analysed and counted like any other, "
        "never shown to the LLM or quoted",
    )


class LLMUsage(BaseModel):
    """What the LLM labeller spent on one report: calls, tokens and seconds.

    Counted by code around each call (the model never counts anything).  Mutable on purpose: the
    labeller and the overall summariser add to one instance while the pipeline runs.
    """

    calls: int = 0
    failed: int = Field(
        default=0, description="calls with no schema-valid answer (keyword label used instead)"
    )
    rejected: int = Field(
        default=0,
        description="answers with a label or summary that echoed, looped or copied a comment (keywords used)",
    )
    skipped: int = Field(
        default=0, description="themes labelled by keywords without asking the LLM (size, budget)"
    )
    prompt_tokens: int = 0
    cached_prompt_tokens: int = Field(default=0, description="prompt tokens reused from the KV cache")
    completion_tokens: int = 0
    seconds: float = 0.0


class TubeTalkReport(BaseModel):
    source: str
    generated_at: str
    labeller: str
    time_precision: str
    counts: Counts
    languages_note: str
    overall_summary: str
    sentiment: Mix
    intent: Mix
    sentiment_over_time: list[TimeBucket]
    themes: list[ThemeReport]
    top_questions: list[QuestionGroup]
    top_suggestions: list[CommentRef]
    top_complaints: list[CommentRef]
    floods: list[CommentRef]
    spam: list[CommentRef]
    stage_seconds: dict[str, float]
    llm: LLMUsage | None = Field(None, description="LLM cost when themes were labelled by an LLM")
