"""``genie extract --json-lines FILE|-``: one text per input line, one JSON line out per input line.

Output line N always answers input line N.  A line that cannot be extracted from (blank, not UTF-8,
no valid answer) gets an error record in its place on stdout, and the reason on stderr:

    {"error": {"type": "BadInput", "message": "line 3 is blank"}, "line": 3}
    {"error": {"type": "SchemaViolation", "message": "...", "paths": [{"path": "$.age", "message": "..."}]},
     "line": 7}

(a successful line is the extracted object itself, so a record is an error when it has exactly the
keys ``error`` and ``line``).

Lines go through `localgenie.extract_batch`: each finished line is kept in the result cache, so the
same command run again after a crash or Ctrl-C takes them from there and prints the same output, and
``--concurrency N`` keeps N requests in flight against a server.  With ``--ray`` the same call runs on
a Ray cluster (``engine=RayEngine(...)``): the same output, the same cache.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

from ..batch import extract_batch
from ..errors import BackendError, BadInput, LowConfidence, ModelError, SchemaViolation
from ..llm import Backend
from .run import Run, check_confidence, stderr

if TYPE_CHECKING:
    from ..scale.batch import RayEngine

# The exception keeps at most RAW_KEPT_CHARS of the last answer; less is shown per line of a batch,
# where many failures would bury the output.
BATCH_RAW_SHOWN = 300


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


def run_batch(
    lines: list[Line],
    run: Run,
    backend: Backend | None,
    *,
    verbose: bool,
    concurrency: int,
    cache: bool,
    ray: RayEngine | None = None,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
) -> None:
    """Print one JSON line per input line, in order, each as soon as it and the lines before it are
    done; `SchemaViolation` at the end when any line failed.  With ``ray``, on that cluster: each
    actor builds its backend from ``model``, ``base_url`` and ``api_key`` (``backend`` is None)."""
    usable = [line.text for line in lines if line.text is not None]
    results = extract_batch(
        usable,
        run.resolved,
        backend=backend,
        model=model,
        base_url=base_url,
        api_key=api_key,
        cascade=run.cascade,
        multi=run.multi,
        log=run.log,
        max_retries=run.max_retries,
        max_tokens=run.max_tokens,
        grounded_only=run.grounded_only,
        passes=run.passes,
        concurrency=concurrency,
        cache=cache,
        engine=ray or "local",
    )
    where = "" if ray is None else f" on Ray ({ray.actors} actors)"
    failed = cached = done = 0
    started = time.perf_counter()
    try:
        with closing(results), progress_bar(stderr) as progress:
            task = progress.add_task(f"extracting{where}", total=len(lines))
            for line in lines:
                record: Any
                problem: str | None = None
                if line.text is None:
                    record, problem = error_record(line.number, line.problem or "unusable"), line.problem
                else:
                    result = next(results)
                    cached += result.cached
                    try:
                        extraction = result.extraction
                        if extraction is None:
                            raise result.error or AssertionError("a result with neither value nor error")
                        if run.min_confidence is not None:
                            check_confidence(extraction, run.min_confidence)
                        record = run.output(extraction)
                    except (BadInput, SchemaViolation, LowConfidence) as error:
                        record, problem = error_record(line.number, error), f"line {line.number}: {error}"
                        if verbose and isinstance(error, SchemaViolation) and error.raw:
                            problem += f"\n  last answer: {bounded(error.raw, BATCH_RAW_SHOWN)}"
                if problem is not None:
                    failed += 1
                    stderr.print(f"genie: {problem}", highlight=False, markup=False)
                print(json.dumps(record, ensure_ascii=False), flush=True)
                done += 1
                progress.update(task, advance=1, description=_progress_note(cached, failed, where))
    except (KeyboardInterrupt, BackendError, ModelError) as stop:
        what = "interrupted" if isinstance(stop, KeyboardInterrupt) else "stopped"
        resume = (
            "finished lines are cached: run the same command again to resume"
            if cache
            else "--no-cache: a rerun starts from the first line"
        )
        stderr.print(f"genie: {what} after {done} of {len(lines)} lines; {resume}", highlight=False)
        raise
    if cached:
        stderr.print(
            f"genie: {cached} of {len(usable)} lines came from the result cache (an earlier run), "
            f"{len(usable) - cached} were extracted now",
            highlight=False,
        )
    if verbose:
        seconds = time.perf_counter() - started
        stderr.print(
            f"{len(lines)} lines{where}, {len(lines) - failed} ok, {failed} failed, {seconds:.1f} s "
            f"({len(lines) / seconds:.2f} lines/s)",
            highlight=False,
        )
    if failed:
        raise SchemaViolation(
            f"{failed} of {len(lines)} lines gave no valid output (error records on stdout, reasons above)"
        )


def _progress_note(cached: int, failed: int, where: str = "") -> str:
    notes = [f"{n} {what}" for n, what in ((cached, "cached"), (failed, "failed")) if n]
    return f"extracting{where}" + (f" ({', '.join(notes)})" if notes else "")


def bounded(raw: str, limit: int) -> str:
    return raw if len(raw) <= limit else f"{raw[:limit]}… (first {limit:,} characters)"
