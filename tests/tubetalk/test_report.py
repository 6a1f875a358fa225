"""The HTML report's charts read on their own: legends, axis names, and the time axis labelled along
its length (issue 18 item 13: no legend, only the first and last month labelled)."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

from localgenie.tubetalk import analyze, load, to_html
from localgenie.tubetalk.report_model import TimeBucket, TubeTalkReport
from tests.tubetalk.tubetalk_helpers import HashingEmbedder, composed_comments, write_jsonl


def _report(tmp_path: Path, months: int) -> TubeTalkReport:
    report = analyze(load(write_jsonl(tmp_path / "c.jsonl", composed_comments())), embedder=HashingEmbedder())
    buckets = [
        TimeBucket(start=f"{2024 + m // 12}-{m % 12 + 1:02d}", positive=m, neutral=2, negative=1)
        for m in range(months)
    ]
    return report.model_copy(update={"sentiment_over_time": buckets})


def _time_svg(page: str) -> str:
    match = re.search(r'<svg role="img" class="time".*?</svg>', page, re.S)
    assert match, "no time chart"
    return match.group(0)


def test_the_time_chart_has_a_legend_a_count_axis_and_labels_along_time(tmp_path: Path) -> None:
    svg = _time_svg(to_html(_report(tmp_path, 12)))
    legend = re.findall(r'<g class="legend">.*?<text[^>]*>(\w+)</text></g>', svg)
    assert legend == ["positive", "neutral", "negative"]
    months = re.findall(r'<text class="bucket"[^>]*>([\d-]+)</text>', svg)
    assert len(months) >= 6 and months == sorted(months) and months[0] == "2024-01"
    assert ">month →</text>" in svg and ">comments</text>" in svg
    ticks = [int(t) for t in re.findall(r'<text class="tick"[^>]*>(\d+)</text>', svg)]
    assert ticks == [0, 7, 14]  # 0, half and the tallest stack (11 + 2 + 1)


def test_labels_never_overlap_however_many_buckets(tmp_path: Path) -> None:
    for months in (3, 40):
        svg = _time_svg(to_html(_report(tmp_path, months)))
        xs = [float(x) for x in re.findall(r'<text class="bucket" x="([\d.]+)"', svg)]
        assert len(xs) == 3 if months == 3 else 4 <= len(xs) < months  # all when they fit, else every k-th
        assert all(b - a >= len("2024-01") * 6.5 for a, b in pairwise(xs))


def test_bar_charts_name_what_they_count(tmp_path: Path) -> None:
    page = to_html(_report(tmp_path, 2))
    assert page.count(">comments →</text>") == 2  # intent and sentiment
    assert ">comments in the theme →</text>" in page
