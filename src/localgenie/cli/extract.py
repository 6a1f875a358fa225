"""Extract JSON matching a schema from text: genie extract --schema SCHEMA [TEXT | -].

SCHEMA is a JSON Schema file or text, a saved name (genie schemas save), or a concise schema such as
'name, age int, bio: a one-sentence bio' (genie schemas dsl --help shows the syntax).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ..api import ResolvedSchema, extract_details, resolve
from ..errors import BadInput, SchemaViolation
from ..llm import Backend, Usage, get_backend
from ..structured import DEFAULT_MAX_RETRIES, Extraction
from ..structured.complete import RAW_KEPT_CHARS
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
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Report attempts, tokens and time on stderr; when no valid answer came, the last raw "
            "answer too.",
        ),
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
    if json_lines is not None:
        lines = read_lines(json_lines)  # before loading the model: a missing file fails in no time
        backend = get_backend(model, base_url=base_url, api_key=api_key)
        _batch(lines, resolved, backend, multi, max_retries, max_tokens, not no_log, verbose)
        return
    source = _read_stdin() if text in (None, "-") else text
    assert source is not None
    backend = get_backend(model, base_url=base_url, api_key=api_key)
    started = time.perf_counter()
    try:
        result = _run(source, resolved, backend, multi, max_retries, max_tokens, not no_log)
    except SchemaViolation as error:
        if verbose:
            _report_failure(error, time.perf_counter() - started)
        raise
    print(json.dumps(result.value, ensure_ascii=False))
    if verbose:
        _report(result, time.perf_counter() - started)


def _run(
    text: str,
    resolved: ResolvedSchema,
    backend: Backend,
    multi: bool,
    max_retries: int,
    max_tokens: int | None,
    log: bool,
) -> Extraction[Any]:
    return extract_details(
        text,
        resolved,
        backend=backend,
        multi=multi,
        log=log,
        max_retries=max_retries,
        max_tokens=max_tokens,
    )


def _batch(
    lines: list[Any],
    resolved: ResolvedSchema,
    backend: Backend,
    multi: bool,
    max_retries: int,
    max_tokens: int | None,
    log: bool,
    verbose: bool,
) -> None:
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
                    record = _run(line.text, resolved, backend, multi, max_retries, max_tokens, log).value
                    problem = None
                except (BadInput, SchemaViolation) as error:
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
