"""Many sources, one analysis: the comments of several videos (or files of a channel export) together.

Comment ids are unique within a source only (a CSV without an id column numbers its rows), so with
more than one source each id is prefixed by its source's number: ``2:row-17`` is row 17 of the second.
"""

from __future__ import annotations

from dataclasses import replace

from .models import Comment, LoadStats
from .sources import LoadedComments


def combine(parts: list[LoadedComments]) -> LoadedComments:
    """One `LoadedComments` holding every part's comments in order, with their counts added up."""
    if len(parts) == 1:
        return parts[0]
    comments: list[Comment] = []
    stats = LoadStats()
    precisions: set[str] = set()
    for number, part in enumerate(parts, start=1):
        comments.extend(
            replace(
                c,
                id=f"{number}:{c.id}",
                parent_id=f"{number}:{c.parent_id}" if c.parent_id else None,
            )
            for c in part.comments
        )
        stats.read += part.stats.read
        stats.truncated += part.stats.truncated
        for reason, count in part.stats.skipped.items():
            stats.skipped[reason] = stats.skipped.get(reason, 0) + count
        precisions.add(part.stats.time_precision)
    known = precisions - {"unknown"}
    stats.time_precision = "estimated" if "estimated" in known else ("exact" if known else "unknown")
    return LoadedComments(comments, stats, ", ".join(part.source for part in parts))
