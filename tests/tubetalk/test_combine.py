"""Several sources analysed together: ids stay unique, counts add up."""

from __future__ import annotations

from localgenie.tubetalk import Comment, LoadedComments, LoadStats
from localgenie.tubetalk.combine import combine


def _part(source: str, precision: str, *ids: str) -> LoadedComments:
    stats = LoadStats(read=len(ids), skipped={"empty": 1}, truncated=1, time_precision=precision)  # type: ignore[arg-type]
    return LoadedComments([Comment(id=i, text=f"text {i}") for i in ids], stats, source)


def test_ids_are_prefixed_by_source_and_counts_added() -> None:
    both = combine([_part("a.csv", "unknown", "row-1", "row-2"), _part("b.csv", "exact", "row-1")])
    assert [c.id for c in both.comments] == ["1:row-1", "1:row-2", "2:row-1"]
    assert both.stats.read == 3 and both.stats.skipped == {"empty": 2} and both.stats.truncated == 2
    assert both.stats.time_precision == "exact"
    assert both.source == "a.csv, b.csv"


def test_one_source_is_left_as_it_is() -> None:
    part = _part("a.csv", "unknown", "row-1")
    assert combine([part]) is part
