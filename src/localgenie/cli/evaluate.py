"""``genie eval``: measure a model on your own examples (a JSON-lines file), optionally beside another."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ..evaluation.metrics import TaskResult
from ..evaluation.run import Example, Report, evaluate, load_examples
from ..structured.extract import DEFAULT_MAX_RETRIES
from .batch import progress_bar

HEADER = "schema".ljust(40) + "  items  exact     F1  valid  median s   p90 s  errors"


def eval_command(
    examples: Annotated[
        Path,
        typer.Argument(
            help='JSON lines: {"text", "schema" (JSON Schema, a path, a saved name or a concise '
            'schema), "expected"}; "expect_error": true with expected null for a text that must be refused.',
            show_default=False,
        ),
    ],
    model: Annotated[
        str, typer.Option("--model", "-m", help="tiny, default, a .gguf path, or a server's model name.")
    ] = "default",
    compare: Annotated[
        str | None,
        typer.Option("--compare", help="A second model, run on every example right after the first."),
    ] = None,
    max_retries: Annotated[int, typer.Option("--max-retries", min=0)] = DEFAULT_MAX_RETRIES,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the figures and every item as JSON.")
    ] = False,
) -> None:
    """Score a model on examples: exact match, field F1, schema-valid rate, errors and seconds per
    item, per schema and overall; with --compare, both models side by side and their ratios."""
    items, skipped = load_examples(examples)
    for line in skipped:
        print(f"genie: warning: {examples}:{line.line}: skipped: {line.reason}", file=sys.stderr)
    console = Console(stderr=True)
    runs = len(items) * (2 if compare else 1)
    with progress_bar(console) as bar:
        task = bar.add_task("evaluating", total=runs)

        def advance(model_name: str, example: Example, result: TaskResult) -> None:
            bar.update(task, advance=1, description=f"{model_name} line {example.line}")

        report = evaluate(items, model, compare=compare, max_retries=max_retries, on_result=advance)
    report.skipped = skipped
    print(json.dumps(as_dict(report), ensure_ascii=False) if as_json else render(report))


def as_dict(report: Report) -> dict[str, Any]:
    return {
        "models": {name: report.figures(name) for name in report.models},
        "skipped": [{"line": s.line, "reason": s.reason} for s in report.skipped],
        "items": {
            name: [
                {
                    "id": r.id,
                    "schema": r.group,
                    "correct": r.correct,
                    "error": r.error,
                    "seconds": round(r.seconds, 3),
                    "attempts": r.attempts,
                    "value": r.got,
                }
                for r in report.results[name]
            ]
            for name in report.models
        },
    }


def render(report: Report) -> str:
    """The figures as text tables, one per model, then the ratios of the second model to the first."""
    blocks = []
    for name in report.models:
        rows = [f"== {name} ==", HEADER]
        for group, f in report.figures(name).items():
            errors = ", ".join(f"{kind} {n}" for kind, n in f["errors"].items()) or "-"
            rows.append(
                f"{group[:40]:<40}  {f['tasks']:>5}  {f['exact_match']:>5.2f}  {f['field_f1']:>5.2f}  "
                f"{f['schema_valid']:>5.2f}  {f['median_seconds']:>8.2f}  {f['p90_seconds']:>6.1f}  {errors}"
            )
        blocks.append("\n".join(rows))
    if len(report.models) == 2:
        first, second = (report.figures(name)["overall"] for name in report.models)
        a, b = report.models
        blocks.append(
            "\n".join(
                [
                    f"== {b} vs {a}, same examples, interleaved ==",
                    f"exact match   {second['exact_match']:.2f} vs {first['exact_match']:.2f}",
                    f"field F1      {second['field_f1']:.2f} vs {first['field_f1']:.2f}",
                    f"median s      {second['median_seconds']:.2f} vs {first['median_seconds']:.2f}"
                    f"  ({_ratio(second['median_seconds'], first['median_seconds'])})",
                ]
            )
        )
    if report.skipped:
        blocks.append(
            f"skipped {len(report.skipped)} line(s): " + ", ".join(str(s.line) for s in report.skipped)
        )
    return "\n\n".join(blocks)


def _ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}×" if y else "-"
