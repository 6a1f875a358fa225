"""`genie extract --stream`: the object drawn on the terminal as its fields are written."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from rich.console import Console, Group
from rich.json import JSON
from rich.live import Live
from rich.text import Text

from ..cascade import Escalation
from ..structured import Extraction, Partial, Retry, StreamEvent
from ..structured.long import ChunkPartial
from ..structured.partial import json_path

stderr = Console(stderr=True)


def run_streamed(events: Iterator[StreamEvent]) -> Extraction[Any]:
    """The stream's result, drawing each `Partial` where the user looks (`live_console`): a terminal's
    drawing is redrawn in place and wiped at the end, so the terminal keeps only the final JSON from
    stdout."""
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
    if isinstance(partial, ChunkPartial):  # a text read in chunks (longer than the model's context)
        where = f"chunk {partial.chunk}/{partial.chunks} (characters {partial.start:,}-{partial.end:,})"
        parts.append(Text(f"reading {where}", style="dim"))
    if retries:
        parts.append(Text(retry_line(retries[-1]), style="yellow"))
    parts.append(
        JSON.from_data(partial.value, ensure_ascii=False) if partial.value is not None else Text("…")
    )
    if partial.partial_path is not None:
        where = json_path(partial.partial_path)
        parts.append(Text(f"writing {where} …", style="dim"))
    return Group(*parts)
