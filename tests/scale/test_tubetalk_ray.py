"""TubeTalk on a real local Ray cluster: the report equals the one-machine report on the same input."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from localgenie import tubetalk
from localgenie.cli.scale import optional_value
from localgenie.cli.tubetalk import app
from localgenie.tubetalk import shards
from localgenie.tubetalk.combine import combine
from localgenie.tubetalk.embed import load_embedder
from tests.conftest import require_shared

# Timings and the clock differ from run to run; everything else must not.
VARIABLE = ("generated_at", "stage_seconds")


def comparable(report: tubetalk.TubeTalkReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(tubetalk.to_json(report))
    for key in VARIABLE:
        data.pop(key)
    return data


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,200 comments of the shared 18k CSV, with a copy-paste flood and spam added."""
    source = require_shared("youtube-comments", "YoutubeCommentsDataSet.csv")
    with source.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:1201]
    body += [["FIRST!!!", "neutral"]] * 5 + [
        ["check out my channel http://spam.example sub4sub", "neutral"]
    ] * 3
    path = tmp_path_factory.mktemp("tubetalk") / "small.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    return path


def test_the_ray_report_equals_the_one_machine_report(ray_cluster: ModuleType, small_csv: Path) -> None:
    from localgenie.scale.tubetalk import analyze_ray

    loaded = tubetalk.load(small_csv)
    local = tubetalk.analyze(loaded)
    on_ray = analyze_ray(loaded, workers=2, shard_size=250)  # 5 shards
    assert comparable(on_ray) == comparable(local)
    assert local.counts.duplicates_removed >= 4 and local.counts.spam >= 3 and len(local.themes) >= 3
    assert set(on_ray.stage_seconds) == set(local.stage_seconds)


def test_sharded_vectors_equal_one_shard_vectors(ray_cluster: ModuleType, small_csv: Path) -> None:
    """The embedder's corpus statistics are summed over shards, not taken per shard (which would move
    every vector: shown by the per-shard encode below differing)."""
    from localgenie.scale.tubetalk import RayShards

    texts = [c.text for c in tubetalk.load(small_csv).comments][:600]
    whole = load_embedder().encode(texts)
    sharded = shards.static_vectors(RayShards(ray_cluster, shard_size=200), texts)
    assert np.array_equal(sharded, whole)
    per_shard = np.concatenate([load_embedder().encode(texts[i : i + 200]) for i in range(0, 600, 200)])
    assert not np.allclose(per_shard, whole, atol=1e-3)


def test_analyze_many_sources_with_ray_on_the_command_line(
    ray_cluster: ModuleType, small_csv: Path, tmp_path: Path
) -> None:
    second = tmp_path / "second.csv"
    second.write_text(small_csv.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "report.json"
    args = ["analyze", str(small_csv), str(second), "--ray", "--format", "json", "-o", str(out), "-q"]
    result = CliRunner().invoke(app, optional_value(args))
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    expected = combine([tubetalk.load(small_csv), tubetalk.load(second)])
    assert report["counts"]["loaded"] == 2 * tubetalk.load(small_csv).stats.read
    assert report["source"] == expected.source
    # The second file repeats the first: every comment of it is a copy of one in the first.
    assert report["counts"]["duplicates_removed"] >= len(tubetalk.load(small_csv).comments)


def test_theme_labels_asked_of_a_model_worker_match_the_local_call(ray_cluster: ModuleType) -> None:
    from localgenie.scale.tubetalk import RemoteExtractor
    from localgenie.tubetalk.labels import labelling_extract

    prompt = "Comments: 'the battery dies in two hours'; 'battery life is awful'. Label this theme."
    schema = tubetalk.ThemeSummary
    local = labelling_extract(prompt, schema, model="tiny", max_tokens=120, max_retries=0)
    remote = RemoteExtractor(ray_cluster)
    try:
        on_worker = remote(prompt, schema, model="tiny", max_tokens=120, max_retries=0)
    finally:
        remote.close()
    assert on_worker.value == local.value
    assert on_worker.usage.completion_tokens == local.usage.completion_tokens
