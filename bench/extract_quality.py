"""Extraction quality: run the tasks of `quality_tasks` through `localgenie.extract_details` and score them.

    python bench/extract_quality.py                                   # tiny, all tasks
    python bench/extract_quality.py --models tiny,default --limit 30  # spread over levels and schemas
    python bench/extract_quality.py --level complex --schema invoice --jsonl-out runs.jsonl

Tasks of one schema run one after another (the instructions part of the prompt is the same, so the
backend can reuse its prompt cache), in a fixed order.  A task with ``expect_error`` is right when the
extractor raises `SchemaViolation` or `BadInput` and wrong when it returns a value.  There is no time
limit inside; progress goes to stderr, one line per task, and the summary table is on the last lines.

A whole run can take hours (a task whose answer is cut off costs three full-length attempts); with
``--lock /tmp/genie-cpu.lock`` the shared CPU lock is held per task, not for the whole run, so other
people's jobs get their turn in between and no task is timed while another lock holder runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from _common import holding, summary
from _grounding import calibration, grounding_cost, grounding_figures, leaf_records
from _quality import SPECS
from localgenie import BadInput, SchemaViolation, Usage, extract_details, get_backend
from localgenie.evaluation import TaskResult, exact_match, summarise
from localgenie.llm import Backend, GenerationOptions, Message, Response
from localgenie.structured import Extraction, schema_errors
from localgenie.structured.complete import check_answer
from quality_tasks import LEVELS, Task, build_tasks

LOOP = "repeating itself"
CUT_OFF = "cut off"


def select(tasks: Sequence[Task], limit: int | None) -> list[Task]:
    """At most ``limit`` tasks, spread evenly over levels and, inside a level, over schemas (round robin);
    returned in running order: schema by schema (the benchmark's schema order), then by id."""
    chosen = sorted(tasks, key=lambda t: t["id"])  # the same picks whatever order the tasks came in
    if limit is not None and limit < len(chosen):
        queues: dict[str, list[list[Task]]] = {}
        for level in LEVELS:
            names = list(dict.fromkeys(t["schema_name"] for t in chosen if t["level"] == level))
            queues[level] = [[t for t in chosen if t["schema_name"] == name] for name in names]
        picked: list[Task] = []
        turn = {level: 0 for level in LEVELS}
        while len(picked) < limit and any(any(q) for q in queues.values()):
            for level in LEVELS:
                schemas = [q for q in queues[level] if q]
                if not schemas or len(picked) >= limit:
                    continue
                queue = schemas[turn[level] % len(schemas)]
                turn[level] += 1
                picked.append(queue.pop(0))
        chosen = picked
    order = {spec.name: n for n, spec in enumerate(SPECS)}
    return sorted(chosen, key=lambda t: (order[t["schema_name"]], t["id"]))


class Recorder:
    """Keeps every response the backend hands out, so that a failed extraction's cost is known too.

    It replaces ``prompt`` on the backend instance rather than wrapping the backend, so the extractor
    still sees the real backend class.
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.responses: list[Response] = []
        original = backend.prompt

        def prompt(messages: list[Message], options: GenerationOptions | None = None) -> Response:
            response = original(messages, options)
            self.responses.append(response)
            return response

        backend.prompt = prompt  # type: ignore[method-assign]

    def take(self) -> list[Response]:
        taken, self.responses = self.responses, []
        return taken


def run_task(task: Task, model: str, recorder: Recorder) -> tuple[TaskResult, dict[str, Any]]:
    started = time.perf_counter()
    value: Any = None
    error: BaseException | None = None
    attempts = 0
    failures: list[list[tuple[str, str]]] = []
    extraction: Extraction[Any] | None = None
    try:
        extraction = extract_details(task["text"], task["schema"], backend=recorder.backend)
        value, attempts, failures = extraction.value, extraction.attempts, extraction.failures
    except SchemaViolation as exc:
        error, attempts = exc, exc.attempts
        failures = [exc.errors]
    except Exception as exc:  # a crash is a finding too: record it and go on with the next task
        error = exc
        if not isinstance(exc, BadInput):
            traceback.print_exc(file=sys.stderr)
    seconds = time.perf_counter() - started
    responses = recorder.take()
    usage = Usage()
    for response in responses:
        usage += response.usage
    result = TaskResult(
        id=task["id"],
        group=task["level"],
        expected=task["expected"],
        got=value if error is None else None,
        error=type(error).__name__ if error is not None else None,
        refused=isinstance(error, SchemaViolation | BadInput),
        expect_error=task["expect_error"],
        schema_valid=error is None and not schema_errors(task["schema"], value),
        seconds=seconds,
        attempts=attempts or len(responses),
    )
    tp, fp, fn = result.counts
    record = {
        "model": model,
        "id": task["id"],
        "level": task["level"],
        "schema_name": task["schema_name"],
        "tags": task["tags"],
        "expect_error": task["expect_error"],
        "ok": result.correct,
        "exact": error is None and exact_match(task["expected"], value),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "schema_valid": result.schema_valid,
        "seconds": round(seconds, 3),
        "attempts": result.attempts,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "forward_passes": usage.forward_passes,
        "cached_prompt_tokens": usage.cached_prompt_tokens,
        "error_type": result.error,
        "error_message": str(error) if error is not None else None,
        "failures": failures,
        "finish_reasons": [r.finish_reason for r in responses],
        "attempt_outcomes": [outcome(task, r) for r in responses],
        "raw": [r.text() for r in responses],
        "value": value,
        "expected": task["expected"],
        "leaves": leaf_records(task, extraction),
        "grounding_seconds": None
        if extraction is None
        else round(grounding_cost(task["text"], extraction), 6),
    }
    return result, record


def outcome(task: Task, response: Response) -> str:
    """What one attempt produced, judged as the extractor judges it: ``valid``, ``completed`` (valid once
    code left out the absent optional fields and completed near-miss formats), or why it failed
    (``loop``, ``cut off``, ``invalid JSON``, ``schema``)."""
    if response.finish_reason == "repetition":
        return "loop"
    if response.finish_reason == "length":
        return "cut off"
    try:
        value = json.loads(response.text())
    except json.JSONDecodeError:
        return "invalid JSON"
    if not schema_errors(task["schema"], value):
        return "valid"
    checked = check_answer(response.text(), task["schema"], None, response.finish_reason, 0)
    return "schema" if checked.errors else "completed"


def report(model: str, seed: int, results: list[TaskResult], records: list[dict[str, Any]]) -> None:
    figures = summarise(results)
    rows = [("level", "tasks  exact  field F1  valid   median s  p90 s  attempts  errors")]
    for group, f in figures.items():
        errors = ", ".join(f"{kind} {n}" for kind, n in f["errors"].items()) or "-"
        rows.append(
            (
                group,
                f"{f['tasks']:>5}  {f['exact_match']:>5.2f}  {f['field_f1']:>8.2f}  "
                f"{f['schema_valid']:>5.2f}  {f['median_seconds']:>9.2f}  {f['p90_seconds']:>5.1f}  "
                f"{f['mean_attempts']:>8.2f}  {errors}",
            )
        )
    messages = [r["error_message"] or "" for r in records if r["error_type"]]
    rows.append(
        (
            "errors said",
            f"'{LOOP}' {sum(LOOP in m for m in messages)}, '{CUT_OFF}' {sum(CUT_OFF in m for m in messages)}",
        )
    )
    failed = Counter(
        kind for r in records for kind in r["attempt_outcomes"] if kind not in ("valid", "completed")
    )
    completed = sum(kind == "completed" for r in records for kind in r["attempt_outcomes"])
    attempts = sum(len(r["attempt_outcomes"]) for r in records)
    listing = ", ".join(f"{k} {n}" for k, n in failed.most_common()) or "none"
    rows.append(("failed attempts", f"{sum(failed.values())} of {attempts}: {listing}"))
    rows.append(
        ("completed by code", f"{completed} answers valid once code left out nulls, completed formats")
    )
    traps = [r for r in records if r["expect_error"]]
    rows.append(("expect_error", f"{sum(r['ok'] for r in traps)}/{len(traps)} refused clearly"))
    n = max(len(records), 1)

    def mean(key: str) -> float:
        return float(sum(r[key] for r in records)) / n

    rows.append(
        (
            "per task",
            f"prompt {mean('prompt_tokens'):.0f} tok (cached {mean('cached_prompt_tokens'):.0f}), "
            f"completion {mean('completion_tokens'):.0f} tok, "
            f"forward passes {mean('forward_passes'):.0f}",
        )
    )
    retried = sum(r["attempts"] > 1 for r in records)
    rows.append(
        ("retries", f"{retried}/{len(records)} tasks ({retried / n:.0%}) needed more than one attempt")
    )
    rows.extend(grounding_rows(records))
    summary(f"extraction quality: {model}, {len(records)} tasks, seed {seed}", rows)


def grounding_rows(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Spans against the tasks' known places, the cost of spans and confidence, and calibration."""
    every = [leaf for r in records for leaf in r["leaves"]]
    g = grounding_figures(every)
    # Of the leaves the model got right, the spans measure the grounder alone; of all expected leaves
    # they also count the values the model missed or got wrong (a wrong value's span shows where it was
    # read, which is the "wrong place" for the expected value).
    ok = grounding_figures([leaf for leaf in every if leaf["right"]])
    rows = [
        (
            "spans correct",
            f"{ok['correct_share']:.3f} of right leaves with a known place ({ok['correct']}/"
            f"{ok['expected_with_place']}; goal >= 0.95); {g['correct_share']:.3f} of all expected "
            f"({g['correct']}/{g['expected_with_place']})",
        ),
        (
            "spans misplaced",
            f"{ok['wrong_place_share']:.3f} of spans on right leaves point elsewhere ({ok['wrong_place']}/"
            f"{ok['spans_judged']}; goal <= 0.01); {g['wrong_place_share']:.3f} with wrong values "
            f"({g['wrong_place']}/{g['spans_judged']})",
        ),
        (
            "not judged",
            f"{g['expected_without_place']} expected leaves with no known place (inferred); "
            f"{g['unjudged_spans']} spans there",
        ),
        (
            "right when",
            f"grounded {g['grounded_right']:.2f} ({g['grounded']} leaves), "
            f"ungrounded {g['ungrounded_right']:.2f} ({g['ungrounded']})",
        ),
    ]
    costs = [(r["grounding_seconds"], r["seconds"]) for r in records if r["grounding_seconds"] is not None]
    if costs:
        spent, total = sum(c for c, _ in costs), sum(s for _, s in costs)
        rows.append(
            (
                "spans+confidence",
                f"{1000 * spent / len(costs):.2f} ms per extraction, {spent / total:.2%} of extraction time "
                f"(max {1000 * max(c for c, _ in costs):.1f} ms; goal <= 5%)",
            )
        )
    for key in ("min", "mean"):
        table = calibration(every, key)
        cells = [
            f"[{low:.2f},{high:.2f}{']' if high == 1.0 else ')'} {count} {right:.2f}"
            for low, high, count, right in table
            if count
        ]
        rows.append((f"calibration {key}", "; ".join(cells) or "no confidence reported"))
    return rows


def progress(out: TextIO, n: int, total: int, model: str, result: TaskResult, record: dict[str, Any]) -> None:
    status = "ok " if result.correct else ("ERR" if result.error else "bad")
    detail = record["error_type"] or f"tp {record['tp']} fp {record['fp']} fn {record['fn']}"
    print(
        f"[{n:>3}/{total}] {model:<8} {result.id:<32} {status} {result.seconds:6.1f}s "
        f"att {result.attempts}  {detail}",
        file=out,
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="one model (same as --models NAME)")
    parser.add_argument("--models", default="tiny", help="comma-separated: tiny,default")
    parser.add_argument("--limit", type=int, help="at most N tasks, spread over levels and schemas")
    parser.add_argument("--level", help="only these levels (comma-separated)")
    parser.add_argument("--schema", help="only these schemas (comma-separated names)")
    parser.add_argument("--seed", type=int, default=0, help="task generator seed")
    parser.add_argument("--jsonl-out", type=Path, help="write one record per task and model")
    parser.add_argument("--lock", type=Path, help="hold this flock while each task runs (and while loading)")
    args = parser.parse_args(argv)
    models = [args.model] if args.model else [m.strip() for m in args.models.split(",") if m.strip()]
    tasks = build_tasks(args.seed)
    if args.level:
        tasks = [t for t in tasks if t["level"] in args.level.split(",")]
    if args.schema:
        tasks = [t for t in tasks if t["schema_name"] in args.schema.split(",")]
    tasks = select(tasks, args.limit)
    if not tasks:
        parser.error("no task matches --level / --schema")
    sink = args.jsonl_out.open("w", encoding="utf-8") if args.jsonl_out else None
    reports = []
    try:
        for model in models:
            with holding(args.lock, pause=0.2):
                recorder = Recorder(get_backend(model))
            results, records = [], []
            for n, task in enumerate(tasks, 1):
                with holding(args.lock, pause=0.2):
                    result, record = run_task(task, model, recorder)
                results.append(result)
                records.append(record)
                progress(sys.stderr, n, len(tasks), model, result, record)
                if sink:
                    sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                    sink.flush()
            reports.append((model, results, records))
    finally:
        if sink:
            sink.close()
    for model, results, records in reports:
        report(model, args.seed, results, records)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
