"""The cascade (``model="auto"``: tiny first, default when tiny's answer fails the checks) against
always-``default``, on the extraction quality tasks (`quality_tasks`: built by this repo, no outside data).

    python bench/cascade.py --lock /tmp/genie-cpu.lock                 # all 168 tasks (~60 min here)
    python bench/cascade.py --limit 24 --plot docs/cascade.png

One run, side by side, per task in the quality benchmark's order:

1. ``default`` alone (always-default);
2. the real cascade, ``Cascade(("tiny", "default"), min_confidence=0, draft=True)``, learning on (a
   fresh log in a temporary directory, so what it learns is this run's alone): tiny is stopped at its
   first value that is not in the text, its finished answer is accepted when every copied value is in
   the text, else
   default answers, drafting from what tiny wrote (`cascade.draft`: default's own greedy answer, the
   tokens that agree with tiny's verified in batches).

Before each of the two, default's KV cache is cut back to the system message (instructions and
schema), so neither finds the other's text already evaluated.  The cascade without drafting is
derived from the same records: where default answered, its default stage *is* the always-default run
(same prompt, greedy), so it costs tiny's time plus always-default's.  A confidence threshold ``t`` is
then applied to the same records: an accepted tiny answer whose weakest leaf is under ``t`` would have
escalated, costing its tiny time plus default's.  The curve over ``t`` is printed and, with
``--plot``, drawn (Pillow).  ``exact`` is the quality benchmark's: the whole object equals the
expected one (a task whose text holds no answer is never exact).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import holding, summary
from _plot import line_plot
from extract_quality import select
from localgenie import BadInput, SchemaViolation, extract_details
from localgenie.cascade import Cascade
from localgenie.evaluation import exact_match
from localgenie.llm import embedded_backend
from localgenie.structured import Extraction
from localgenie.structured.prompt import extraction_messages
from localgenie.structured.schema import load_schema
from quality_tasks import Task, build_tasks

THRESHOLDS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def _exact(task: Task, result: Extraction[Any] | None) -> bool:
    return result is not None and not task["expect_error"] and exact_match(task["expected"], result.value)


def run_cascade(task: Task, cascade: Cascade) -> dict[str, Any]:
    """One task through the cascade: what each stage did, the answer and whether it is exact."""
    started = time.perf_counter()
    result: Extraction[Any] | None = None
    error = None
    try:
        result = extract_details(task["text"], task["schema"], cascade=cascade)
    except (SchemaViolation, BadInput) as exc:
        error = exc
    seconds = time.perf_counter() - started
    stages = [] if result is None else result.stages
    by = {s.stage: s for s in stages}
    tiny = by.get("tiny")
    default = by.get("default")
    answered = next((s.stage for s in stages if s.outcome == "accepted"), None)
    weakest = min((c.min for c in result.confidence.values()), default=1.0) if result is not None else None
    return {
        "id": task["id"],
        "level": task["level"],
        "schema_name": task["schema_name"],
        "seconds": seconds,
        "answered": answered,
        "error": None if error is None else f"{type(error).__name__}: {error}",
        "tiny_outcome": None if tiny is None else tiny.outcome,
        "tiny_reasons": [] if tiny is None else list(tiny.reasons),
        "tiny_seconds": 0.0 if tiny is None else tiny.seconds,
        "default_seconds": None if default is None else default.seconds,
        "default_drafted": 0 if default is None else default.usage.drafted_tokens,
        "default_accepted": 0 if default is None else default.usage.accepted_draft_tokens,
        "exact": _exact(task, result),
        "weakest": weakest if answered == "tiny" else None,
        "value": None if result is None else result.value,
    }


def run_default(task: Task) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result: Extraction[Any] | None = extract_details(task["text"], task["schema"], model="default")
    except (SchemaViolation, BadInput):
        result = None
    return {
        "always_default_seconds": time.perf_counter() - started,
        "always_default_exact": _exact(task, result),
        "always_default_value": None if result is None else result.value,
        "always_default_drafted": 0 if result is None else result.usage.drafted_tokens,
        "always_default_accepted": 0 if result is None else result.usage.accepted_draft_tokens,
    }


def forget_text(task: Task) -> None:
    """Cut default's KV cache back to the system message (instructions, schema) of this task's prompt."""
    messages = extraction_messages(load_schema(task["schema"]), task["text"])
    embedded_backend("default").forget(messages, keep=1)  # type: ignore[attr-defined]


def curve(records: list[dict[str, Any]]) -> list[tuple[float, float, float, float, float]]:
    """Per threshold: (t, exact of auto, seconds ratio auto / default, share tiny answered, wrong
    accepted share)."""
    default_seconds = sum(r["always_default_seconds"] for r in records)
    rows = []
    for t in THRESHOLDS:
        exact = seconds = tiny_answers = wrong = 0.0
        for r in records:
            kept = r["answered"] == "tiny" and (r["weakest"] or 0.0) >= t
            if kept:
                exact += r["exact"]
                seconds += r["tiny_seconds"]
                tiny_answers += 1
                wrong += not r["exact"]
            elif r["answered"] == "default":  # escalated in this run: measured, drafting from tiny
                exact += r["exact"]
                seconds += r["seconds"]
            else:  # tiny's answer under t: tiny's time, then default (alone's figures: not drafted)
                exact += r["always_default_exact"]
                seconds += r["tiny_seconds"] + r["always_default_seconds"]
        n = len(records)
        rows.append((t, exact / n, seconds / default_seconds, tiny_answers / n, wrong / n))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, help="at most N tasks, spread over levels and schemas")
    parser.add_argument("--seed", type=int, default=0, help="task generator seed")
    parser.add_argument("--lock", type=Path, help="hold this flock while each task runs")
    parser.add_argument("--jsonl-out", type=Path, help="one record per task")
    parser.add_argument("--plot", type=Path, help="draw the accuracy-cost curve to this PNG")
    args = parser.parse_args(argv)
    tasks = select(build_tasks(args.seed), args.limit)
    with tempfile.TemporaryDirectory() as data:
        os.environ["GENIE_DATA_DIR"] = data  # this run's own log: learning starts from nothing
        cascade = Cascade(("tiny", "default"), min_confidence=0.0, learn=True, draft=True)
        records = []
        sink = args.jsonl_out.open("w", encoding="utf-8") if args.jsonl_out else None
        for n, task in enumerate(tasks, 1):
            with holding(args.lock, pause=0.2):
                forget_text(task)
                alone = run_default(task)
                forget_text(task)
                record = run_cascade(task, cascade) | alone
            records.append(record)
            print(
                f"[{n}/{len(tasks)}] {task['id']}: {record['answered'] or 'none'} answered, tiny "
                f"{record['tiny_outcome']} ({record['tiny_seconds']:.1f} s), exact {record['exact']}, "
                f"{record['seconds']:.1f} s (default alone {record['always_default_seconds']:.1f} s)",
                file=sys.stderr,
            )
            if sink:
                sink.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                sink.flush()
        if sink:
            sink.close()
    report(records, args.plot)
    return 0


def no_draft(r: dict[str, Any]) -> tuple[float, bool]:
    """The cascade without drafting on this task: tiny's answer, else always-default's (same prompt)."""
    if r["answered"] == "tiny":
        return r["seconds"], r["exact"]
    return r["tiny_seconds"] + r["always_default_seconds"], r["always_default_exact"]


def report(records: list[dict[str, Any]], plot: Path | None) -> None:
    n = len(records)
    auto_exact = sum(r["exact"] for r in records) / n
    default_exact = sum(r["always_default_exact"] for r in records) / n
    plain_exact = sum(no_draft(r)[1] for r in records) / n
    auto_seconds = statistics.mean(r["seconds"] for r in records)
    default_seconds = statistics.mean(r["always_default_seconds"] for r in records)
    plain_seconds = statistics.mean(no_draft(r)[0] for r in records)
    by_tiny = [r for r in records if r["answered"] == "tiny"]
    wrong = sum(not r["exact"] for r in by_tiny)
    outcomes: dict[str, int] = {}
    for r in records:
        outcomes[str(r["tiny_outcome"])] = outcomes.get(str(r["tiny_outcome"]), 0) + 1
    early = sum(1 for r in records if any("stopped while writing" in x for x in r["tiny_reasons"]))
    tiny_spent = [r["tiny_seconds"] for r in records if r["tiny_outcome"] != "skipped"]
    # Default after a tiny answer it drafts from, against default alone, on the same tasks.
    drafted = [r for r in records if r["answered"] == "default" and r["tiny_outcome"] != "skipped"]
    after = sum(r["default_seconds"] for r in drafted)
    alone = sum(r["always_default_seconds"] for r in drafted)
    same = sum(r["value"] == r["always_default_value"] for r in drafted)
    kept = sum(r["default_accepted"] for r in drafted), sum(r["default_drafted"] for r in drafted)
    kept_alone = (
        sum(r["always_default_accepted"] for r in drafted),
        sum(r["always_default_drafted"] for r in drafted),
    )
    rows = [
        ("tasks", str(n)),
        (
            "exact: auto / auto without drafts / always-default",
            f"{auto_exact:.3f} / {plain_exact:.3f} / {default_exact:.3f} ({auto_exact - default_exact:+.3f})",
        ),
        (
            "mean s: auto / auto without drafts / always-default",
            f"{auto_seconds:.2f} / {plain_seconds:.2f} / {default_seconds:.2f} "
            f"({auto_seconds / default_seconds:.2f}x / {plain_seconds / default_seconds:.2f}x)",
        ),
        (
            "answered by tiny",
            f"{len(by_tiny)} ({len(by_tiny) / n:.1%}), exact {sum(r['exact'] for r in by_tiny)}",
        ),
        (
            "wrongly accepted tiny answers",
            f"{wrong} ({wrong / n:.1%} of tasks)",
        ),
        ("tiny outcomes", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))),
        ("tiny stopped while writing", str(early)),
        (
            "tiny seconds when run: mean / median",
            f"{statistics.mean(tiny_spent or [0]):.2f} / {statistics.median(tiny_spent or [0]):.2f}",
        ),
        (
            "default drafting from tiny vs alone (same tasks)",
            f"{len(drafted)} tasks, {after:.0f} s vs {alone:.0f} s ({after / alone if alone else 0:.2f}x), "
            f"same answer {same}/{len(drafted)}",
        ),
        (
            "draft tokens kept / proposed: from tiny+text / text only",
            f"{kept[0]}/{kept[1]} / {kept_alone[0]}/{kept_alone[1]}",
        ),
    ]
    summary("cascade tiny,default vs always-default (min_confidence 0, learning on, drafts on)", rows)
    table = curve(records)
    print("\n== threshold curve (same records; t = min leaf confidence for tiny's answer to be kept) ==")
    print("t      exact   s ratio  tiny share  wrong accepted")
    for t, exact, ratio, share, wrong in table:
        print(f"{t:<5.2f}  {exact:.3f}   {ratio:.2f}x    {share:6.1%}     {wrong:6.1%}")
    if plot is not None:
        line_plot(
            plot,
            [(ratio, exact) for _, exact, ratio, _, _ in table],
            labels=[f"{t:g}" for t, *_ in table],
            reference=(1.0, default_exact),
            x_label="mean seconds per task, relative to always-default",
            y_label="exact match",
            title=f"cascade tiny,default on {n} extraction tasks: threshold t on tiny's confidence",
        )
        print(f"plot: {plot}")


if __name__ == "__main__":
    raise SystemExit(main())
