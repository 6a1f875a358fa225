"""Clean + dedupe: what viewers saw, with copy-paste floods collapsed into one entry and a count."""

from __future__ import annotations

from localgenie.tubetalk.clean import clean_and_dedupe, clean_text
from localgenie.tubetalk.models import Comment


def test_copy_paste_flood_collapses_with_count_and_likes() -> None:
    comments = [
        Comment(id=f"c{i}", text=t, likes=i)
        for i, t in enumerate(["FIRST!!!", "first", "First.", "Great video", "  first  ", "great video!"])
    ]
    result = clean_and_dedupe(comments)
    assert [c.text for c in result.comments] == ["FIRST!!!", "Great video"]
    flood = result.floods[0]
    assert flood.copies == 4 and flood.duplicate_ids == ["c1", "c2", "c4"]
    assert flood.likes == 0 + 1 + 2 + 4
    assert result.removed_duplicates == 4


def test_exporter_markup_is_undone() -> None:
    raw = 'I&#39;m <b>loving</b> it&amp;more<br>next\ufeff <a href="http://x">2:19</a>'
    assert clean_text(raw) == "I'm loving it&more next 2:19"


def test_emoji_only_comments_are_kept_and_deduped_by_their_text() -> None:
    result = clean_and_dedupe([Comment("a", "😂😂😂"), Comment("b", "😂😂😂"), Comment("c", "🔥")])
    assert [(c.text, c.copies) for c in result.comments] == [("😂😂😂", 2), ("🔥", 1)]


def test_text_that_cleans_to_nothing_is_dropped_and_counted() -> None:
    result = clean_and_dedupe([Comment("a", "<br>"), Comment("b", "\u200b"), Comment("c", "ok")])
    assert [c.id for c in result.comments] == ["c"]
    assert result.removed_empty == 2
