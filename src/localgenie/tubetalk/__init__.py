"""TubeTalk: thousands of YouTube comments → the feedback a creator can act on.

Stages, one module each: ``sources`` (read) → ``clean`` (normalise, merge copy-paste floods) →
``spam`` (filter) → ``sentiment`` + ``intent`` → ``embed`` + ``themes`` → ``labels`` (keyword labeller or
an LLM via an ``Extractor`` such as ``localgenie.extract_details``, quotes checked against real
comments) → ``report`` (JSON, Markdown, HTML, terminal).  ``pipeline.analyze`` wires them.

    from localgenie import tubetalk
    report = tubetalk.analyze(tubetalk.load("comments.jsonl"))
    print(tubetalk.to_markdown(report))
"""

from __future__ import annotations

from .labels import (
    OverallSummary,
    ThemeInput,
    ThemeSummary,
    keyword_labeller,
    llm_labeller,
    llm_overall,
    verify_quotes,
)
from .models import Comment, LoadStats
from .pipeline import LLMOptions, analyze
from .report import print_terminal, to_html, to_json, to_markdown
from .report_model import LLMUsage, TubeTalkReport
from .sources import LoadedComments, load, load_url

__all__ = [
    "Comment",
    "LLMOptions",
    "LLMUsage",
    "LoadStats",
    "LoadedComments",
    "OverallSummary",
    "ThemeInput",
    "ThemeSummary",
    "TubeTalkReport",
    "analyze",
    "keyword_labeller",
    "llm_labeller",
    "llm_overall",
    "load",
    "load_url",
    "print_terminal",
    "to_html",
    "to_json",
    "to_markdown",
    "verify_quotes",
]
