"""One model instance shared by every request, behind a bounded queue.

llama.cpp contexts are not thread-safe and a second copy of the model would double memory, so all model
work runs on one worker thread.  Requests wait their turn up to ``capacity``; beyond that they are refused
at once with `QueueFull` (HTTP 429 + Retry-After) instead of piling up until the server falls over.
Background jobs that use the model (TubeTalk LLM labels) take the same lock through `run_sync`.

Retry-After says when the line will have room: a place frees each time a piece of work ends, so it is
the running work's expected rest plus, for each client refused before since a place last freed (they
are expected to come back first), one more piece of the work waiting in line.  Expected times are the
median of the last runs of the same kind of work (an extraction, a recipe, a photo) on the current
model: one slow recipe must not make an extraction look slow, nor a first run's model load every run.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from localgenie.cascade import Cascade, is_cascade, parse_chain
from localgenie.cascade.routing import model_for, route
from localgenie.errors import GenieError
from localgenie.llm import Backend, get_backend

T = TypeVar("T")
DEFAULT_SECONDS = 2.0  # the guess for work never measured yet
MEASURED_RUNS = 20  # per kind of work


class QueueFull(GenieError):
    """The model is busy and its waiting line is full; try again after ``retry_after`` seconds."""

    http_status = 429

    def __init__(self, retry_after: int, waiting: int) -> None:
        super().__init__(f"the model is busy ({waiting} requests waiting): retry in {retry_after} s")
        self.retry_after = retry_after
        self.waiting = waiting


class _Place:
    """One accepted piece of work in the line (compared by identity: two extractions are two places)."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind


class ModelQueue:
    def __init__(
        self, model: str, capacity: int, backend_factory: Callable[[str], Backend] = get_backend
    ) -> None:
        self.model = model
        self.capacity = capacity
        self._factory = backend_factory
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="genie-model")
        self._model_lock = threading.Lock()  # held while a backend generates
        self._count_lock = threading.Lock()  # guards the counts and the line below
        self._pending = 0
        self._durations: defaultdict[str, deque[float]] = defaultdict(lambda: deque(maxlen=MEASURED_RUNS))
        self._waiting: deque[_Place] = deque()  # accepted work not started yet, in order
        self._running: tuple[str, float] | None = None  # kind, start (perf_counter)
        self._refused_since_free = 0
        self.completed = 0
        self.refused = 0

    @property
    def pending(self) -> int:
        """Requests running or waiting."""
        return self._pending

    def expected_seconds(self, kind: str) -> float:
        """How long ``kind`` of work takes here: the median of its last runs, else of any work's."""
        runs = self._durations.get(kind) or [s for d in self._durations.values() for s in d]
        return statistics.median(runs) if runs else DEFAULT_SECONDS

    def retry_after(self) -> int:
        """Seconds until the line has room for one more request (see the module docstring)."""
        seconds = 0.0
        if self._running is not None:
            kind, started = self._running
            seconds = max(0.0, self.expected_seconds(kind) - (time.perf_counter() - started))
        for place in list(self._waiting)[: self._refused_since_free]:
            seconds += self.expected_seconds(place.kind)
        return max(1, math.ceil(seconds))

    def set_model(self, model: str) -> None:
        """Switch models for later requests (the backend itself is resolved, and checked, lazily)."""
        with self._model_lock:
            if model != self.model:
                self._durations.clear()  # another model's times say nothing about this one
            self.model = model

    def backend(self, kind: str = "model") -> Backend:
        """The backend for ``kind`` of work (loaded on first use; `get_backend` keeps one instance per
        model).  With ``auto`` (a cascade), the cheapest model that kind of work may use (`route`)."""
        return self._factory(model_for(self.model, kind) or self.model)

    def cascade(self, kind: str) -> Cascade | None:
        """With ``auto`` (or a chain), the cascade ``kind`` of work runs through, its models built by
        this queue's factory; None for one model."""
        if not is_cascade(self.model):
            return None
        return Cascade(route(parse_chain(self.model), kind), backends=self._factory)

    async def run(self, work: Callable[[Backend], T], kind: str = "model") -> T:
        """Run ``work(backend)`` on the model thread; raise `QueueFull` when the line is full.  ``kind``
        names the sort of work, for the time it is expected to take."""
        return await self._enter(lambda: work(self.backend(kind)), kind)

    async def run_cpu(self, work: Callable[[], T], kind: str = "cpu") -> T:
        """Run CPU-heavy work that needs no language model (photo recognition) in the same line: on two
        cores a recogniser and a decoder running side by side only make each other slower."""
        return await self._enter(work, kind)

    def submit(self, work: Callable[[Backend], T], kind: str = "model") -> asyncio.Future[T]:
        """Take a place in the line now (or raise `QueueFull` now) and run ``work(backend)`` in turn: a
        streaming response must know it was accepted, or answer 429, before it starts sending."""
        return self._enter(lambda: work(self.backend(kind)), kind)

    def _enter(self, work: Callable[[], T], kind: str) -> asyncio.Future[T]:
        with self._count_lock:
            if self._pending > self.capacity:
                self.refused += 1
                retry_after = self.retry_after()
                self._refused_since_free += 1
                raise QueueFull(retry_after, self._pending)
            self._pending += 1
            place = _Place(kind)
            self._waiting.append(place)
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, self._timed, work, place)
        except BaseException:
            self._leave(place)
            raise
        future.add_done_callback(lambda _: self._leave(place))
        return future

    def _leave(self, place: _Place) -> None:
        with self._count_lock:
            self._pending -= 1
            self._refused_since_free = 0  # a place is free: the clients refused so far can come back
            if place in self._waiting:  # never started (cancelled, or never handed to the executor)
                self._waiting.remove(place)

    def run_sync(self, work: Callable[[Backend], T], kind: str = "job") -> T:
        """For background job threads: wait for the model without counting against the request line."""
        return self._timed(lambda: work(self.backend(kind)), _Place(kind))

    def _timed(self, work: Callable[[], T], place: _Place) -> T:
        kind = place.kind
        with self._model_lock:
            started = time.perf_counter()
            with self._count_lock:
                if place in self._waiting:
                    self._waiting.remove(place)
                self._running = (kind, started)
            try:
                return work()
            finally:
                with self._count_lock:
                    self._durations[kind].append(time.perf_counter() - started)
                    self._running = None
                    self.completed += 1

    def close(self) -> None:
        """Drop waiting work; the queue stays usable (an app may be started again, as tests do)."""
        old, self._executor = (
            self._executor,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="genie-model"),
        )
        old.shutdown(wait=False, cancel_futures=True)
        with self._count_lock:
            self._waiting.clear()
