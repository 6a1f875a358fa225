"""When to ask a server again, and how long to wait first: the remote backend's patience.

HTTP 408 (timeout), 429 (too many requests) and 500/502/503/504 (a server error, often a proxy or a
server restarting) are worth another try, and so is a connection that was dropped before the answer
finished.  The wait is the server's ``Retry-After`` when it sent one (seconds or an HTTP date), else an
exponential back-off with jitter (requests refused together should not all come back together), for a
bounded number of tries; a ``Retry-After`` longer than `MAX_RETRY_WAIT` is reported at once rather than
slept through.  A server that cannot be reached at all, or does not answer within the timeout, is not
retried: that is a wrong URL or a stuck server, and waiting would only hide it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from ..errors import BackendError

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_RETRIES = 4  # after the first try: with a 0.5 s back-off, at most about 7.5 s of waiting in all
DEFAULT_BACKOFF = 0.5
MAX_RETRY_WAIT = 60.0


class Retryable(Exception):
    """The same request may well succeed when sent again: ``reason`` says what happened ("answered HTTP
    503"), ``wait`` is the server's ``Retry-After`` in seconds when it sent one."""

    def __init__(self, reason: str, wait: float | None = None, *, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.detail = detail


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` tries after the first; the n-th waits ``backoff * 2**(n-1)`` seconds (times a random
    0.5..1), or what the server asked for."""

    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    max_wait: float = MAX_RETRY_WAIT

    def wait(self, retry: Retryable, tries: int, where: str) -> float:
        """Seconds to wait before try ``tries + 1`` (``tries`` have failed); `BackendError` when it is
        time to give up."""
        if tries > self.retries:
            raise BackendError(
                f"{where} {retry.reason}, {tries} times in a row; giving up (the server may be overloaded "
                "or restarting: try again later, or with a lower --concurrency)"
                + (f"; {retry.detail}" if retry.detail else "")
            )
        if retry.wait is not None:
            if retry.wait > self.max_wait:
                raise BackendError(
                    f"{where} {retry.reason} and asks to retry in {retry.wait:.0f} s, longer than Genie "
                    f"waits ({self.max_wait:.0f} s): try again later"
                )
            return retry.wait
        return float(self.backoff * 2.0 ** (tries - 1) * random.uniform(0.5, 1.0))


def retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds (a number, or an HTTP date), None when absent or unreadable."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
