"""Clean comment text and collapse copy-paste floods into one entry with a count.

Cleaning undoes what exporters add (HTML entities and tags from the API and old CSVs, zero-width and
BOM characters) so that later stages and quotes see what a viewer saw.  Dedupe compares a loose key
(case-folded letters and digits only), so "FIRST!!!" and "first" are one flood; the earliest copy
is kept, and the others' ids and likes are folded into it so nothing is lost from the counts.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from .models import Comment

# Only the formatting tags exporters emit (API textDisplay, old CSVs): a viewer's literal "<3" or
# "<script>" is text and stays, to be escaped by the renderers.
_TAG = re.compile(r"</?(a|b|i|u|s|br|p|span|div|strong|em)\b[^<>]{0,300}>", re.IGNORECASE)
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_SPACE = re.compile(r"\s+")


@dataclass
class CleanComment:
    """A unique comment: the first copy, its cleaned text, and how many times it was posted."""

    comment: Comment
    text: str
    copies: int = 1
    duplicate_ids: list[str] = field(default_factory=list)
    likes: int = 0

    @property
    def id(self) -> str:
        return self.comment.id


def clean_text(text: str) -> str:
    """Readable plain text: entities decoded, tags and invisible characters removed, spaces collapsed."""
    text = html.unescape(html.unescape(text)) if "&" in text else text
    text = _TAG.sub(" ", text.replace("<br>", "\n").replace("<br/>", "\n")) if "<" in text else text
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return _SPACE.sub(" ", text).strip()


def dedupe_key(text: str) -> str:
    """Case-folded letters and digits of any script; the text itself when it has none (emoji-only)."""
    key = "".join(ch for ch in text.casefold() if ch.isalnum())
    return key or text


@dataclass
class CleanResult:
    comments: list[CleanComment]
    removed_duplicates: int
    removed_empty: int

    @property
    def floods(self) -> list[CleanComment]:
        """Comments posted more than once, most copies first."""
        return sorted((c for c in self.comments if c.copies > 1), key=lambda c: -c.copies)


def clean_and_dedupe(comments: Iterable[Comment], cleaned: Iterable[str] | None = None) -> CleanResult:
    """Clean every comment and merge copies; comments that clean to nothing are dropped and counted.

    ``cleaned``: each comment's `clean_text`, already computed (in shards, `localgenie.tubetalk.shards`)."""
    by_key: dict[str, CleanComment] = {}
    removed_duplicates = removed_empty = 0
    comments = list(comments)
    texts = cleaned if cleaned is not None else (clean_text(comment.text) for comment in comments)
    for comment, text in zip(comments, texts, strict=True):
        if not text:
            removed_empty += 1
            continue
        key = dedupe_key(text)
        seen = by_key.get(key)
        if seen is None:
            by_key[key] = CleanComment(comment=comment, text=text, likes=comment.likes)
        else:
            seen.copies += 1
            seen.duplicate_ids.append(comment.id)
            seen.likes += comment.likes
            removed_duplicates += 1
    return CleanResult(list(by_key.values()), removed_duplicates, removed_empty)
