"""`genie tune` end to end on tiny: a few steps on 30 examples, then the result as any other model.

The training is short (it proves the path, not the quality: bench/tune.py measures that).  Every test
writes into its own cache folder (``GENIE_CACHE_DIR``), never the user's.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import localgenie
from localgenie.errors import BadInput, ModelNotFound
from localgenie.llm import models
from localgenie.llm.models import tiny_model_path
from localgenie.structured import schema_errors
from localgenie.tune import TuneEvent, TuneOptions, tune

pytest.importorskip("peft")

THIRTY = Path(__file__).parent / "data" / "thirty.jsonl"
QUICK = TuneOptions(epochs=1, max_steps=8, batch_size=4, baseline=False)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GENIE_CACHE_DIR", str(tmp_path))
    return tmp_path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def genie(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "localgenie", *args], capture_output=True, text=True, timeout=600, env=env
    )


def test_tune_tiny_then_extract_with_it_under_the_grammar(cache: Path) -> None:
    events: list[TuneEvent] = []
    result = tune(THIRTY, "contacts", QUICK, on_event=events.append)

    assert result.status == "complete"
    assert result.path == cache / "tuned" / "contacts" / "model.gguf"
    steps = [e for e in events if e.kind == "step"]
    assert [e.done for e in steps] == list(range(1, 9)) and all(
        e.loss is not None and e.loss > 0 for e in steps
    )
    [epoch] = [e.result for e in events if e.kind == "epoch"]
    assert epoch is not None and epoch.items == 8 and 0 <= epoch.eval_exact_match <= 1

    card = json.loads(result.card_path.read_text())
    assert card == result.card
    assert card["data_sha256"] == sha256(THIRTY)
    assert card["base_sha256"] == sha256(tiny_model_path())
    assert card["examples"]["train"] == 24 and card["examples"]["eval"] == 6
    assert (
        card["metrics"]["eval_exact_match"] == epoch.eval_exact_match and card["metrics"]["best_epoch"] == 1
    )
    assert len(card["epochs"]) == 1 and card["seconds"] > 0 and card["peak_rss_mb"] > 0
    assert "token_embd" not in card["method"] and "q_proj" in card["method"]

    listed = {info.name: info for info in models.list_models()}
    assert listed["tuned:contacts"].path == result.path and listed["tuned:contacts"].status == "ready"

    # The tuned model is a model like any other: the grammar still holds it to the schema.
    schema = json.loads(THIRTY.read_text().splitlines()[0])["schema"]
    text = "Add Maria Lopez to the list, maria.lopez@example.org, phone +44 20 7946 0001."
    extraction = localgenie.extract_details(text, schema, model="tuned:contacts")
    assert schema_errors(schema, extraction.value) == []
    assert extraction.value["email"] == "maria.lopez@example.org"


def test_a_duplicate_name_is_refused_unless_forced(cache: Path) -> None:
    (cache / "tuned" / "taken").mkdir(parents=True)
    (cache / "tuned" / "taken" / "card.json").write_text("{}")
    with pytest.raises(BadInput, match=r"named 'taken' already exists.*--force.*--resume"):
        tune(THIRTY, "taken", QUICK)
    with pytest.raises(BadInput, match="no checkpoint to resume from"):
        tune(THIRTY, "taken", QUICK, resume=True)
    with pytest.raises(ModelNotFound, match="not a usable tuned model name"):
        tune(THIRTY, "../escape", QUICK)


def test_unknown_tuned_models_say_how_to_make_one(cache: Path) -> None:
    with pytest.raises(ModelNotFound, match=r"no tuned model 'nothing'.*genie tune"):
        localgenie.get_backend("tuned:nothing")


def test_the_command_refuses_too_few_examples_with_the_reason(cache: Path, tmp_path: Path) -> None:
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join(THIRTY.read_text().splitlines()[:12]) + "\n")
    env = {**_env(), "GENIE_CACHE_DIR": str(cache)}
    result = genie("tune", str(few), "--name", "few", env=env)
    assert result.returncode == 2, result.stderr
    assert "12 usable example(s)" in result.stderr and "at least 20" in result.stderr


@pytest.mark.slow
def test_ctrl_c_keeps_a_usable_model_and_resume_finishes(cache: Path) -> None:
    """Interrupted as the second epoch starts: epoch 1 is kept (card, model, checkpoint), then resumed."""
    options = TuneOptions(epochs=2, max_steps=4, batch_size=2, patience=2, baseline=False)

    def interrupt(event: TuneEvent) -> None:
        if event.kind == "start" and event.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tune(THIRTY, "halfway", options, on_event=interrupt)
    folder = cache / "tuned" / "halfway"
    card = json.loads((folder / "card.json").read_text())
    assert card["status"] == "interrupted" and [e["epoch"] for e in card["epochs"]] == [1]
    listed = {info.name: info for info in models.list_models()}
    assert listed["tuned:halfway"].status == "interrupted"
    first = json.loads(THIRTY.read_text().splitlines()[0])
    value = localgenie.extract(first["text"], first["schema"], model="tuned:halfway")
    assert schema_errors(first["schema"], value) == []

    changed = cache / "changed.jsonl"
    changed.write_text(THIRTY.read_text() + "\n")
    with pytest.raises(BadInput, match="not the examples file"):
        tune(changed, "halfway", resume=True)

    events: list[TuneEvent] = []
    result = tune(THIRTY, "halfway", resume=True, on_event=events.append)
    assert result.status == "complete"
    assert [e.epoch for e in events if e.kind == "start"] == [2]  # epoch 1 was not trained again
    assert [e.epoch for e in result.epochs] == [1, 2]
    assert result.card["options"]["max_steps"] == 4  # the options it was started with


def _env() -> dict[str, Any]:
    import os

    return dict(os.environ)
