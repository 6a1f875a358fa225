"""One model instance shared by every request, behind a bounded queue.

llama.cpp contexts are not thread-safe and a second copy of the model would double memory, so all model
work runs on one worker thread.  Requests wait their turn up to ``capacity``; beyond that they are refused
at once with `QueueFull` (HTTP 429 + Retry-After) instead of piling up until the server falls over.
Background jobs that use the model (TubeTalk LLM labels) take the same lock through `run_sync`.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from localgenie.errors import GenieError
from localgenie.llm import Backend, get_backend

T = TypeVar("T")


class QueueFull(GenieError):
    """The model is busy and its waiting line is full; try again after ``retry_after`` seconds."""

    http_status = 429

    def __init__(self, retry_after: int, waiting: int) -> None:
        super().__init__(f"the model is busy ({waiting} requests waiting): retry in {retry_after} s")
        self.retry_after = retry_after
        self.waiting = waiting


class ModelQueue:
    def __init__(
        self, model: str, capacity: int, backend_factory: Callable[[str], Backend] = get_backend
    ) -> None:
        self.model = model
        self.capacity = capacity
        self._factory = backend_factory
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="genie-model")
        self._model_lock = threading.Lock()  # held while a backend generates
        self._count_lock = threading.Lock()
        self._pending = 0
        self._durations: deque[float] = deque(maxlen=20)
        self.completed = 0
        self.refused = 0

    @property
    def pending(self) -> int:
        """Requests running or waiting."""
        return self._pending

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: recent mean duration times the line ahead."""
        mean = sum(self._durations) / len(self._durations) if self._durations else 2.0
        return max(1, math.ceil(mean * max(1, self._pending)))

    def set_model(self, model: str) -> None:
        """Switch models for later requests (the backend itself is resolved, and checked, lazily)."""
        with self._model_lock:
            self.model = model

    def backend(self) -> Backend:
        """The current backend (loaded on first use; `get_backend` keeps one instance per model)."""
        return self._factory(self.model)

    async def run(self, work: Callable[[Backend], T]) -> T:
        """Run ``work(backend)`` on the model thread; raise `QueueFull` when the line is full."""
        return await self._enter(lambda: work(self.backend()))

    async def run_cpu(self, work: Callable[[], T]) -> T:
        """Run CPU-heavy work that needs no language model (photo recognition) in the same line: on two
        cores a recogniser and a decoder running side by side only make each other slower."""
        return await self._enter(work)

    def submit(self, work: Callable[[Backend], T]) -> asyncio.Future[T]:
        """Take a place in the line now (or raise `QueueFull` now) and run ``work(backend)`` in turn: a
        streaming response must know it was accepted, or answer 429, before it starts sending."""
        return self._enter(lambda: work(self.backend()))

    def _enter(self, work: Callable[[], T]) -> asyncio.Future[T]:
        with self._count_lock:
            if self._pending > self.capacity:
                self.refused += 1
                raise QueueFull(self.retry_after(), self._pending)
            self._pending += 1
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, self._timed, work)
        except BaseException:
            self._leave()
            raise
        future.add_done_callback(lambda _: self._leave())
        return future

    def _leave(self) -> None:
        with self._count_lock:
            self._pending -= 1

    def run_sync(self, work: Callable[[Backend], T]) -> T:
        """For background job threads: wait for the model without counting against the request line."""
        return self._timed(lambda: work(self.backend()))

    def _timed(self, work: Callable[[], T]) -> T:
        with self._model_lock:
            started = time.perf_counter()
            try:
                return work()
            finally:
                self._durations.append(time.perf_counter() - started)
                self.completed += 1

    def close(self) -> None:
        """Drop waiting work; the queue stays usable (an app may be started again, as tests do)."""
        old, self._executor = (
            self._executor,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="genie-model"),
        )
        old.shutdown(wait=False, cancel_futures=True)
