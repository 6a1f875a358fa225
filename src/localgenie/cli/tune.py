"""``genie tune``: LoRA fine-tuning of a shipped model on your examples, on the CPU, into ``tuned:NAME``."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ..errors import BadInput
from .batch import progress_bar


def tune_command(
    examples: Annotated[
        Path,
        typer.Argument(
            help='JSON lines as for genie eval: {"text", "schema", "expected"}; at least 20 usable lines.',
            show_default=False,
        ),
    ],
    name: Annotated[str, typer.Option("--name", "-n", help="Name of the result: --model tuned:NAME.")],
    base: Annotated[
        str, typer.Option("--base", help="The model to tune: tiny, default or a .gguf path.")
    ] = "tiny",
    epochs: Annotated[int, typer.Option("--epochs", min=1)] = 3,
    eval_split: Annotated[
        float, typer.Option("--eval-split", help="Share of the examples held out to measure each epoch.")
    ] = 0.2,
    learning_rate: Annotated[float, typer.Option("--learning-rate", "--lr")] = 5e-4,
    rank: Annotated[int, typer.Option("--rank", min=1, help="LoRA rank.")] = 16,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Examples per optimiser step.")] = 4,
    patience: Annotated[
        int, typer.Option("--patience", min=1, help="Stop after this many epochs without a better score.")
    ] = 1,
    max_length: Annotated[
        int,
        typer.Option("--max-length", min=64, help="Skip longer examples (prompt + answer tokens)."),
    ] = 2048,
    quantisation: Annotated[
        str, typer.Option("--quantisation", help="q8_0 (default) or f16 for the written model.")
    ] = "q8_0",
    seed: Annotated[int, typer.Option("--seed")] = 0,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue NAME from its last checkpoint (same examples file).")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing tuned model NAME.")] = False,
) -> None:
    """Fine-tune a small model on your examples (LoRA, CPU): loss and held-out exact match each epoch,
    early stopping, a checkpoint per epoch (--resume; Ctrl-C keeps the last one); the result is used
    with --model tuned:NAME everywhere."""
    from ..tune import QUANTISATIONS, TuneEvent, TuneOptions, tune

    if quantisation not in QUANTISATIONS:
        raise BadInput(f"--quantisation must be one of {', '.join(QUANTISATIONS)}, not {quantisation!r}")
    if resume and force:
        raise BadInput("--resume continues a model and --force replaces it: give one of them")
    options = TuneOptions(
        base=base,
        epochs=epochs,
        eval_split=eval_split,
        learning_rate=learning_rate,
        rank=rank,
        alpha=2 * rank,
        batch_size=batch_size,
        patience=patience,
        max_length=max_length,
        quantisation=quantisation,  # type: ignore[arg-type]
        seed=seed,
    )
    console = Console(stderr=True)
    with progress_bar(console) as bar:
        task = bar.add_task("preparing", total=None)

        def show(event: TuneEvent) -> None:
            if event.kind in ("start", "evaluate"):
                label = f"epoch {event.epoch} train" if event.kind == "start" else _eval_label(event.epoch)
                bar.reset(task, total=event.total, description=label)
            elif event.kind == "step":
                bar.update(
                    task, completed=event.done, description=f"epoch {event.epoch} loss {event.loss:.3f}"
                )
            elif event.kind == "scored":
                bar.update(task, completed=event.done)
            elif event.result is not None:
                r = event.result
                if event.kind == "baseline":
                    bar.console.print(
                        f"base model  held-out exact {r.eval_exact_match:.2f}  F1 {r.eval_field_f1:.2f}"
                    )
                else:
                    bar.console.print(
                        f"epoch {r.epoch}  loss {r.train_loss:.3f}  held-out loss {r.eval_loss:.3f}  "
                        f"exact {r.eval_exact_match:.2f}  F1 {r.eval_field_f1:.2f}  {r.seconds:.0f} s"
                    )

        try:
            result = tune(examples, name, options, resume=resume, force=force, on_event=show)
        except KeyboardInterrupt:
            print(
                f"genie: interrupted: the last finished epoch's checkpoint is kept; "
                f"'genie tune {examples} --name {name} --resume' continues",
                file=sys.stderr,
            )
            raise
    for line, reason in result.skipped:
        print(f"genie: warning: {examples}:{line}: skipped: {reason}", file=sys.stderr)
    print(_summary(result.card, result.status, str(result.path)))


def _eval_label(epoch: int) -> str:
    return "scoring the base model" if epoch == 0 else f"epoch {epoch} scoring"


def _summary(card: dict[str, Any], status: str, path: str) -> str:
    metrics = card["metrics"]
    before = metrics.get("base_eval_exact_match")
    after = metrics.get("eval_exact_match")
    line = f"tuned:{card['name']} ({status}, best epoch {metrics.get('best_epoch')}, {card['seconds']:.0f} s)"
    if isinstance(after, float) and not math.isnan(after):
        line += f": held-out exact match {after:.2f}"
        if isinstance(before, float):
            line += f" (base {before:.2f})"
    return f"{line}\n{path}"
