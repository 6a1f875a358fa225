"""``genie extract --json-lines FILE|-``: one text per input line, one JSON line out per input line.

Output line N always answers input line N.  A line that cannot be extracted from (blank, not UTF-8,
no valid answer) gets an error record in its place on stdout, and the reason on stderr:

    {"error": {"type": "BadInput", "message": "line 3 is blank"}, "line": 3}
    {"error": {"type": "SchemaViolation", "message": "...", "paths": [{"path": "$.age", "message": "..."}]},
     "line": 7}

(a successful line is the extracted object itself, so a record is an error when it has exactly the
keys ``error`` and ``line``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ..errors import BadInput, SchemaViolation


@dataclass(frozen=True)
class Line:
    """Input line ``number`` (1-based): its text, or why it cannot be used."""

    number: int
    text: str | None
    problem: str | None = None


def read_lines(source: str) -> list[Line]:
    """The lines of a file, or of standard input for ``-``, split on ``\\n`` only (a ``\\r`` before it is
    dropped; a final newline ends the last line, it does not start a blank one).  Each line is decoded
    on its own, so one line that is not UTF-8 spoils only itself."""
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BadInput(
                f"no such file: {source} (--json-lines takes a file with one text per line, or - for "
                "standard input)"
            ) from None
        except OSError as exc:
            raise BadInput(f"cannot read {source}: {exc}") from None
    if not data:
        raise BadInput("the input has no lines: give one text per line")
    pieces = data.split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    return [_line(number, piece.removesuffix(b"\r")) for number, piece in enumerate(pieces, start=1)]


def _line(number: int, raw: bytes) -> Line:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Line(number, None, f"line {number} is not UTF-8 text (bad byte at column {exc.start + 1})")
    text = _line_text(decoded)
    if not text.strip():
        return Line(number, None, f"line {number} is blank")
    return Line(number, text)


def _line_text(line: str) -> str:
    """A line is raw text, or a JSON string when the text needs newlines inside."""
    if line.startswith('"'):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            return line
        if isinstance(value, str):
            return value
    return line


def error_record(number: int, error: BaseException | str) -> dict[str, Any]:
    """What stands on stdout in place of a line's object when the line failed."""
    if isinstance(error, str):
        detail: dict[str, Any] = {"type": "BadInput", "message": error}
    else:
        detail = {"type": type(error).__name__, "message": str(error)}
        if isinstance(error, SchemaViolation) and error.errors:
            detail["paths"] = [{"path": path, "message": message} for path, message in error.errors]
    return {"error": detail, "line": number}


class RateColumn(ProgressColumn):
    """Items per second over the run so far (rich's own speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed or not task.completed:
            return Text("- items/s", style="progress.data.speed")
        return Text(f"{task.completed / elapsed:.2f} items/s", style="progress.data.speed")


def progress_bar(console: Any) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
