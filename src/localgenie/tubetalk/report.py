"""Render a :class:`TubeTalkReport` as JSON, Markdown, self-contained HTML, or a rich terminal view.

Every string that came from a comment — or from a labeller that read comments — is viewer-controlled.
HTML output escapes all of it (``html.escape`` on every interpolation; charts are inline SVG built
here, no scripts, no external assets).  Markdown output neutralises markup characters in comment
text so a comment cannot inject links, images or headings into the rendered document.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import TextIO

from .report_model import CommentRef, Mix, TubeTalkReport

SENTIMENT_COLOURS = {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}
INTENT_COLOURS = {
    "praise": "#2e7d32",
    "complaint": "#c62828",
    "question": "#1565c0",
    "suggestion": "#ef6c00",
    "other": "#9e9e9e",
}


def to_json(report: TubeTalkReport) -> str:
    return report.model_dump_json(indent=2)


# ---------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def md_escape(text: str) -> str:
    """Comment text as inert Markdown: markup characters escaped, newlines flattened."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _ai_note(report: TubeTalkReport) -> str:
    """Comments written to an AI are counted, and the reader told they never reached the model."""
    n = report.counts.addressed_to_ai
    return (
        f" {n} tried to instruct an AI reading them: counted, never shown to the LLM or quoted." if n else ""
    )


def _pct(part: int, total: int) -> str:
    return f"{100 * part / total:.0f}%" if total else "0%"


def _mix_line(mix: Mix) -> str:
    total = sum(mix.counts.values())
    return ", ".join(f"{k} {v} ({_pct(v, total)})" for k, v in mix.counts.items())


def to_markdown(report: TubeTalkReport) -> str:
    c = report.counts
    lines = [
        "# TubeTalk report",
        "",
        f"Source: `{md_escape(report.source)}` · generated {report.generated_at} · labels: {report.labeller}",
        "",
        f"**{c.analysed}** comments analysed (loaded {c.loaded}, duplicates merged {c.duplicates_removed}, "
        f"spam {c.spam}, skipped {sum(c.skipped.values())}, over limit {c.truncated}).{_ai_note(report)}",
        "",
        "## Summary",
        "",
        md_escape(report.overall_summary),
        "",
        f"- Sentiment: {_mix_line(report.sentiment)}",
        f"- Intent: {_mix_line(report.intent)}",
        f"- Languages: {md_escape(report.languages_note)}",
        "",
        "## Themes",
        "",
    ]
    for theme in report.themes:
        lines += [
            f"### {theme.index + 1}. {md_escape(theme.label)} — {theme.size} comments ({theme.share:.0%})",
            "",
            md_escape(theme.summary),
            "",
            f"Keywords: {md_escape(', '.join(theme.keywords))} · sentiment: {_mix_line(theme.sentiment)}",
            "",
        ]
        lines += [f"> {md_escape(q.text)} — comment `{md_escape(q.comment_id)}`" for q in theme.quotes]
        lines += ["", "Most representative:", ""]
        lines += [_md_ref(r) for r in theme.central[:3]]
        lines.append("")
    lines += _md_list(
        "Questions viewers asked most",
        [(q.text, q.comment_id, q.asked, q.likes) for q in report.top_questions],
    )
    lines += _md_list("Suggestions", _ref_rows(report.top_suggestions))
    lines += _md_list("Complaints", _ref_rows(report.top_complaints))
    lines += _md_list("Copy-paste floods", _ref_rows(report.floods))
    lines += [f"## Spam ({c.spam} comments excluded)", "", *(_md_ref(r) for r in report.spam[:20]), ""]
    lines += ["## Stage times", "", ", ".join(f"{k} {v:.2f}s" for k, v in report.stage_seconds.items()), ""]
    return "\n".join(lines)


def _ref_rows(refs: Iterable[CommentRef]) -> list[tuple[str, str, int, int]]:
    return [(r.text, r.id, r.copies, r.likes) for r in refs]


def _md_ref(ref: CommentRef) -> str:
    return f"- {md_escape(ref.text[:300])} (`{md_escape(ref.id)}`, {ref.likes} likes)"


def _md_list(title: str, rows: list[tuple[str, str, int, int]]) -> list[str]:
    out = [f"## {title}", ""]
    out += [
        f"- {md_escape(text[:300])} (`{md_escape(cid)}`, ×{n}, {likes} likes)" for text, cid, n, likes in rows
    ]
    return out + ([""] if rows else ["(none)", ""])


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;
line-height:1.45}
h1,h2,h3{line-height:1.2}.muted{color:#666}.theme{border-top:1px solid #ddd;padding-top:.5rem}
blockquote{margin:.4rem 0;padding:.3rem .8rem;border-left:4px solid #1565c0;background:#f5f8ff}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}.chart{flex:1 1 26rem}code{font-size:.85em}
li{margin:.2rem 0}svg text{font-size:11px;font-family:system-ui,sans-serif}
svg{max-width:100%;height:auto}svg .axis,svg .grid{stroke:#bbb;stroke-width:1}svg .grid{stroke:#eee}
svg .axis-label{fill:#666}svg .tick{fill:#666}
"""


def e(value: object) -> str:
    """HTML-escape anything (quotes too, so values are safe inside attributes)."""
    return html.escape(str(value), quote=True)


def _anchor(comment_id: str) -> str:
    return "c-" + re.sub(r"[^A-Za-z0-9_-]", "_", comment_id)


def _bars(items: list[tuple[str, int, str]], axis: str, width: int = 420) -> str:
    """Horizontal bar chart as inline SVG: one labelled bar per category, its count at the end, and the
    axis named (what the bars count), since a bar's length alone says nothing."""
    if not items:
        return "<p class=muted>(no data)</p>"
    top = max(v for _, v, _ in items) or 1
    row = 22
    height = row * len(items) + 24
    parts = [
        f'<svg role="img" aria-label="{e(axis)}" viewBox="0 0 {width + 260} {height}" '
        f'width="{width + 260}" height="{height}">'
    ]
    for i, (label, value, colour) in enumerate(items):
        w = max(1, int(width * value / top))
        y = i * row
        parts.append(
            f'<text x="0" y="{y + 15}">{e(label[:28])}</text>'
            f'<rect x="190" y="{y + 3}" width="{w}" height="16" fill="{e(colour)}"></rect>'
            f'<text x="{194 + w}" y="{y + 15}">{value}</text>'
        )
    base = row * len(items) + 4
    parts.append(f'<line class="axis" x1="190" y1="{base}" x2="{190 + width}" y2="{base}"></line>')
    parts.append(f'<text class="axis-label" x="190" y="{base + 16}">{e(axis)} →</text>')
    return "".join(parts) + "</svg>"


_BUCKET_KINDS = ((r"\d{4}-W\d{2}", "week"), (r"\d{4}-\d{2}-\d{2}", "day"), (r"\d{4}-\d{2}", "month"))
_LABEL_CHAR_PX = 6.5  # of an 11 px system-ui digit; labels closer than their width overlap


def bucket_kind(start: str) -> str:
    """'day', 'week' or 'month': what one time bucket spans, read off its label (see `TimeBucket`)."""
    return next((kind for pattern, kind in _BUCKET_KINDS if re.fullmatch(pattern, start)), "period")


def _time_chart(report: TubeTalkReport, width: int = 620, height: int = 160) -> str:
    """Stacked sentiment bars per time bucket, with a legend, a count axis and as many bucket labels as
    fit without overlapping (every bucket when there is room, else every k-th)."""
    buckets = report.sentiment_over_time
    if not buckets:
        return "<p class=muted>No comment times in this source.</p>"
    top = max(b.positive + b.neutral + b.negative for b in buckets) or 1
    left, legend_h, bottom = 34, 22, 34  # room for the count axis, the legend and the bucket labels
    step = (width - left) / len(buckets)
    label_px = max(len(b.start) for b in buckets) * _LABEL_CHAR_PX + 8
    every = max(1, int(-(-label_px // step)))  # ceil: labels never overlap
    kind = bucket_kind(buckets[0].start)
    total_h = legend_h + height + bottom
    parts = [
        f'<svg role="img" class="time" aria-label="comments per {e(kind)} by sentiment" '
        f'viewBox="0 0 {width + 10} {total_h}" width="{width + 10}" height="{total_h}">'
    ]
    x = float(left)
    for key in ("positive", "neutral", "negative"):  # the legend, in the stacking order read top-down
        parts.append(
            f'<g class="legend"><rect x="{x:.0f}" y="4" width="12" height="12" '
            f'fill="{SENTIMENT_COLOURS[key]}"></rect><text x="{x + 16:.0f}" y="14">{key}</text></g>'
        )
        x += 16 + len(key) * _LABEL_CHAR_PX + 16
    base = legend_h + height
    for value in sorted({0, top // 2, top}):  # the count axis
        y = base - height * value / top
        parts.append(
            f'<text class="tick" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}"></line>'
        )
    parts.append(
        f'<text class="axis-label" x="8" y="{legend_h + height / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 8 {legend_h + height / 2:.1f})">comments</text>'
    )
    for i, b in enumerate(buckets):
        y = float(base)
        x0 = left + i * step
        for key, value in (("negative", b.negative), ("neutral", b.neutral), ("positive", b.positive)):
            h = height * value / top
            y -= h
            parts.append(
                f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(step - 1, 1):.1f}" height="{h:.1f}" '
                f'fill="{SENTIMENT_COLOURS[key]}"><title>{e(b.start)} {key}: {value}</title></rect>'
            )
        if i % every == 0:
            parts.append(f'<text class="bucket" x="{x0:.1f}" y="{base + 14}">{e(b.start)}</text>')
    parts.append(f'<text class="axis-label" x="{left}" y="{base + 30}">{e(kind)} →</text>')
    return "".join(parts) + "</svg>"


def _html_ref(ref: CommentRef) -> str:
    return (
        f'<li id="{_anchor(ref.id)}">{e(ref.text[:500])} <span class=muted>({ref.likes} likes'
        f"{', ×' + str(ref.copies) if ref.copies > 1 else ''} · <code>{e(ref.id)}</code>)</span></li>"
    )


def to_html(report: TubeTalkReport) -> str:
    c = report.counts
    estimated = " (times estimated from “x days ago”)" if report.time_precision == "estimated" else ""
    out = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        # No script, image or network source is allowed even if escaping were ever missed.
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>TubeTalk — {e(report.source)}</title><style>{_CSS}</style></head><body>",
        "<h1>TubeTalk report</h1>",
        f"<p class=muted>Source: <code>{e(report.source)}</code> · {e(report.generated_at)} · labels: "
        f"{e(report.labeller)}</p>",
        f"<p><b>{c.analysed}</b> comments analysed (loaded {c.loaded}, "
        f"duplicates merged {c.duplicates_removed}, "
        f"spam {c.spam}, skipped {sum(c.skipped.values())}, over limit {c.truncated})."
        f"{e(_ai_note(report))}</p>",
        f"<h2>Summary</h2><p>{e(report.overall_summary)}</p><p class=muted>{e(report.languages_note)}</p>",
        '<div class="charts">',
        f'<div class="chart"><h3>Sentiment over time{e(estimated)}</h3>{_time_chart(report)}</div>',
        '<div class="chart"><h3>Intent mix</h3>'
        + _bars([(k, v, INTENT_COLOURS.get(k, "#777")) for k, v in report.intent.counts.items()], "comments")
        + "</div>",
        '<div class="chart"><h3>Sentiment</h3>'
        + _bars([(k, v, SENTIMENT_COLOURS[k]) for k, v in report.sentiment.counts.items()], "comments")
        + "</div>",
        '<div class="chart"><h3>Theme sizes</h3>'
        + _bars([(t.label, t.size, "#1565c0") for t in report.themes], "comments in the theme")
        + "</div></div>",
        "<h2>Themes</h2>",
    ]
    for t in report.themes:
        out.append(
            f'<section class="theme" id="theme-{t.index}"><h3>{t.index + 1}. {e(t.label)} '
            f"<span class=muted>{t.size} comments ({t.share:.0%})</span></h3><p>{e(t.summary)}</p>"
            f"<p class=muted>Keywords: {e(', '.join(t.keywords))} · {e(_mix_line(t.sentiment))}</p>"
        )
        for q in t.quotes:
            out.append(
                f'<blockquote>“{e(q.text)}” <a href="#{_anchor(q.comment_id)}">comment {e(q.comment_id)}</a>'
                "</blockquote>"
            )
        out.append("<p>Most representative:</p><ul>" + "".join(_html_ref(r) for r in t.central) + "</ul>")
        out.append("<p>Most liked:</p><ul>" + "".join(_html_ref(r) for r in t.most_liked) + "</ul></section>")
    out.append("<h2>Questions viewers asked most</h2><ol>")
    out += [
        f"<li>{e(q.text[:500])} <span class=muted>(asked ×{q.asked}, {q.likes} likes · "
        f"<code>{e(q.comment_id)}</code>)"
        "</span></li>"
        for q in report.top_questions
    ]
    out.append("</ol>")
    for title, refs in (
        ("Suggestions", report.top_suggestions),
        ("Complaints", report.top_complaints),
        ("Copy-paste floods", report.floods),
    ):
        out.append(f"<h2>{e(title)}</h2><ul>" + "".join(_html_ref(r) for r in refs) + "</ul>")
    quoted = {q.comment_id: q.comment_text for t in report.themes for q in t.quotes}
    out.append("<h2>Quoted comments</h2><ul>")
    out += [f'<li id="{_anchor(cid)}"><code>{e(cid)}</code>: {e(text)}</li>' for cid, text in quoted.items()]
    out.append(f"</ul><h2>Spam ({c.spam} excluded)</h2><details><summary>list</summary><ul>")
    out += ["".join(_html_ref(r) for r in report.spam)]
    out.append("</ul></details>")
    times = ", ".join(f"{e(k)} {v:.2f}s" for k, v in report.stage_seconds.items())
    out.append(f"<p class=muted>Stage times: {times}</p></body></html>")
    return "\n".join(out)


# ---------------------------------------------------------------- terminal


def print_terminal(report: TubeTalkReport, file: TextIO | None = None) -> None:
    """A rich summary for the terminal (comment text printed as plain text, never as markup)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=file, highlight=False)
    c = report.counts
    console.print(Text(f"TubeTalk — {report.source}", style="bold"))
    console.print(
        Text(
            f"{c.analysed} comments analysed · {c.duplicates_removed} duplicates merged · "
            f"{c.spam} spam excluded.{_ai_note(report)}"
        )
    )
    console.print(Text(report.overall_summary))
    console.print(Text(f"Sentiment: {_mix_line(report.sentiment)}"))
    console.print(Text(f"Intent: {_mix_line(report.intent)}"))
    table = Table(title="Themes")
    table.add_column("#", justify="right")
    table.add_column("theme")
    table.add_column("size", justify="right")
    table.add_column("quote")
    for t in report.themes:
        quote = t.quotes[0].text if t.quotes else (t.central[0].text[:80] if t.central else "")
        table.add_row(str(t.index + 1), Text(t.label), str(t.size), Text(quote[:100]))
    console.print(table)
    if report.top_questions:
        console.print(Text("Questions viewers asked most:", style="bold"))
        for q in report.top_questions[:5]:
            console.print(Text(f"  ×{q.asked}  {q.text[:120]}"))
