"""``genie tubetalk analyze``: the commands a creator types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from localgenie.cli.tubetalk import app
from localgenie.errors import BackendError, BadInput
from localgenie.tubetalk import pipeline
from tests.tubetalk.tubetalk_helpers import HashingEmbedder, composed_comments, offline, write_jsonl

runner = CliRunner()


@pytest.fixture(autouse=True)
def cheap_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI test checks wiring and output, not embedding quality (test_embed.py does that).
    original = pipeline.analyze

    def analyze(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        kwargs.setdefault("embedder", HashingEmbedder())
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("localgenie.tubetalk.analyze", analyze)


@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_analyze_writes_each_format(tmp_path: Path, fmt: str) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", composed_comments(3))
    out = tmp_path / f"report.{fmt}"
    result = runner.invoke(app, ["analyze", str(source), "--format", fmt, "-o", str(out), "--themes", "4"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(text)["counts"]["analysed"] == 48
    elif fmt == "md":
        assert text.startswith("# TubeTalk report")
    else:
        assert text.startswith("<!doctype html>") and "<svg" in text


def test_terminal_report_and_progress(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", composed_comments(2))
    result = runner.invoke(app, ["analyze", str(source)])
    assert result.exit_code == 0, result.output
    assert "32 comments analysed" in result.output and "Themes" in result.output


def test_csv_column_mapping_flag(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Words,Who\nthe audio is too quiet,ann\nwhat camera is that?,bob\n")
    out = tmp_path / "r.json"
    result = runner.invoke(
        app, ["analyze", str(path), "--column", "text=Words", "-f", "json", "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["counts"]["analysed"] == 2


def test_bad_input_surfaces_as_genie_error_types(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    offline(monkeypatch)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert isinstance(runner.invoke(app, ["analyze", str(empty)]).exception, BadInput)
    assert isinstance(runner.invoke(app, ["analyze", "x.csv", "--column", "oops"]).exception, BadInput)
    no_network = runner.invoke(app, ["analyze", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "-q"])
    assert isinstance(no_network.exception, BackendError)
