"""Extract JSON matching a schema from text: genie extract --schema SCHEMA [TEXT | -].

SCHEMA is a JSON Schema file or text, a saved name (genie schemas save), or a concise schema such as
'name, age int, bio: a one-sentence bio' (genie schemas dsl --help shows the syntax).

--spans shows where in the text each value stands (offsets in Python characters, null when the value is
not in the text); --grounded-only refuses values that are not in it; --min-confidence flags values the
model was unsure of (exit code 3); --html FILE writes a review to open in a browser: the text with each
value marked in its field's colour, and every value's place and confidence.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from ..api import ResolvedSchema, resolve
from ..batch import MAX_CONCURRENCY
from ..cascade import Cascade, is_cascade
from ..errors import BadInput, SchemaViolation
from ..llm import Usage, get_backend
from ..review import DEFAULT_MIN_CONFIDENCE, review_html
from ..structured import DEFAULT_MAX_RETRIES, Extraction
from ..structured.complete import RAW_KEPT_CHARS
from .batch import read_lines, run_batch
from .chunked import chunk_lines, run_chunked
from .live import run_streamed
from .run import Run, check_confidence, stderr
from .scale import RAY_HELP, address_of, check_ray_options


def _read_stdin() -> str:
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"standard input is not UTF-8 text (bad byte at offset {exc.start})") from None


def extract_command(
    text: Annotated[
        str | None, typer.Argument(help="The text, or - (or nothing) to read standard input.")
    ] = None,
    schema: Annotated[
        str,
        typer.Option(
            "--schema",
            "-s",
            help="JSON Schema file or text, a saved schema name, or a concise schema: 'name, age int'.",
        ),
    ] = "",
    multi: Annotated[
        bool,
        typer.Option(
            "--multi", help='The schema is for one item: answer {"items": [...]}, every one in the text.'
        ),
    ] = False,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="tiny, default, a .gguf path, a server's model name, or auto: tiny first, default when "
            "tiny's answer fails the checks (see --cascade).",
        ),
    ] = None,
    cascade: Annotated[
        str | None,
        typer.Option(
            "--cascade",
            metavar="STAGES",
            help="Models to ask in turn, e.g. tiny,default,remote (remote: the --base-url server): an "
            "earlier model's answer is kept only when its values are in the text and its confidence is "
            "high; --verbose says which model answered and why others did not.",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="OpenAI-compatible server, e.g. http://localhost:11434/v1 (env GENIE_BASE_URL).",
        ),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="API key for --base-url (env GENIE_API_KEY).")
    ] = None,
    json_lines: Annotated[
        str | None,
        typer.Option(
            "--json-lines",
            metavar="FILE|-",
            help="One text per line of FILE (or standard input: -); one JSON line out per input line, "
            'an {"error": ..., "line": N} record for a line that failed. Finished lines are cached: run '
            "the same command again after a crash or Ctrl-C and they are not extracted again.",
        ),
    ] = None,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            "-j",
            min=1,
            max=MAX_CONCURRENCY,
            help="With --json-lines and a server (--base-url): requests in flight at once (with --ray, over "
            "all actors); output stays in input order. The embedded model answers one at a time: there it "
            "stays 1 (a warning says so).",
        ),
    ] = 1,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="With --json-lines: neither take finished lines from the result cache nor add to it "
            "(env GENIE_RESULT_CACHE=0).",
        ),
    ] = False,
    max_retries: Annotated[
        int, typer.Option(min=0, max=10, help="Retries after an invalid answer.")
    ] = DEFAULT_MAX_RETRIES,
    max_tokens: Annotated[
        int | None,
        typer.Option(min=16, help="Most tokens one answer may take (default: sized from schema and text)."),
    ] = None,
    stream: Annotated[
        bool,
        typer.Option(
            "--stream",
            help="Redraw the object on the terminal (stderr, else /dev/tty) as its fields are written; "
            "the final JSON still goes to stdout.",
        ),
    ] = False,
    no_log: Annotated[
        bool, typer.Option("--no-log", help="Do not write this run to the extraction log (env GENIE_LOG=0).")
    ] = False,
    spans: Annotated[
        bool,
        typer.Option(
            "--spans",
            help='Print {"value": ..., "spans": {"/pointer": [start, end] | null}}: where each value stands '
            "in the text (Python character offsets; null: not in the text).",
        ),
    ] = False,
    grounded_only: Annotated[
        bool,
        typer.Option(
            "--grounded-only",
            help="Every copied string (not enums) must be found in the text: retried, then exit 3 naming "
            'the field. Fields marked "x-grounded": true in the schema always must; false exempts one.',
        ),
    ] = False,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            "--min-confidence",
            min=0.0,
            max=1.0,
            help="Exit 3 naming the fields whose least likely token is below this probability (values "
            "and confidences on stderr; the JSON is still printed).",
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            dir_okay=False,
            help="Also write a self-contained HTML review to FILE: the text with each value found in it "
            "marked in its field's colour (hover: the field, value and confidence), and a table of every "
            "value, those not in the text and those under --min-confidence (default 0.5) flagged.",
        ),
    ] = None,
    passes: Annotated[
        int,
        typer.Option(
            "--passes",
            min=1,
            max=3,
            help="Read the text this many times, the chunk cuts moved each time, for recall (a text "
            "longer than the model's context is always read in overlapping chunks).",
        ),
    ] = 1,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Report attempts, tokens and time on stderr; when no valid answer came, the last raw "
            "answer too.",
        ),
    ] = False,
    ray: Annotated[
        str | None, typer.Option("--ray", metavar="[ADDRESS]", help="With --json-lines: " + RAY_HELP)
    ] = None,
    actors: Annotated[
        int, typer.Option("--actors", min=1, max=256, help="With --ray: workers, each with its own model.")
    ] = 2,
    threads_per_actor: Annotated[
        int,
        typer.Option(
            "--threads-per-actor",
            min=1,
            max=64,
            help="With --ray: decode threads per embedded model, or requests in flight per worker with "
            "--base-url.",
        ),
    ] = 1,
) -> None:
    if not schema:
        raise BadInput(
            "--schema is required: a JSON Schema file, a saved name, or fields like 'name, age int'"
        )
    if json_lines is not None and text is not None:
        hint = f"use --json-lines {text}" if Path(text).is_file() else "drop TEXT"
        raise BadInput(
            f"--json-lines {json_lines} reads the texts from there, so TEXT {text!r} has no use: {hint}"
        )
    if stream and json_lines is not None:
        raise BadInput("--stream shows one object as it is written: it cannot be used with --json-lines")
    if ray is not None:
        check_ray_options(json_lines, cascade or (model if is_cascade(model) else None))
    if html is not None:
        _check_html(html, json_lines)
    if concurrency > 1 and json_lines is None:
        raise BadInput(
            f"--concurrency {concurrency} runs several lines of a --json-lines batch at once: one text has "
            "one request"
        )
    resolved = resolve(schema)
    chain = _chain(model, cascade, base_url, api_key)
    run = Run(
        resolved, multi, max_retries, max_tokens, not no_log, grounded_only, spans, min_confidence, chain
    )
    if passes != 1:
        run = replace(run, passes=passes)
    if json_lines is not None:
        lines = read_lines(json_lines)  # before loading the model: a missing file fails in no time
        if ray is not None:
            from ..scale.batch import RayEngine  # imports no Ray: the batch does

            engine = RayEngine(address_of(ray), actors, threads_per_actor)
            run_batch(
                lines, run, None, verbose=verbose, concurrency=concurrency, cache=not no_cache, ray=engine,
                model=model, base_url=base_url, api_key=api_key,
            )  # fmt: skip
            return
        backend = None if chain else get_backend(model, base_url=base_url, api_key=api_key)
        run_batch(lines, run, backend, verbose=verbose, concurrency=concurrency, cache=not no_cache)
        return
    source = _read_stdin() if text in (None, "-") else text
    assert source is not None
    backend = None if chain else get_backend(model, base_url=base_url, api_key=api_key)
    started = time.perf_counter()
    try:
        result = (
            run_streamed(run.stream(source, backend)) if stream else run_chunked(run.stream(source, backend))
        )
    except SchemaViolation as error:
        if verbose:
            _report_failure(error, time.perf_counter() - started)
        raise
    print(json.dumps(run.output(result), ensure_ascii=False))
    if html is not None:  # before the confidence check: the review is where an unsure value is checked
        threshold = DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence
        write_review(html, source, result, resolved, threshold, verbose=verbose)
    if verbose:
        _report(result, time.perf_counter() - started)
    elif failed_chunks := [report for report in result.chunks if report.error]:
        stderr.print(
            f"genie: {len(failed_chunks)} of {len(result.chunks)} chunks of the text gave no valid answer: "
            "what they hold is missing (--verbose says which)",
            highlight=False,
        )
    if min_confidence is not None:
        check_confidence(result, min_confidence, show=True)


def _check_html(path: Path, json_lines: str | None) -> None:
    """Refuse an --html that cannot be written, before the model is loaded."""
    if json_lines is not None:
        raise BadInput(
            f"--html {path} reviews one text: it cannot be used with --json-lines (run genie extract "
            "--html once per text, or --spans for every line's spans)"
        )
    if not path.parent.is_dir():
        raise BadInput(f"--html {path}: the folder {path.parent} does not exist")


def write_review(
    path: Path,
    text: str,
    result: Extraction[Any],
    resolved: ResolvedSchema,
    min_confidence: float,
    *,
    verbose: bool = False,
) -> None:
    """The review of ``result`` (`localgenie.review`) as a self-contained HTML file."""
    title = f"Genie review: {resolved.name}" if resolved.name else "Genie review"
    document = review_html(text, result, title=title, min_confidence=min_confidence)
    try:
        # errors="replace": a command-line argument that was not UTF-8 holds surrogates no file can.
        path.write_text(document, encoding="utf-8", errors="replace")
    except OSError as exc:
        raise BadInput(f"cannot write the review to {path}: {exc.strerror or exc}") from exc
    if verbose:
        stderr.print(f"review written to {path}", highlight=False, markup=False)


def _chain(
    model: str | None, stages: str | None, base_url: str | None, api_key: str | None
) -> Cascade | None:
    """The cascade of ``--cascade STAGES`` or ``--model auto`` (or a chain given to --model), if any."""
    if stages is not None and model is not None:
        raise BadInput(f"--cascade {stages} names the models to ask: it cannot be used with --model {model}")
    chain = stages if stages is not None else model
    if chain is None or not is_cascade(chain):
        return None
    return Cascade.parse(chain, base_url=base_url, api_key=api_key)


def stage_lines(result: Extraction[Any]) -> list[str]:
    """One line per model a cascade asked: what became of it, why, and what it cost."""
    lines = []
    for report in result.stages:
        why = f": {'; '.join(report.reasons[:4])}" if report.reasons else ""
        lines.append(f"{report.stage} {report.outcome} ({report.seconds:.2f} s){why}")
    return lines


def _report(result: Extraction[Any], seconds: float) -> None:
    for line in stage_lines(result):
        stderr.print(f"stage {line}", highlight=False, markup=False)
    for line in chunk_lines(result):
        stderr.print(line, highlight=False, markup=False)
    stderr.print(_cost(result.attempts, result.usage, seconds), highlight=False)


def _cost(attempts: int, usage: Usage | None, seconds: float) -> str:
    if usage is None:
        return f"{attempts} attempt(s), {seconds:.2f} s"
    passes_note = f", {usage.forward_passes} forward passes" if usage.forward_passes else ""
    return (
        f"{attempts} attempt(s), {usage.prompt_tokens} prompt + {usage.completion_tokens} output "
        f"tokens{passes_note}, {seconds:.2f} s"
    )


def _report_failure(error: SchemaViolation, seconds: float) -> None:
    """What the failed attempts cost and the last raw answer, to see *how* the model went wrong (a loop,
    a cut-off, a wrong key) before choosing a fix: a larger model, --max-tokens, a simpler schema."""
    stderr.print(_cost(error.attempts, error.usage, seconds), highlight=False)
    if not error.raw:
        stderr.print("no answer text was kept", highlight=False)
        return
    cut = " (cut: only the first characters are kept)" if len(error.raw) >= RAW_KEPT_CHARS else ""
    stderr.print(f"last answer ({len(error.raw):,} characters{cut}):", highlight=False)
    stderr.print(error.raw, highlight=False, markup=False, soft_wrap=True)
