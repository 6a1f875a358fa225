"""Read comments from a YouTube URL or from files other tools wrote, into :class:`Comment` records.

Formats, detected from the content (not trusted from the extension alone):

* youtube-comment-downloader output: JSONL (one comment a line) or its ``{"comments": [...]}`` JSON;
* yt-dlp ``.info.json`` with ``--write-comments`` (a ``comments`` list);
* YouTube Data API v3 ``commentThreads`` responses: one page, a list of pages, or one page a line;
* CSV with a column mapping guessed from the header (UCI spam CSVs: ``CONTENT``/``AUTHOR``/``DATE``;
  the 18k-comment CSV: ``Comment``) or given explicitly.

CSV and JSONL are streamed row by row, and at most ``max_comments`` records are kept, so a large file
costs bounded memory.  A row that cannot be read is skipped and counted in :class:`LoadStats` by reason.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from localgenie.errors import BackendError, BadInput

from .models import Comment, LoadStats, TimePrecision

DEFAULT_MAX_COMMENTS = 200_000
# Offline must fail within 10 s: every request gets a timeout, and the whole way to the first comment
# (page, consent, first comments request) a deadline.  Later pages get the per-request timeout only.
URL_TIMEOUT_S = 8.0
FIRST_COMMENT_DEADLINE_S = 9.0
# youtube-comment-downloader retries a comments request 5 times with 20 s sleeps; two quick tries here.
AJAX_TRIES = 2
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}

# Header names seen in the wild for each field, compared case-insensitively.
CSV_CANDIDATES: dict[str, tuple[str, ...]] = {
    "text": ("text", "content", "comment", "comment_text", "textoriginal", "textdisplay", "body", "message"),
    "id": ("id", "comment_id", "commentid", "cid"),
    "author": ("author", "authordisplayname", "author_name", "user", "username", "channel"),
    "likes": ("likes", "like_count", "likecount", "votes"),
    "time": ("time", "date", "published_at", "publishedat", "timestamp", "created_at"),
    "parent_id": ("parent_id", "parentid", "parent"),
}


class NoTextColumn(BadInput):
    """No CSV column has a known name for the comment text; ``columns`` is the header, so a caller can
    offer the choice (the web form's select) instead of naming a flag."""

    def __init__(self, message: str, columns: list[str]):
        super().__init__(message)
        self.columns = columns


@dataclass
class LoadedComments:
    """Comments read from one source, with counts of what was skipped."""

    comments: list[Comment]
    stats: LoadStats = field(default_factory=LoadStats)
    source: str = ""


def load(
    source: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    max_comments: int = DEFAULT_MAX_COMMENTS,
    fetch: Callable[[str, int], Iterator[dict[str, Any]]] | None = None,
) -> LoadedComments:
    """Read a file path, or a YouTube URL / video id (online only), into comments.

    ``columns`` maps Comment fields (``text``, ``id``, ``author``, ``likes``, ``time``, ``parent_id``)
    to CSV header names where the guess is wrong.  ``fetch`` replaces the network downloader (tests).
    """
    text_source = str(source)
    path = Path(text_source)
    stats = LoadStats()
    if not path.exists() and is_youtube_reference(text_source):
        return load_url(text_source, max_comments=max_comments, fetch=fetch)
    if not path.exists():
        raise BadInput(f"{text_source}: no such file, and not a YouTube URL or video id")
    if path.is_dir():
        raise BadInput(f"{text_source} is a directory: give one comments file")
    if path.stat().st_size == 0:
        raise BadInput(f"{text_source} is empty: it holds no comments")
    kind = detect_format(path)
    if kind == "csv":
        records_iter = _read_csv(path, columns or {}, stats)
    elif kind == "jsonl":
        records_iter = _read_jsonl(path, stats)
    else:
        records_iter = _read_json(path, stats)
    comments = _collect(records_iter, stats, max_comments)
    if not comments and stats.read == 0 and stats.skipped_total == 0:
        raise BadInput(f"{text_source} holds no comments")
    return LoadedComments(comments, stats, text_source)


def is_youtube_reference(value: str) -> bool:
    """A YouTube video URL (youtube.com, youtu.be) or a bare 11-character video id."""
    return youtube_video_id(value) is not None


def youtube_video_id(value: str) -> str | None:
    """The video id in a YouTube URL (``watch?v=``, ``youtu.be/``, ``/shorts/``, ``/live/``, ``/embed/``)
    or a bare id; ``None`` for anything else.

    The host is checked exactly — ``https://evil.example/?youtube.com`` is not YouTube — and only the
    id is kept: the downloader is always pointed at ``https://www.youtube.com/watch?v=ID``, never at a
    URL a user typed.
    """
    value = value.strip()
    if _YOUTUBE_ID.match(value):
        return value
    if not value.startswith(("http://", "https://")):
        return None
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    if host == "youtu.be":
        candidate = parts.path.strip("/").split("/")[0]
    elif host in _YOUTUBE_HOSTS:
        segments = [s for s in parts.path.split("/") if s]
        if segments[:1] == ["watch"]:
            candidate = next(iter(parse_qs(parts.query).get("v", [])), "")
        elif len(segments) >= 2 and segments[0] in ("shorts", "live", "embed", "v"):
            candidate = segments[1]
        else:
            return None
    else:
        return None
    return candidate if _YOUTUBE_ID.match(candidate) else None


def detect_format(path: Path) -> str:
    """``csv``, ``jsonl`` or ``json`` from the first bytes, whatever the extension says.

    JSONL if the first line is a complete JSON value (a minified one-line JSON document reads the same
    way), JSON for an array or a pretty-printed document, CSV for anything else.
    """
    with path.open("rb") as fh:
        head = fh.read(65536).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise BadInput(f"{path} holds only whitespace: no comments")
    if head[:1] == b"[":
        return "json"
    if head[:1] != b"{":
        return "csv"
    return "jsonl" if _is_complete_json(head.split(b"\n", 1)[0]) else "json"


def _is_complete_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


def _collect(records: Iterator[Comment | None], stats: LoadStats, max_comments: int) -> list[Comment]:
    out: list[Comment] = []
    precisions: set[TimePrecision] = set()
    for comment in records:
        if comment is None:
            continue
        if not comment.text.strip():
            stats.skip("empty text")
            continue
        if len(out) >= max_comments:
            stats.truncated += 1
            continue
        stats.read += 1
        precisions.add(comment.time_precision)
        out.append(comment)
    known = precisions - {"unknown"}
    stats.time_precision = "estimated" if "estimated" in known else ("exact" if known else "unknown")
    return out


# ---------------------------------------------------------------- CSV


def _csv_reader(fh: Any) -> Any:  # a csv reader; typeshed's type is private
    # Comment text can exceed the csv module's default 128 KiB field limit.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    # The delimiter is read off the header line only: sniffing comment text misfires on prose.
    header_line = fh.readline()
    fh.seek(0)
    delimiter = next((d for d in (",", "\t", ";") if d in header_line), ",")
    return csv.reader(fh, delimiter=delimiter)


def check_csv_columns(path: Path, columns: Mapping[str, str] | None = None) -> None:
    """Raise what `load` would about the columns, before any comment is read: `NoTextColumn` when none
    holds the text by a known name, `BadInput` for a named column the CSV lacks.  Other formats pass."""
    if detect_format(path) != "csv":
        return
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        header = next(_csv_reader(fh), None)
    if header is not None:
        csv_mapping(header, columns or {})


def likely_text_column(path: Path, sample: int = 200) -> str | None:
    """The CSV column whose first ``sample`` cells are longest on average: comments are the prose."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = _csv_reader(fh)
        header = next(reader, None)
        if not header:
            return None
        lengths = [0] * len(header)
        for row, _ in zip(reader, range(sample), strict=False):
            for i, cell in enumerate(row[: len(header)]):
                lengths[i] += len(cell)
    best: str = header[max(range(len(header)), key=lengths.__getitem__)]
    return best


def _read_csv(path: Path, columns: Mapping[str, str], stats: LoadStats) -> Iterator[Comment | None]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = _csv_reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            return
        mapping = csv_mapping(header, columns)
        width = len(header)
        for row_number, row in enumerate(reader, start=2):
            try:
                if len(row) != width:
                    if not any(cell.strip() for cell in row):
                        continue
                    stats.skip("wrong number of CSV fields")
                    continue
                yield _from_csv_row(row, mapping, row_number)
            except (ValueError, IndexError):
                stats.skip("unreadable CSV row")


def csv_mapping(header: list[str], columns: Mapping[str, str]) -> dict[str, int]:
    """Column index per Comment field: explicit ``columns`` first, then the known header names."""
    lowered = [name.strip().lower() for name in header]
    mapping: dict[str, int] = {}
    for field_name, column in columns.items():
        if field_name not in CSV_CANDIDATES:
            raise BadInput(f"unknown comment field {field_name!r}: use one of {', '.join(CSV_CANDIDATES)}")
        if column.strip().lower() not in lowered:
            raise BadInput(f"CSV has no column {column!r} (columns: {', '.join(header)})")
        mapping[field_name] = lowered.index(column.strip().lower())
    for field_name, candidates in CSV_CANDIDATES.items():
        if field_name in mapping:
            continue
        for candidate in candidates:
            if candidate in lowered:
                mapping[field_name] = lowered.index(candidate)
                break
    if "text" not in mapping:
        raise NoTextColumn(
            f"cannot tell which CSV column holds the comment text (columns: {', '.join(header)}); "
            "name it with --column text=NAME",
            header,
        )
    return mapping


def _from_csv_row(row: list[str], mapping: dict[str, int], row_number: int) -> Comment:
    def cell(name: str) -> str:
        index = mapping.get(name)
        return row[index].strip() if index is not None else ""

    when = parse_time(cell("time"))
    return Comment(
        id=cell("id") or f"row-{row_number}",
        text=cell("text"),
        author=cell("author"),
        parent_id=cell("parent_id") or None,
        likes=parse_count(cell("likes")),
        time=when,
        time_precision="exact" if when else "unknown",
    )


# ---------------------------------------------------------------- JSON


def _read_jsonl(path: Path, stats: LoadStats) -> Iterator[Comment | None]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                stats.skip("invalid JSON line")
                continue
            yield from _from_json_object(obj, stats)


def _read_json(path: Path, stats: LoadStats) -> Iterator[Comment | None]:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            doc = json.load(fh)
    except ValueError as exc:
        raise BadInput(f"{path} is not valid JSON ({exc}); JSONL files need one object per line") from exc
    if isinstance(doc, list):
        for obj in doc:
            yield from _from_json_object(obj, stats)
    else:
        yield from _from_json_object(doc, stats)


def _from_json_object(obj: Any, stats: LoadStats) -> Iterator[Comment | None]:
    """Dispatch one JSON value: a container of comments, an API page/thread, or one comment."""
    if not isinstance(obj, dict):
        stats.skip("not a JSON object")
        return
    kind = obj.get("kind", "")
    if kind == "youtube#commentThreadListResponse" or (kind == "" and isinstance(obj.get("items"), list)):
        for item in obj.get("items") or []:
            yield from _from_api_thread(item, stats)
    elif kind == "youtube#commentThread":
        yield from _from_api_thread(obj, stats)
    elif isinstance(obj.get("comments"), list):
        # yt-dlp .info.json, or youtube-comment-downloader's --format json
        for item in obj["comments"]:
            yield from _from_json_object(item, stats)
    elif "cid" in obj:
        yield _from_downloader(obj, stats)
    elif "text" in obj and ("id" in obj or "parent" in obj):
        yield _from_ytdlp(obj, stats)
    else:
        stats.skip("unrecognised JSON record")


def _from_downloader(obj: dict[str, Any], stats: LoadStats) -> Comment | None:
    try:
        cid = str(obj["cid"])
        text = obj["text"]
        if not isinstance(text, str):
            raise TypeError("text")
        stamp = obj.get("time_parsed")
        when = datetime.fromtimestamp(float(stamp), tz=UTC) if stamp is not None else None
        return Comment(
            id=cid,
            text=text,
            author=str(obj.get("author") or ""),
            # Reply ids are "PARENT.REPLY" in youtube-comment-downloader.
            parent_id=cid.split(".", 1)[0] if "." in cid else None,
            likes=parse_count(str(obj.get("votes") or "0")),
            time=when,
            # Estimated from "3 weeks ago" by dateparser at download time.
            time_precision="estimated" if when else "unknown",
            hearted=bool(obj["heart"]) if "heart" in obj else None,
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        stats.skip("malformed youtube-comment-downloader record")
        return None


def _from_ytdlp(obj: dict[str, Any], stats: LoadStats) -> Comment | None:
    try:
        text = obj["text"]
        if not isinstance(text, str):
            raise TypeError("text")
        parent = obj.get("parent")
        stamp = obj.get("timestamp")
        when = datetime.fromtimestamp(float(stamp), tz=UTC) if stamp is not None else None
        return Comment(
            id=str(obj.get("id") or ""),
            text=text,
            author=str(obj.get("author") or ""),
            parent_id=str(parent) if parent and parent != "root" else None,
            likes=int(obj.get("like_count") or 0),
            time=when,
            # yt-dlp derives the timestamp from YouTube's relative "2 years ago" text.
            time_precision="estimated" if when else "unknown",
            pinned=bool(obj["is_pinned"]) if "is_pinned" in obj else None,
            hearted=bool(obj["is_favorited"]) if "is_favorited" in obj else None,
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        stats.skip("malformed yt-dlp comment")
        return None


def _from_api_thread(thread: Any, stats: LoadStats) -> Iterator[Comment | None]:
    try:
        top = thread["snippet"]["topLevelComment"]
    except (KeyError, TypeError):
        stats.skip("malformed API commentThread")
        return
    yield _from_api_comment(top, None, stats)
    replies = thread.get("replies", {}).get("comments", []) if isinstance(thread.get("replies"), dict) else []
    for reply in replies:
        yield _from_api_comment(reply, str(top.get("id", "")) or None, stats)


def _from_api_comment(obj: Any, parent: str | None, stats: LoadStats) -> Comment | None:
    try:
        snippet = obj["snippet"]
        text = snippet.get("textOriginal") or snippet["textDisplay"]
        if not isinstance(text, str):
            raise TypeError("text")
        when = parse_time(str(snippet.get("publishedAt") or ""))
        return Comment(
            id=str(obj["id"]),
            text=text,
            author=str(snippet.get("authorDisplayName") or ""),
            parent_id=str(snippet.get("parentId") or parent) if (snippet.get("parentId") or parent) else None,
            likes=int(snippet.get("likeCount") or 0),
            time=when,
            time_precision="exact" if when else "unknown",
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        stats.skip("malformed API comment")
        return None


# ---------------------------------------------------------------- values


_COUNT = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([KkMmBb]?)\s*$")


def parse_count(value: str) -> int:
    """Like counts as YouTube prints them: ``"12"``, ``"1.2K"``, ``"3M"``; anything else is 0."""
    match = _COUNT.match(value or "")
    if not match:
        return 0
    number = float(match.group(1).replace(",", "."))
    scale = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}[match.group(2).lower()]
    return int(number * scale)


def parse_time(value: str) -> datetime | None:
    """ISO-8601 dates (API, UCI CSVs) or Unix seconds; ``None`` if it is neither."""
    value = value.strip()
    if not value:
        return None
    try:
        if re.fullmatch(r"[0-9]{9,11}(\.[0-9]+)?", value):
            return datetime.fromtimestamp(float(value), tz=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ---------------------------------------------------------------- online


def load_url(
    url_or_id: str,
    *,
    max_comments: int = DEFAULT_MAX_COMMENTS,
    fetch: Callable[[str, int], Iterator[dict[str, Any]]] | None = None,
) -> LoadedComments:
    """Comments of one YouTube video, by URL or 11-character id, via youtube-comment-downloader.

    No API key; online only.  Offline, or when YouTube does not answer, a :class:`BackendError` comes
    within 10 s (:data:`FIRST_COMMENT_DEADLINE_S`); comments turned off is a :class:`BadInput`.
    ``fetch`` replaces the downloader (tests).  Comment times are estimates ("3 weeks ago").
    """
    video_id = youtube_video_id(url_or_id)
    if video_id is None:
        raise BadInput(f"{url_or_id!r} is not a YouTube video URL or 11-character video id")
    stats = LoadStats()
    records = (fetch or download_comments)(video_id, max_comments)
    comments = _collect((_from_downloader(r, stats) for r in records), stats, max_comments)
    return LoadedComments(comments, stats, url_or_id)


def download_comments(
    video_id: str,
    max_comments: int,
    *,
    deadline_s: float = FIRST_COMMENT_DEADLINE_S,
    timeout_s: float = URL_TIMEOUT_S,
) -> Iterator[dict[str, Any]]:
    """Records of one video's comments, most popular first (youtube-comment-downloader's format).

    The library's first request has no timeout and its comments requests retry for minutes
    (MEASURED.md), so its session gets a timeout on every request and a deadline until the first
    comment, its retries are cut to :data:`AJAX_TRIES` without sleeps, and the first comment is pulled
    eagerly: offline, this fails in seconds with a :class:`BackendError` instead of hanging.
    """
    try:
        import requests
        from youtube_comment_downloader import SORT_BY_POPULAR, YoutubeCommentDownloader  # type: ignore[import-untyped]
    except ImportError as exc:
        raise BadInput("reading a YouTube URL needs: pip install youtube-comment-downloader") from exc
    url = f"https://www.youtube.com/watch?v={video_id}"
    downloader = YoutubeCommentDownloader()
    original_request = downloader.session.request
    original_ajax = downloader.ajax_request
    first_by: list[float | None] = [time.monotonic() + deadline_s]

    def request_with_timeout(*args: Any, **kwargs: Any) -> Any:
        limit = timeout_s
        if first_by[0] is not None:
            left = first_by[0] - time.monotonic()
            if left <= 0:
                raise requests.Timeout(f"no comment within {deadline_s:.0f} s")
            limit = min(limit, left)
        kwargs["timeout"] = limit
        return original_request(*args, **kwargs)

    def quick_ajax(endpoint: Any, ytcfg: Any, *args: Any, **kwargs: Any) -> Any:
        # The library returns None when every try failed, which its caller reads as "no more comments":
        # a silent truncation.  Here that is an error.
        for _ in range(AJAX_TRIES):
            result = original_ajax(endpoint, ytcfg, retries=1, sleep=0, timeout=timeout_s)
            if result is not None:
                return result
        raise requests.ConnectionError("YouTube did not answer a comments request")

    downloader.session.request = request_with_timeout  # type: ignore[method-assign]
    downloader.ajax_request = quick_ajax  # type: ignore[method-assign]
    errors = (requests.RequestException, json.JSONDecodeError, KeyError, TypeError, ValueError, RuntimeError)
    try:
        generator = downloader.get_comments_from_url(url, sort_by=SORT_BY_POPULAR, sleep=0)
        first = next(generator, None)
    except errors as exc:
        raise BackendError(
            f"could not download comments for {video_id} ({type(exc).__name__}): "
            "check the network, or save them to a file first and analyse the file"
        ) from exc
    first_by[0] = None
    if first is None:
        raise BadInput(f"{video_id}: YouTube returned no comments (comments off, or not a video)")

    def rest() -> Iterator[dict[str, Any]]:
        yield first
        count = 1
        try:
            for item in generator:
                if count >= max_comments:
                    return
                count += 1
                yield item
        except errors as exc:
            raise BackendError(f"download of {video_id} broke off after {count} comments ({exc})") from exc

    return rest()
