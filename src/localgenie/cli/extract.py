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
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ..api import ResolvedSchema, extract_details, resolve
from ..errors import BadInput, LowConfidence, SchemaViolation
from ..llm import Backend, get_backend
from ..structured import DEFAULT_MAX_RETRIES, Extraction
from .batch import error_record, progress_bar, read_lines

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
        typer.Option("--model", "-m", help="tiny, default, a .gguf path, or a server's model name."),
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
        bool, typer.Option("--verbose", "-v", help="Report attempts, tokens and time on stderr.")
    ] = False,
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
    resolved = resolve(schema)
    run = Run(resolved, multi, max_retries, max_tokens, not no_log, grounded_only, spans, min_confidence)
    if json_lines is not None:
        lines = read_lines(json_lines)  # before loading the model: a missing file fails in no time
        backend = get_backend(model, base_url=base_url, api_key=api_key)
        _batch(lines, run, backend, verbose)
        return
    source = _read_stdin() if text in (None, "-") else text
    assert source is not None
    backend = get_backend(model, base_url=base_url, api_key=api_key)
    started = time.perf_counter()
    result = run.extract(source, backend)
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

    def extract(self, text: str, backend: Backend) -> Extraction[Any]:
        return extract_details(
            text,
            self.resolved,
            backend=backend,
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


def _batch(lines: list[Any], run: Run, backend: Backend, verbose: bool) -> None:
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
    usage = result.usage
    passes_note = f", {usage.forward_passes} forward passes" if usage.forward_passes else ""
    stderr.print(
        f"{result.attempts} attempt(s), {usage.prompt_tokens} prompt + {usage.completion_tokens} output "
        f"tokens{passes_note}, {seconds:.2f} s",
        highlight=False,
    )
