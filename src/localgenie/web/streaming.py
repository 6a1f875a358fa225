"""Server-sent events from work on the model thread: what the recipe writer and the Extract page share.

The work takes its place in the model's line before anything is sent, so a full line is a plain 429.
Bad input found in the work's first instant gets its real status code too: the response waits briefly
for the first event, and a request that fails at once is answered with its error; one that has to
wait for the model starts streaming ("waiting for the model") and reports a later failure as an
``error`` event.  A client that goes away stops the work at its next event, so the model is free again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar

from sse_starlette.sse import EventSourceResponse

from .errors import error_body, status_for
from .queue import ModelQueue

T = TypeVar("T")
Event = dict[str, str]
FIRST_EVENT_SECONDS = 2.0  # how long a request waits for the work's first word before streaming
log = logging.getLogger("localgenie.web")


class Cancelled(Exception):
    """The client went away: stop working."""


class Channel(Generic[T]):
    """Events from the model thread to one response.  Make it on the event loop; ``emit`` from the work
    (it raises `Cancelled` once the client has gone, which ends the work where it is)."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self.cancelled = threading.Event()

    def emit(self, kind: str, data: str) -> None:
        if self.cancelled.is_set():
            raise Cancelled
        self._loop.call_soon_threadsafe(self._events.put_nowait, {"event": kind, "data": data})

    async def respond(
        self, queue: ModelQueue, future: asyncio.Future[T], last: Callable[[T], Event]
    ) -> EventSourceResponse:
        """The response for ``future`` (the work, already in ``queue``'s line): its events, then
        ``last(result)`` or an ``error`` event.  Raises the work's error if it failed at once."""
        # Collected here so an abandoned work (client gone) does not log "exception never retrieved".
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        first: asyncio.Future[Event] = asyncio.ensure_future(self._events.get())
        await _either(first, future, timeout=FIRST_EVENT_SECONDS)
        if future.done() and not first.done() and future.exception() is not None:
            first.cancel()
            future.result()  # raises: the error handlers answer with the right status code
        waiting = queue.pending - 1
        return EventSourceResponse(self._stream(first, future, waiting, last), ping=15, sep="\n")

    async def _stream(
        self,
        getter: asyncio.Future[Event],
        future: asyncio.Future[T],
        waiting: int,
        last: Callable[[T], Event],
    ) -> AsyncIterator[Event]:
        try:
            if not getter.done():
                yield {"event": "status", "data": f"waiting for the model ({waiting} ahead)"}
            while True:
                await _either(getter, future)
                if not getter.done():  # finished: every event it sent is queued already
                    break
                yield getter.result()
                getter = asyncio.ensure_future(self._events.get())
            getter.cancel()
            while not self._events.empty():
                yield self._events.get_nowait()
            try:
                result = future.result()
            except Exception as exc:  # the response has started: the failure becomes the last event
                yield {"event": "error", "data": json.dumps(error_event(exc))}
            else:
                yield last(result)
        finally:
            self.cancelled.set()  # the client left (or the stream ended): stop at the next event
            getter.cancel()


async def _either(
    getter: asyncio.Future[Event], work: asyncio.Future[Any], timeout: float | None = None
) -> None:
    """Wait until the next event arrives or the work ends (events first: the work's own completion is
    delivered after every event it sent, in order, by the event loop)."""
    waiters: set[asyncio.Future[Any]] = {getter, work}
    if not getter.done():
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)


def error_event(exc: Exception) -> dict[str, Any]:
    """An ``error`` event's data: the status the request would have had, and the message."""
    status = status_for(exc)
    if status == 500:
        log.exception("streamed work failed", exc_info=exc)
        return {
            "status": 500,
            "error": "InternalError",
            "message": "internal error: the server log has the details",
        }
    return {"status": status, **error_body(exc)}
