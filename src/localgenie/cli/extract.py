"""Extract JSON matching a schema from text: genie extract --schema SCHEMA [TEXT | -].

SCHEMA is a JSON Schema file or text, a saved name (genie schemas save), or a concise schema such as
'name, age int, bio: a one-sentence bio' (genie schemas dsl --help shows the syntax).

--spans shows where in the text each value stands (offsets in Python characters, null when the value is
not in the text); --grounded-only refuses values that are not in it; --min-confidence flags values the
model was unsure of (exit code 3).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.json import JSON
from rich.live import Live
from rich.text import Text

from ..api import ResolvedSchema, extract_stream, resolve
from ..cascade import Cascade, Escalation, is_cascade
from ..errors import BadInput, LowConfidence, SchemaViolation
from ..llm import Backend, Usage, get_backend
from ..structured import DEFAULT_MAX_RETRIES, Extraction, Partial, Retry, StreamEvent
from ..structured.complete import RAW_KEPT_CHARS, final_result
from ..structured.partial import json_path
from .batch import error_record, progress_bar, read_lines
from .scale import RAY_HELP, check_ray_options, ray_batch

stderr = Console(stderr=True)


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
            'an {"error": ..., "line": N} record for a line that failed.',
        ),
    ] = None,
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
        check_ray_options(
            json_lines, cascade or (model if is_cascade(model) else None), spans, min_confidence
        )
    resolved = resolve(schema)
    chain = _chain(model, cascade, base_url, api_key)
    run = Run(
        resolved, multi, max_retries, max_tokens, not no_log, grounded_only, spans, min_confidence, chain
    )
    if json_lines is not None:
        lines = read_lines(json_lines)  # before loading the model: a missing file fails in no time
        if ray is not None:
            ray_batch(
                lines,
                run,
                model=model,
                base_url=base_url,
                api_key=api_key,
                address=ray,
                actors=actors,
                threads_per_actor=threads_per_actor,
                stderr=stderr,
                verbose=verbose,
            )
            return
        backend = None if chain else get_backend(model, base_url=base_url, api_key=api_key)
        _batch(lines, run, backend, verbose)
        return
    source = _read_stdin() if text in (None, "-") else text
    assert source is not None
    backend = None if chain else get_backend(model, base_url=base_url, api_key=api_key)
    started = time.perf_counter()
    try:
        result = _run_streamed(source, run, backend) if stream else run.extract(source, backend)
    except SchemaViolation as error:
        if verbose:
            _report_failure(error, time.perf_counter() - started)
        raise
    print(json.dumps(run.output(result), ensure_ascii=False))
    if verbose:
        _report(result, time.perf_counter() - started)
    if min_confidence is not None:
        check_confidence(result, min_confidence, show=True)


@dataclass(frozen=True)
class Run:
    """What every text of one command is extracted with, and how its result is printed."""

    resolved: ResolvedSchema
    multi: bool
    max_retries: int
    max_tokens: int | None
    log: bool
    grounded_only: bool = False
    spans: bool = False
    min_confidence: float | None = None
    cascade: Cascade | None = None

    def extract(self, text: str, backend: Backend | None) -> Extraction[Any]:
        return final_result(self.stream(text, backend))

    def stream(self, text: str, backend: Backend | None) -> Iterator[StreamEvent]:
        """One text's events, on ``backend`` (None: the run's cascade)."""
        return extract_stream(
            text,
            self.resolved,
            backend=backend,
            cascade=self.cascade,
            multi=self.multi,
            log=self.log,
            max_retries=self.max_retries,
            max_tokens=self.max_tokens,
            grounded_only=self.grounded_only,
        )

    def output(self, result: Extraction[Any]) -> Any:
        """The value, or with ``--spans`` the value and its spans."""
        if not self.spans:
            return result.value
        return {"value": result.value, "spans": result.spans}


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


def check_confidence(result: Extraction[Any], threshold: float, *, show: bool = False) -> None:
    """`LowConfidence` naming the leaves under ``threshold``; with ``show``, each one's value and
    confidence on stderr first."""
    unsure = result.unsure(threshold)
    if not unsure:
        return
    if show:
        for pointer, found in unsure.items():
            value = json.dumps(result.leaves[pointer], ensure_ascii=False)
            said = (
                f"confidence min {found.min:.2f}, mean {found.mean:.2f}"
                if found is not None
                else "no confidence (the backend gave no log-probabilities)"
            )
            stderr.print(f"genie: {pointer} = {value}: {said}", highlight=False, markup=False)
    names = ", ".join(unsure)
    raise LowConfidence(
        f"{len(unsure)} value(s) under confidence {threshold:g}: {names}; check them in the text",
        {p: None if c is None else (c.min, c.mean) for p, c in unsure.items()},
    )


def _run_streamed(text: str, run: Run, backend: Backend | None) -> Extraction[Any]:
    """`Run.extract`, drawing each `Partial` where the user looks (`live_console`): a terminal's drawing
    is redrawn in place and wiped at the end, so the terminal keeps only the final JSON from stdout."""
    events = run.stream(text, backend)
    console = live_console()
    retries: list[Retry] = []
    if console is None:  # nowhere to draw: still say when a retry starts
        for event in events:
            if isinstance(event, Retry):
                stderr.print(f"genie: {retry_line(event)}", highlight=False, markup=False)
            elif isinstance(event, Extraction):
                return event
        raise AssertionError("the stream ended without its result")  # pragma: no cover
    try:
        with Live(console=console, transient=True, refresh_per_second=12) as live:
            for event in events:
                if isinstance(event, Retry):
                    retries.append(event)
                elif isinstance(event, Partial):
                    live.update(render_partial(event, retries))
                else:
                    return event
    finally:
        if console is not stderr:
            console.file.close()
    raise AssertionError("the stream ended without its result")  # pragma: no cover


def live_console() -> Console | None:
    """Where to draw a live object: stderr when it is a terminal, else the controlling terminal (stdout
    and stderr may both be redirected: ``genie extract --stream ... 2>log | jq``), else nowhere."""
    if sys.stderr.isatty():
        return stderr
    try:
        tty = open("/dev/tty", "w", encoding="utf-8")  # noqa: SIM115  (closed by the caller)
    except OSError:
        return None
    return Console(file=tty)


def retry_line(retry: Retry) -> str:
    if isinstance(retry, Escalation):
        problems = "; ".join(message for _, message in retry.errors[:3])
        return f"{retry.stage}'s answer not kept ({problems}); {retry.next_stage} answers"
    problems = "; ".join(f"{path}: {message}" for path, message in retry.errors[:3])
    return f"attempt {retry.attempt - 1} failed ({problems}); attempt {retry.attempt} starts"


def render_partial(partial: Partial, retries: list[Retry]) -> Group:
    """The object so far as indented JSON, then what is being written (or the retry in progress)."""
    parts: list[Any] = []
    if retries:
        parts.append(Text(retry_line(retries[-1]), style="yellow"))
    parts.append(
        JSON.from_data(partial.value, ensure_ascii=False) if partial.value is not None else Text("…")
    )
    if partial.partial_path is not None:
        where = json_path(partial.partial_path)
        parts.append(Text(f"writing {where} …", style="dim"))
    return Group(*parts)


def _batch(lines: list[Any], run: Run, backend: Backend | None, verbose: bool) -> None:
    failed = 0
    started = time.perf_counter()
    with progress_bar(stderr) as progress:
        task = progress.add_task("extracting", total=len(lines))
        for line in lines:
            record: Any
            if line.text is None:
                record, problem = error_record(line.number, line.problem), line.problem
            else:
                try:
                    result = run.extract(line.text, backend)
                    if run.min_confidence is not None:
                        check_confidence(result, run.min_confidence)
                    record, problem = run.output(result), None
                except (BadInput, SchemaViolation, LowConfidence) as error:
                    record, problem = error_record(line.number, error), f"line {line.number}: {error}"
                    if verbose and isinstance(error, SchemaViolation) and error.raw:
                        problem += f"\n  last answer: {_bounded(error.raw, BATCH_RAW_SHOWN)}"
            if problem is not None:
                failed += 1
                stderr.print(f"genie: {problem}", highlight=False, markup=False)
                progress.update(task, description=f"extracting ({failed} failed)")
            print(json.dumps(record, ensure_ascii=False), flush=True)
            progress.advance(task)
    if verbose:
        seconds = time.perf_counter() - started
        stderr.print(
            f"{len(lines)} lines, {len(lines) - failed} ok, {failed} failed, {seconds:.1f} s "
            f"({len(lines) / seconds:.2f} lines/s)",
            highlight=False,
        )
    if failed:
        raise SchemaViolation(
            f"{failed} of {len(lines)} lines gave no valid output (error records on stdout, reasons above)"
        )


def _report(result: Extraction[Any], seconds: float) -> None:
    for line in stage_lines(result):
        stderr.print(f"stage {line}", highlight=False, markup=False)
    stderr.print(_cost(result.attempts, result.usage, seconds), highlight=False)


def _cost(attempts: int, usage: Usage | None, seconds: float) -> str:
    if usage is None:
        return f"{attempts} attempt(s), {seconds:.2f} s"
    passes_note = f", {usage.forward_passes} forward passes" if usage.forward_passes else ""
    return (
        f"{attempts} attempt(s), {usage.prompt_tokens} prompt + {usage.completion_tokens} output "
        f"tokens{passes_note}, {seconds:.2f} s"
    )


# The exception keeps at most RAW_KEPT_CHARS of the last answer; all of that is shown for one text, less
# per line of a batch, where many failures would bury the output.
BATCH_RAW_SHOWN = 300


def _bounded(raw: str, limit: int) -> str:
    return raw if len(raw) <= limit else f"{raw[:limit]}… (first {limit:,} characters)"


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
