"""``genie tubetalk``: analyse YouTube comments from a URL or a file.

A thin layer over :mod:`localgenie.tubetalk`: parse options, show per-stage progress on stderr,
write the chosen format.  Errors are raised as Genie error types; the parent CLI maps them to exit codes.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from localgenie.cascade.routing import model_for
from localgenie.errors import BadInput
from localgenie.tubetalk.combine import combine

from .scale import RAY_HELP, address_of

app = typer.Typer(
    help="TubeTalk: thousands of YouTube comments → feedback a creator can act on.", no_args_is_help=True
)


class Format(StrEnum):
    terminal = "terminal"
    json = "json"
    md = "md"
    html = "html"


def _parse_columns(values: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        field, sep, column = value.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise BadInput(f"--column expects FIELD=COLUMN (e.g. text=Body), got {value!r}")
        mapping[field.strip()] = column.strip()
    return mapping


@app.command()
def analyze(
    source: Annotated[
        list[str],
        typer.Argument(
            help="YouTube URLs or video ids (online), or comments files: one or more, analysed together"
        ),
    ],
    format: Annotated[Format, typer.Option("--format", "-f", help="report format")] = Format.terminal,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option("--column", help="CSV mapping FIELD=COLUMN (text, id, author, likes, time)"),
    ] = None,
    max_comments: Annotated[int, typer.Option(help="keep at most this many comments")] = 200_000,
    llm: Annotated[bool, typer.Option("--llm/--no-llm", help="label themes with the local LLM")] = False,
    model: Annotated[str | None, typer.Option(help="LLM name for --llm (default: Genie's default)")] = None,
    themes: Annotated[int | None, typer.Option(help="number of themes (default: by comment count)")] = None,
    llm_seconds: Annotated[
        float | None,
        typer.Option(help="LLM seconds (default: tiny 30, default 140); later themes get keyword labels"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress on stderr")] = False,
    ray: Annotated[str | None, typer.Option("--ray", metavar="[ADDRESS]", help=RAY_HELP)] = None,
    cluster_sample: Annotated[
        int | None,
        typer.Option(
            min=100, help="Fit the themes on a sample of this many comments, assign the rest (millions)."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=256, help="With --ray: shards processed at once.")
    ] = 2,
) -> None:
    """Analyse comments and write a report (terminal, json, md or html)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from localgenie import tubetalk
    from localgenie.tubetalk.labels import labelling_extract
    from localgenie.tubetalk.pipeline import STAGE_LABELS

    labels = (
        None
        if ray is not None  # the labels are asked of a model worker on the cluster
        else tubetalk.LLMOptions.from_extractor(
            labelling_extract,
            model=model_for(model, "theme label"),
            seconds=llm_seconds,
            usage=tubetalk.LLMUsage(),
        )
        if llm
        else None
    )
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    ) as progress:
        load_task = progress.add_task("load", total=1)
        columns = _parse_columns(column or [])
        loaded = combine([tubetalk.load(s, columns=columns, max_comments=max_comments) for s in source])
        progress.update(load_task, completed=1)
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(STAGE_LABELS.get(stage, stage), total=total)
            progress.update(tasks[stage], completed=done, total=total)

        if ray is not None:
            from localgenie.scale.tubetalk import analyze_ray

            report = analyze_ray(
                loaded,
                llm_model=model_for(model, "theme label") if llm else None,
                llm_seconds=llm_seconds,
                progress=on_progress,
                k=themes,
                address=address_of(ray),
                workers=workers,
                cluster_sample=cluster_sample,
            )
        else:
            report = tubetalk.analyze(
                loaded, llm=labels, progress=on_progress, k=themes, cluster_sample=cluster_sample
            )
    if format is Format.terminal:
        if output:
            with output.open("w", encoding="utf-8") as fh:
                tubetalk.print_terminal(report, file=fh)
        else:
            tubetalk.print_terminal(report)
        return
    renderers = {
        Format.json: tubetalk.to_json,
        Format.md: tubetalk.to_markdown,
        Format.html: tubetalk.to_html,
    }
    text = renderers[format](report)
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}", highlight=False)
    else:
        sys.stdout.write(text + "\n")


@app.command()
def prepare(force: Annotated[bool, typer.Option(help="rebuild even if present")] = False) -> None:
    """Build the static embedding table into the cache (once; needs torch + transformers)."""
    from localgenie.tubetalk.embed import prepare as build

    typer.echo(str(build(force=force)))


@app.command("train-spam")
def train_spam(
    data: Annotated[Path | None, typer.Option(help="folder of UCI YouTube spam CSVs")] = None,
    output: Annotated[Path | None, typer.Option(help="where to write the JSON weights")] = None,
) -> None:
    """Retrain the spam classifier; prints 5-fold cross-validated accuracy and MCC."""
    import json

    from localgenie.tubetalk import spam

    metrics = spam.train(output or spam.MODEL_PATH, data)
    typer.echo(json.dumps(metrics, indent=2))
