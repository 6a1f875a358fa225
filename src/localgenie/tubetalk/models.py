"""The records that flow between TubeTalk's stages.

One normalised :class:`Comment` whatever the source; every later stage reads only this.
Dataclasses here (cheap, thousands of them); the finished report is a Pydantic model in
``report_model.py`` because it is serialised and validated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

TimePrecision = Literal["exact", "estimated", "unknown"]


@dataclass(frozen=True, slots=True)
class Comment:
    """One YouTube comment or reply, as read from any source.

    ``time_precision`` says whether ``time`` is a real timestamp (API, CSV dates) or was
    estimated from YouTube's "3 weeks ago" text (youtube-comment-downloader, yt-dlp), because a
    sentiment-over-time chart built on estimates must say so.  ``pinned``/``hearted`` are ``None``
    when the source does not tell.
    """

    id: str
    text: str
    author: str = ""
    parent_id: str | None = None
    likes: int = 0
    time: datetime | None = None
    time_precision: TimePrecision = "unknown"
    pinned: bool | None = None
    hearted: bool | None = None

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None


@dataclass
class LoadStats:
    """What a source read, and what it skipped and why (malformed rows never stop a run)."""

    read: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    truncated: int = 0
    time_precision: TimePrecision = "unknown"

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())
