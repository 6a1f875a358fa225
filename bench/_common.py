"""Small helpers shared by the benchmarks: timing, medians, a closing summary block."""

from __future__ import annotations

import contextlib
import fcntl
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def holding(lock: Path | None, *, pause: float = 0.0) -> Iterator[None]:
    """``flock`` on ``lock`` for the duration (nothing when None); then ``pause`` seconds, so that a
    job waiting for the lock takes it before a loop that holds it per task asks again."""
    if lock is None:
        yield
        return
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    time.sleep(pause)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(title: str, rows: list[tuple[str, str]]) -> None:
    """The figures on the last lines, where the README and CI logs look for them."""
    print(f"\n== {title} ==")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
