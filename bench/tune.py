"""`genie tune` measured: tiny before and after LoRA on the extraction quality tasks, on two test splits.

    python bench/tune.py                      # ~300 training examples, 3 epochs at most
    python bench/tune.py --train-size 60 --epochs 1 --reference default

Splits (from `quality_tasks`, seed 0 for the tests):

- **unseen schemas**: whole schemas held out (`split(by="schema")`), never trained on;
- **unseen texts of seen schemas**: a quarter of each remaining schema's seed-0 tasks
  (`split(by="text")`).

Training uses the rest of the seen schemas' seed-0 tasks, then their tasks of seeds 1, 2, ... (new
documents drawn by the same generator) until ``--train-size``; a text that is also a test text is
never used.  Base and tuned model run on each test item one after the other (``evaluate(...,
compare=...)``), so machine noise falls on both alike; the decode speed ratio is measured the same way
on one fixed prompt.  ``--lock FILE`` holds a flock while training and evaluating only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _common import holding, summary
from localgenie.evaluation.run import Report, evaluate, load_examples
from localgenie.llm import GenerationOptions, get_backend
from localgenie.structured.prompt import extraction_messages
from localgenie.tune import TuneOptions, tune
from quality_tasks import Task, build_tasks, split

NAME = "bench-tune"


def splits(train_size: int) -> tuple[list[Task], list[Task], list[Task]]:
    """``(train, test_seen_schemas, test_unseen_schemas)``."""
    tasks = build_tasks(0)
    seen, unseen = split(tasks, by="schema")
    train, test_seen = split(seen, by="text")
    names = {t["schema_name"] for t in seen}
    held_texts = {t["text"] for t in [*test_seen, *unseen]}
    train = [t for t in train if not t["expect_error"]]
    seed = 1
    while len(train) < train_size and seed < 50:
        more = [
            t
            for t in build_tasks(seed)
            if t["schema_name"] in names and not t["expect_error"] and t["text"] not in held_texts
        ]
        train.extend(more[: train_size - len(train)])
        seed += 1
    return train[:train_size], test_seen, unseen


def write(tasks: Sequence[Task], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for task in tasks:
            line: dict[str, Any] = {key: task[key] for key in ("text", "schema", "expected")}
            if task["expect_error"]:
                line["expect_error"] = True
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path


def decode_speed(models: Sequence[str], rounds: int = 5) -> dict[str, float]:
    """Decode tokens per second of each model on one prompt, unconstrained, rounds interleaved (best)."""
    schema = build_tasks(0)[0]["schema"]
    messages = extraction_messages(schema, "Write a long, detailed story about a cat named Bob in Paris.")
    best = dict.fromkeys(models, 0.0)
    for _ in range(rounds):
        for model in models:
            backend = get_backend(model)
            response = backend.prompt(messages, GenerationOptions(max_tokens=96))
            first: float | None = None
            count = 0
            for _token in response.tokens():
                count += 1
                if first is None:
                    first = time.perf_counter()
            if first is not None and count > 1:
                best[model] = max(best[model], (count - 1) / (time.perf_counter() - first))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="tiny")
    parser.add_argument("--train-size", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--reference", help="also score this untuned model on the tests (e.g. default)")
    parser.add_argument("--lock", type=Path, help="hold this flock while training and evaluating")
    parser.add_argument("--json-out", type=Path, help="write every figure as JSON")
    args = parser.parse_args(argv)

    train, seen, unseen = splits(args.train_size)
    folder = Path(tempfile.mkdtemp(prefix="genie-bench-tune-"))
    train_file = write(train, folder / "train.jsonl")
    tests = {"unseen texts, seen schemas": write(seen, folder / "test-seen.jsonl")}
    tests["unseen schemas"] = write(unseen, folder / "test-unseen.jsonl")
    print(
        f"train {len(train)} examples of {len({t['schema_name'] for t in train})} schemas; "
        f"test {len(seen)} unseen texts, {len(unseen)} tasks of {len({t['schema_name'] for t in unseen})} "
        f"unseen schemas ({folder})",
        file=sys.stderr,
    )

    def progress(event: Any) -> None:
        if event.kind == "epoch" or event.kind == "baseline":
            print(f"  {event.kind} {event.result}", file=sys.stderr, flush=True)
        elif event.kind == "step" and event.done % 20 == 0:
            print(f"  epoch {event.epoch} {event.done}/{event.total} loss {event.loss:.3f}", file=sys.stderr)

    options = TuneOptions(
        base=args.base, epochs=args.epochs, learning_rate=args.learning_rate, baseline=False
    )
    with holding(args.lock):
        result = tune(train_file, NAME, options, force=True, on_event=progress)
    tuned = f"tuned:{NAME}"
    reports: dict[str, Report] = {}
    for label, path in tests.items():
        items, _ = load_examples(path)
        with holding(args.lock):
            reports[label] = evaluate(items, args.base, compare=tuned)
            if args.reference:
                reports[label + " (reference)"] = evaluate(items, args.reference)
    with holding(args.lock):
        speed = decode_speed([args.base, tuned])

    card = result.card
    figures: dict[str, Any] = {
        "train_examples": len(train),
        "epochs_run": len(result.epochs),
        "best_epoch": card["metrics"]["best_epoch"],
        "status": result.status,
        "training_seconds": card["seconds"],
        "seconds_per_epoch": [round(e.seconds, 1) for e in result.epochs],
        "peak_rss_mb": card["peak_rss_mb"],
        "decode_tok_s": speed,
        "tests": {
            label: {name: report.figures(name)["overall"] for name in report.models}
            for label, report in reports.items()
        },
    }
    per_epoch = ", ".join(f"{s:.0f}" for s in figures["seconds_per_epoch"])
    rows: list[tuple[str, str]] = [
        ("train examples", f"{len(train)} ({len({t['schema_name'] for t in train})} schemas)"),
        ("epochs", f"{len(result.epochs)} run, best {figures['best_epoch']} ({result.status})"),
        ("training time", f"{card['seconds'] / 60:.1f} min ({per_epoch} s per epoch)"),
        ("peak RSS", f"{card['peak_rss_mb']:,} MB"),
    ]
    for label, report in reports.items():
        for name in report.models:
            f = report.figures(name)["overall"]
            rows.append(
                (
                    f"{label}: {name}",
                    f"exact {f['exact_match']:.2f}  F1 {f['field_f1']:.2f}  valid {f['schema_valid']:.2f}  "
                    f"median {f['median_seconds']:.2f} s  ({f['tasks']} tasks)",
                )
            )
        if len(report.models) == 2:
            a, b = (report.figures(name)["overall"]["median_seconds"] for name in report.models)
            rows.append((f"{label}: seconds per item tuned/base", f"{b / a:.2f}×" if a else "-"))
    base_speed, tuned_speed = speed[args.base], speed[tuned]
    rows.append(
        ("decode tok/s tuned/base", f"{tuned_speed:.1f} / {base_speed:.1f} = {tuned_speed / base_speed:.2f}×")
    )
    summary(f"genie tune: {args.base}, {len(train)} examples", rows)
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
