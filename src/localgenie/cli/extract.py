"""Extract JSON matching a schema from text: genie extract --schema FILE [TEXT | -]."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from ..errors import BadInput, SchemaViolation
from ..llm import get_backend
from ..structured import DEFAULT_MAX_RETRIES, extract_details, load_schema

stderr = Console(stderr=True)


def _read_stdin() -> str:
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"standard input is not UTF-8 text (bad byte at offset {exc.start})") from None


def _line_text(line: str) -> str:
    """A JSON-lines input line is raw text, or a JSON string when it needs newlines inside."""
    if line.startswith('"'):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            return line
        if isinstance(value, str):
            return value
    return line


def extract_command(
    text: Annotated[
        str | None, typer.Argument(help="The text, or - (or nothing) to read standard input.")
    ] = None,
    schema: Annotated[
        Path, typer.Option("--schema", "-s", help="JSON Schema file (draft 2020-12).")
    ] = Path(),
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
        bool, typer.Option("--json-lines", help="One input text per line; one JSON object per line out.")
    ] = False,
    max_retries: Annotated[
        int, typer.Option(min=0, max=10, help="Retries after an invalid answer.")
    ] = DEFAULT_MAX_RETRIES,
    max_tokens: Annotated[
        int | None,
        typer.Option(min=16, help="Most tokens one answer may take (default: sized from schema and text)."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Report attempts, tokens and time on stderr.")
    ] = False,
) -> None:
    if schema == Path():
        raise BadInput("--schema FILE is required")
    json_schema = load_schema(schema)
    source = _read_stdin() if text in (None, "-") else text
    assert source is not None
    backend = get_backend(model, base_url=base_url, api_key=api_key)
    if not json_lines:
        started = time.perf_counter()
        result = extract_details(
            source, json_schema, backend=backend, max_retries=max_retries, max_tokens=max_tokens
        )
        print(json.dumps(result.value, ensure_ascii=False))
        if verbose:
            _report(
                result.attempts,
                result.usage.prompt_tokens,
                result.usage.completion_tokens,
                result.usage.forward_passes,
                time.perf_counter() - started,
            )
        return
    lines = [_line_text(line) for line in source.splitlines() if line.strip()]
    failed = 0
    with Progress(console=stderr, transient=True) as progress:
        task = progress.add_task("extracting", total=len(lines))
        for number, line in enumerate(lines, start=1):
            try:
                result = extract_details(
                    line, json_schema, backend=backend, max_retries=max_retries, max_tokens=max_tokens
                )
            except (BadInput, SchemaViolation) as error:
                failed += 1
                stderr.print(f"genie: line {number}: {error}", highlight=False, markup=False)
            else:
                print(json.dumps(result.value, ensure_ascii=False), flush=True)
            progress.advance(task)
    if failed:
        raise SchemaViolation(f"{failed} of {len(lines)} lines gave no valid output (see above)")


def _report(attempts: int, prompt: int, completion: int, passes: int, seconds: float) -> None:
    passes_note = f", {passes} forward passes" if passes else ""
    stderr.print(
        f"{attempts} attempt(s), {prompt} prompt + {completion} output tokens{passes_note}, {seconds:.2f} s",
        highlight=False,
    )
