"""Awaitable extraction: ``await localgenie.aextract(text, schema)``, ``aextract_details``, and
``async for event in localgenie.aextract_stream(...)``.

Each is the blocking function of the same name (`localgenie.api`: the same parameters, the same
validate-and-retry loop, logging, cascade and grounding) run on a worker thread, its events handed to
the event loop as they come.  So ``asyncio.gather`` over many texts against a server keeps that many
requests in flight (up to `ASYNC_WORKERS` at once), while the embedded model, which has one context,
still answers one request at a time (the others wait for its lock, not on the event loop).  Resolving
the schema and loading a model (seconds, the first time) happen on the worker thread too.

Cancelling the awaiting task stops the work at the next event of the answer (the model, or the HTTP
stream, is closed), rather than letting it run to its end unseen.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from functools import partial
from typing import Any, ParamSpec, TypeVar, overload

from pydantic import BaseModel

from .api import SchemaSource, extract_stream
from .llm import Backend
from .structured import Extraction, StreamEvent

ParamsT = ParamSpec("ParamsT")
ModelT = TypeVar("ModelT", bound=BaseModel)
ItemT = TypeVar("ItemT")

ASYNC_WORKERS = 32  # extractions running at once for the awaitable API; more wait their turn
_END = object()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _workers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=ASYNC_WORKERS, thread_name_prefix="genie-aio")
        return _pool


async def iterate_in_thread(start: Callable[[], Iterator[ItemT]]) -> AsyncGenerator[ItemT, None]:
    """Call ``start`` and iterate what it returns on a worker thread, yielding each item on the event
    loop as it comes; an exception of either is raised here.  Leaving the loop early (``break``, an
    error, cancellation) closes the iterator on its thread at its next item."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[Any, BaseException | None]] = asyncio.Queue()
    stop = threading.Event()

    def put(item: Any, error: BaseException | None = None) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (item, error))
        except RuntimeError:  # the event loop is closed: nobody is waiting any more
            stop.set()

    def pump() -> None:
        items: Iterator[ItemT] | None = None
        try:
            items = start()
            for item in items:
                if stop.is_set():
                    return
                put(item)
            put(_END)
        except BaseException as error:  # handed to the awaiting side, which raises it
            put(_END, error)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # stops the model (or the HTTP stream) now

    done = loop.run_in_executor(_workers(), pump)
    finished = False
    try:
        while True:
            item, error = await queue.get()
            if error is not None:
                raise error
            if item is _END:
                finished = True
                break
            yield item
    finally:
        stop.set()
    if finished:
        await done  # the iterator is closed and its thread free before the caller goes on


def _streaming(
    stream: Callable[ParamsT, Iterator[StreamEvent]],
) -> Callable[ParamsT, AsyncGenerator[StreamEvent, None]]:
    def run(*args: ParamsT.args, **kwargs: ParamsT.kwargs) -> AsyncGenerator[StreamEvent, None]:
        return iterate_in_thread(partial(stream, *args, **kwargs))

    run.__signature__ = inspect.signature(stream).replace(  # type: ignore[attr-defined]
        return_annotation="AsyncGenerator[StreamEvent, None]"
    )
    return run


def _awaited(
    stream: Callable[ParamsT, AsyncGenerator[StreamEvent, None]],
) -> Callable[ParamsT, Coroutine[Any, Any, Extraction[Any]]]:
    async def run(*args: ParamsT.args, **kwargs: ParamsT.kwargs) -> Extraction[Any]:
        async with aclosing(stream(*args, **kwargs)) as events:
            async for event in events:
                if isinstance(event, Extraction):
                    return event
        raise AssertionError("a stream of the answer ended without its result")  # pragma: no cover

    run.__signature__ = inspect.signature(stream).replace(  # type: ignore[attr-defined]
        return_annotation="Extraction[Any]"
    )
    return run


aextract_stream = _streaming(extract_stream)
aextract_stream.__name__ = aextract_stream.__qualname__ = "aextract_stream"
aextract_stream.__doc__ = """`localgenie.extract_stream`, as an async iterator: the same parameters and
events (`Partial`, `Retry`, then the `Extraction`); a bad schema or text is raised by the first step."""

aextract_details = _awaited(aextract_stream)
aextract_details.__name__ = aextract_details.__qualname__ = "aextract_details"
aextract_details.__doc__ = """`localgenie.extract_details`, awaited: ``await aextract_details(text,
schema, base_url=URL)``; the same parameters and `Extraction`.  Many awaited together against a
server are in flight together (see `localgenie.aio`)."""


@overload
async def aextract(
    text: str, schema: type[ModelT], *, model: str | None = ..., backend: Backend | None = ..., **kwargs: Any
) -> ModelT: ...
@overload
async def aextract(
    text: str, schema: SchemaSource, *, model: str | None = ..., backend: Backend | None = ..., **kwargs: Any
) -> Any: ...
async def aextract(
    text: str,
    schema: SchemaSource,
    *,
    model: str | None = None,
    backend: Backend | None = None,
    **kwargs: Any,
) -> Any:
    """`localgenie.extract`, awaited: the value (a Pydantic instance for a model class)::

        people = await asyncio.gather(*(localgenie.aextract(t, Person, base_url=URL) for t in texts))

    Keyword arguments are those of `extract_details`."""
    return (await aextract_details(text, schema, model=model, backend=backend, **kwargs)).value
