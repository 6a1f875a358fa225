"""Reading comments: every supported format into one Comment record; bad rows counted, never fatal."""

from __future__ import annotations

import json
import socket
import time
import tracemalloc
from pathlib import Path

import pytest

from localgenie.errors import BackendError, BadInput
from localgenie.tubetalk import load
from localgenie.tubetalk.sources import (
    NoTextColumn,
    check_csv_columns,
    likely_text_column,
    load_url,
    parse_count,
    youtube_video_id,
)
from tests.tubetalk.tubetalk_helpers import composed_comments, offline, route_requests_through, write_jsonl


def test_uci_spam_csv_loads_with_no_flags(shared: Path) -> None:
    loaded = load(shared / "youtube-spam" / "Youtube01-Psy.csv")
    assert len(loaded.comments) == 350
    first = loaded.comments[0]
    assert first.id.startswith("LZQPQhLyRh80")
    assert first.author == "Julius NM"
    assert first.time is not None and first.time.year == 2013
    assert first.time_precision == "exact"


def test_18k_csv_loads_with_no_flags_and_counts_empty_rows(shared: Path) -> None:
    loaded = load(shared / "youtube-comments" / "YoutubeCommentsDataSet.csv")
    assert len(loaded.comments) == 18_249
    assert loaded.stats.skipped == {"empty text": 159}
    assert loaded.comments[0].id == "row-2"
    assert loaded.stats.time_precision == "unknown"


def test_downloader_jsonl_replies_likes_and_estimated_times(tmp_path: Path) -> None:
    records = composed_comments(1)[:2]
    records.append(
        {"cid": "UgParent.reply1", "text": "agreed!", "votes": "1.2K", "heart": True, "time_parsed": 1.7e9}
    )
    loaded = load(write_jsonl(tmp_path / "c.jsonl", records))
    reply = loaded.comments[-1]
    assert reply.parent_id == "UgParent" and reply.is_reply
    assert reply.likes == 1200 and reply.hearted is True
    assert reply.time_precision == "estimated" and loaded.stats.time_precision == "estimated"
    assert loaded.comments[0].parent_id is None


def test_downloader_json_format(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"comments": composed_comments(1)}, indent=4))
    assert len(load(path).comments) == 16


def test_ytdlp_info_json(tmp_path: Path) -> None:
    info = {
        "id": "abcdefghijk",
        "title": "video",
        "comments": [
            {
                "id": "c1",
                "parent": "root",
                "text": "Great video",
                "like_count": 5,
                "author": "A",
                "timestamp": 1700000000,
                "is_pinned": True,
                "is_favorited": False,
            },
            {"id": "c1.r1", "parent": "c1", "text": "yes", "like_count": None, "author": "B"},
        ],
    }
    path = tmp_path / "v.info.json"
    path.write_text(json.dumps(info))
    first, reply = load(path).comments
    assert first.pinned is True and first.hearted is False and first.likes == 5
    assert first.time_precision == "estimated"
    assert reply.parent_id == "c1" and reply.likes == 0


def _api_page(offset: int) -> dict[str, object]:
    def snippet(text: str, **extra: object) -> dict[str, object]:
        return {
            "textOriginal": text,
            "textDisplay": text,
            "authorDisplayName": "@a",
            "likeCount": 3,
            "publishedAt": "2024-05-01T10:00:00Z",
            **extra,
        }

    return {
        "kind": "youtube#commentThreadListResponse",
        "items": [
            {
                "kind": "youtube#commentThread",
                "snippet": {"topLevelComment": {"id": f"T{offset}", "snippet": snippet("top level")}},
                "replies": {
                    "comments": [{"id": f"T{offset}.R", "snippet": snippet("a reply", parentId=f"T{offset}")}]
                },
            }
        ],
    }


@pytest.mark.parametrize("layout", ["page", "list", "jsonl"])
def test_data_api_comment_threads(tmp_path: Path, layout: str) -> None:
    pages = [_api_page(1), _api_page(2)]
    path = tmp_path / "api.json"
    if layout == "page":
        path.write_text(json.dumps(pages[0], indent=2))
    elif layout == "list":
        path.write_text(json.dumps(pages))
    else:
        path.write_text("\n".join(json.dumps(p) for p in pages))
    comments = load(path).comments
    assert len(comments) == (2 if layout == "page" else 4)
    assert comments[1].parent_id == "T1" and comments[0].parent_id is None
    assert comments[0].time_precision == "exact" and comments[0].likes == 3


def test_csv_with_explicit_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Body;Who;Up\nnice video;ann;3\nbad audio;bob;1K\n")
    comments = load(path, columns={"text": "Body", "author": "Who", "likes": "Up"}).comments
    assert [(c.text, c.author, c.likes) for c in comments] == [
        ("nice video", "ann", 3),
        ("bad audio", "bob", 1000),
    ]


def test_csv_without_a_text_column_says_how_to_map_it(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Words,Who\nnice,ann\n")
    with pytest.raises(BadInput, match="--column text=NAME"):
        load(path)
    with pytest.raises(BadInput, match="no column 'Nope'"):
        load(path, columns={"text": "Nope"})


def test_malformed_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in composed_comments(1)[:3]]
    lines += ["{not json", "[1, 2]", json.dumps({"cid": "x", "text": None}), json.dumps({"foo": 1})]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    loaded = load(path)
    assert len(loaded.comments) == 3
    assert loaded.stats.skipped == {
        "invalid JSON line": 1,
        "not a JSON object": 1,
        "malformed youtube-comment-downloader record": 1,
        "unrecognised JSON record": 1,
    }
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text('text,likes\n"ok one",1\n"extra",1,2,3\n"ok two",x\n')
    loaded_csv = load(csv_path)
    assert [c.text for c in loaded_csv.comments] == ["ok one", "ok two"]
    assert loaded_csv.stats.skipped == {"wrong number of CSV fields": 1}


@pytest.mark.parametrize("content", ["", "  \n\n "])
def test_empty_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content)
    with pytest.raises(BadInput, match=r"empty|whitespace"):
        load(path)


def test_missing_file_is_a_clear_error() -> None:
    with pytest.raises(BadInput, match="no such file"):
        load("/nonexistent/comments.csv")


@pytest.mark.parametrize("reference", ["https://www.youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ"])
def test_url_offline_fails_fast_and_clearly(monkeypatch: pytest.MonkeyPatch, reference: str) -> None:
    offline(monkeypatch)
    started = time.monotonic()
    with pytest.raises(BackendError, match="could not download comments"):
        load(reference)
    assert time.monotonic() - started < 10


def test_url_that_never_answers_fails_within_10_s(monkeypatch: pytest.MonkeyPatch) -> None:
    # A server that accepts the connection and then says nothing: without the timeouts and the
    # first-comment deadline, youtube-comment-downloader waits forever here.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        route_requests_through(monkeypatch, f"http://127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        with pytest.raises(BackendError, match="could not download comments"):
            load_url("https://youtu.be/dQw4w9WgXcQ")
        assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("value", "video_id"),
    [
        ("dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s", "dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ?si=abc", "dQw4w9WgXcQ"),
        ("https://m.youtube.com/shorts/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/live/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://evil.example/watch?v=dQw4w9WgXcQ&x=youtube.com", None),
        ("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", None),
        ("https://www.youtube.com/@channel", None),
        ("comments.csv", None),
    ],
)
def test_only_youtube_video_references_are_urls(value: str, video_id: str | None) -> None:
    assert youtube_video_id(value) == video_id


def test_load_url_refuses_what_is_not_a_youtube_video() -> None:
    with pytest.raises(BadInput, match="not a YouTube video"):
        load_url("https://example.com/watch?v=dQw4w9WgXcQ")


def test_url_source_uses_the_downloader_records() -> None:
    asked = []

    def fake_fetch(video_id: str, limit: int):  # type: ignore[no-untyped-def]
        asked.append(video_id)
        return iter(composed_comments(1)[:limit])

    loaded = load("https://youtu.be/dQw4w9WgXcQ", fetch=fake_fetch, max_comments=5)
    assert len(loaded.comments) == 5 and loaded.source.startswith("https://youtu.be")
    assert asked == ["dQw4w9WgXcQ"] and loaded.stats.time_precision == "estimated"


def test_large_file_is_streamed_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    line = json.dumps({"cid": "Ug", "text": "x" * 400, "votes": "1", "time_parsed": 1.7e9}) + "\n"
    with path.open("w") as fh:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    assert path.stat().st_size >= 50 * 1024 * 1024
    tracemalloc.start()
    loaded = load(path, max_comments=1000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(loaded.comments) == 1000
    assert loaded.stats.truncated > 100_000
    assert peak < 20 * 1024 * 1024


def test_parse_count_handles_youtube_abbreviations() -> None:
    assert [parse_count(v) for v in ("12", "1.2K", "3M", "", "n/a", "2,5K")] == [
        12,
        1200,
        3_000_000,
        0,
        0,
        2500,
    ]


@pytest.mark.parametrize(("name", "indent"), [("export.txt", 2), ("minified.json", None)])
def test_format_is_read_from_the_content_not_the_extension(
    tmp_path: Path, name: str, indent: int | None
) -> None:
    path = tmp_path / name
    path.write_text(json.dumps({"comments": composed_comments(1)}, indent=indent))
    loaded = load(path)
    assert len(loaded.comments) == 16 and loaded.stats.skipped == {}


def test_a_missing_text_column_lists_the_header_and_can_be_checked_before_reading(tmp_path: Path) -> None:
    """The web form offers the header as a select (issue 18 item 10): the error carries it."""
    path = tmp_path / "c.csv"
    path.write_text("id;Words;Who\n1;a long comment about the audio;ann\n2;too quiet;bob\n")
    with pytest.raises(NoTextColumn) as caught:
        check_csv_columns(path)
    assert caught.value.columns == ["id", "Words", "Who"]
    assert likely_text_column(path) == "Words"  # the column of prose
    check_csv_columns(path, {"text": "words"})  # names match case-insensitively, as in load
    with pytest.raises(BadInput, match="no column 'Nope'"):
        check_csv_columns(path, {"text": "Nope"})
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text('{"text": "hi", "cid": "a"}\n')
    check_csv_columns(jsonl)  # not a CSV: nothing to check
