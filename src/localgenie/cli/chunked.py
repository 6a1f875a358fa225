"""`genie extract` on a text read in chunks (longer than the model's context): progress and report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console

from ..structured import Extraction, StreamEvent
from ..structured.long import ChunkPartial
from .batch import progress_bar

stderr = Console(stderr=True)


def run_chunked(events: Iterator[StreamEvent]) -> Extraction[Any]:
    """The stream's `Extraction`; a text read in chunks shows a progress bar on stderr (chunks done, ETA)."""
    for event in events:
        if isinstance(event, Extraction):
            return event
        if isinstance(event, ChunkPartial):
            with progress_bar(stderr) as progress:
                task = progress.add_task("reading chunks", total=event.chunks)
                for later in events:
                    if isinstance(later, Extraction):
                        return later
                    if isinstance(later, ChunkPartial) and later.value is None:
                        progress.update(task, completed=later.chunk - 1)
    raise AssertionError("the stream ended without its result")  # pragma: no cover


def chunk_lines(result: Extraction[Any]) -> list[str]:
    """For a text read in chunks: how many, the ones that failed, and each conflict between chunks."""
    if not result.chunks:
        return []
    passes = max(report.pass_number for report in result.chunks)
    failed = [report for report in result.chunks if report.error]
    said = f"read in {len(result.chunks)} chunks" + (f" over {passes} passes" if passes > 1 else "")
    lines = [said + (f", {len(failed)} without a valid answer" if failed else "")]
    for report in failed:
        lines.append(f"chunk at {report.start}-{report.end} skipped: {report.error}")
    lines.extend(f"conflict {conflict.describe()}" for conflict in result.conflicts)
    return lines
