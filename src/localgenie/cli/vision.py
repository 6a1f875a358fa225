"""`genie vision ...`: train and evaluate the photo recogniser, and recognise ingredients in photos.

A thin layer over `localgenie.vision`; adding what a photo shows to the pantry is
`genie kitchen add --photo`, which asks before storing anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # importing the recogniser loads numpy/Pillow: only the commands that need it do
    from localgenie.vision import Recognition

app = typer.Typer(help="KitchenGenie vision: ingredients in photos (offline, or with a vision server).")
console = Console()

PACKAGED_HEAD = Path(__file__).resolve().parents[1] / "vision" / "data" / "grocery_head.npz"


def recognition_table(result: Recognition, title: str = "Seen") -> Table:
    """The numbered table the user confirms from (shared with `genie kitchen add --photo`)."""
    table = Table(title=title)
    for col in ("#", "ingredient", "confidence", "", "seen as", "photo"):
        table.add_column(col)
    for n, item in enumerate(result.items, start=1):
        table.add_row(
            str(n),
            item.ingredient + (f" ×{item.quantity}" if item.quantity else ""),
            f"{item.confidence:.0%}",
            "maybe" if item.status == "maybe" else "",
            item.label,
            Path(item.photo).name,
            style="dim" if item.status == "maybe" else "",
        )
    return table


def run_recognition(
    photos: list[Path], *, single: bool, base_url: str | None, model: str | None, api_key: str | None
) -> Recognition:
    """Embedded recogniser, or the vision server given by flags or ``GENIE_VISION_BASE_URL``."""
    from localgenie import vision

    env = vision.vision_server_from_env()
    server = (base_url, model, api_key) if base_url else None
    if server is None and env is not None:
        server = (env[0], env[1] or model, env[2] or api_key)
    return vision.recognise_configured(photos, multi=not single, server=server)


PhotosArg = Annotated[list[Path], typer.Argument(help="Photo files (JPEG, PNG, WebP...).")]
SingleOpt = Annotated[bool, typer.Option("--single", help="Each photo shows one item (faster, no tiling).")]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="Vision server (OpenAI-compatible); default GENIE_VISION_BASE_URL."),
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model name on the vision server.")]
ApiKeyOpt = Annotated[str | None, typer.Option("--api-key", help="API key for the vision server.")]


@app.command()
def recognise(
    photos: PhotosArg,
    single: SingleOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """List the ingredients seen in photos, with confidences ("maybe" below 60%)."""
    from dataclasses import asdict

    result = run_recognition(photos, single=single, base_url=base_url, model=model, api_key=api_key)
    if as_json:
        typer.echo(json.dumps([asdict(item) for item in result.items], indent=2))
        return
    console.print(recognition_table(result))
    console.print(f"{result.photos} photo(s), {result.regions} region(s), {result.seconds:.2f} s")


@app.command()
def train(
    data: Annotated[Path, typer.Option("--data", help="The Grocery Store Dataset folder.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the head (.npz).")] = PACKAGED_HEAD,
    runtime: Annotated[str | None, typer.Option(help="Backbone runtime: onnx or torch.")] = None,
) -> None:
    """Train the head on the train split (chosen by cross-validation there) and score it on val."""
    from dataclasses import asdict

    from localgenie.errors import BadInput
    from localgenie.vision.fitting import RECIPE, Accuracy
    from localgenie.vision.train import train as train_head

    if runtime not in (None, "onnx", "torch"):
        raise BadInput("--runtime must be onnx or torch")

    def progress(view: str, done: int, total: int) -> None:
        if done == total or done % 320 == 0:
            console.print(f"  features ({view}): {done}/{total}")

    report = train_head(data, runtime=runtime, progress=progress)  # type: ignore[arg-type]
    report.head.save(out)

    def rounded(acc: Accuracy) -> dict[str, float]:
        return {key: round(value, 6) for key, value in asdict(acc).items()}

    metrics = {
        "train_photos": report.train_count,
        "recipe": asdict(RECIPE),
        "temperature": report.head.temperature,
        "train_cv": rounded(report.cv),
        "val": rounded(report.val),
    }
    out.with_suffix(".metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    for name, acc in (("train CV", report.cv), ("val", report.val)):
        console.print(
            f"{name} ({acc.count} photos): fine top-1 {acc.fine_top1:.1%}, top-3 {acc.fine_top3:.1%}; "
            f"coarse top-1 {acc.coarse_top1:.1%}, top-3 {acc.coarse_top3:.1%}"
        )
    console.print(f"head written to {out} ({out.stat().st_size / 1024:.0f} KiB) in {report.seconds:.0f} s")
