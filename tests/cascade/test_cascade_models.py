"""``auto`` on the real models: tiny first, and default when tiny's answer does not hold up.

tiny reads this order's number as ``12345`` (greedy, every run): the cascade stops it at that value,
default answers.  Two default runs in all (one from Python, one from the CLI), so marked slow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import localgenie
from localgenie.cascade import Cascade

TEXT = "Order 4471 from Maria Lopez, 3 chairs, ship to Lyon."
SCHEMA = "order_id int, customer, quantity int, city"
GENIE = [sys.executable, "-m", "localgenie"]
EXPECTED = {"order_id": 4471, "customer": "Maria Lopez", "quantity": 3, "city": "Lyon"}


@pytest.fixture(autouse=True)
def own_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENIE_DATA_DIR", str(tmp_path))


@pytest.mark.slow
def test_auto_from_python_escalates_an_invented_value_to_default() -> None:
    result = localgenie.extract_details(TEXT, SCHEMA, model="auto")
    assert result.value == EXPECTED
    tiny, default = result.stages
    assert (tiny.stage, tiny.outcome) == ("tiny", "rejected")
    assert tiny.reasons[0] == "/order_id 12345 is not in the text"
    assert (default.stage, default.outcome) == ("default", "accepted")
    assert tiny.seconds < default.seconds  # tiny was stopped at the invented number


@pytest.mark.slow
def test_auto_from_the_cli_says_which_model_answered_and_why(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "localgenie",
            "extract",
            "--model",
            "auto",
            "--verbose",
            "--schema",
            SCHEMA,
            TEXT,
        ],
        capture_output=True,
        timeout=600,
        env={**os.environ, "GENIE_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout) == EXPECTED
    stderr = done.stderr.decode()
    assert "stage tiny rejected" in stderr and "/order_id 12345 is not in the text" in stderr
    assert "stage default accepted" in stderr


def test_tiny_alone_as_a_cascade_returns_its_answer_whatever_the_checks() -> None:
    # the last stage has the last word: a chain of tiny alone is tiny, with its stage report
    result = localgenie.extract_details(TEXT, SCHEMA, cascade=Cascade(("tiny",)))
    assert [(s.stage, s.outcome) for s in result.stages] == [("tiny", "accepted")]


def test_the_cli_refuses_a_bad_chain_before_loading_a_model() -> None:
    done = subprocess.run(
        [*GENIE, "extract", "--cascade", "tiny,tiny", "--schema", SCHEMA, TEXT],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "names 'tiny' twice" in done.stderr.decode()
    both = subprocess.run(
        [
            sys.executable,
            "-m",
            "localgenie",
            "extract",
            "--cascade",
            "tiny,default",
            "-m",
            "tiny",
            "-s",
            SCHEMA,
            TEXT,
        ],
        capture_output=True,
        timeout=120,
    )
    assert both.returncode == 2 and "cannot be used with --model tiny" in both.stderr.decode()


def test_a_stage_drafting_from_an_earlier_answer_writes_its_own_answer_faster(tiny: Any) -> None:
    """The real decoder, tiny as both stages: the first is rejected (no answer is certain enough for
    min_confidence 1), the second drafts from what the first wrote, and more of its answer comes from
    verified drafts.  (Its answer is its own greedy one up to near-ties: a batch's logits round
    differently from one token's, and tiny is full of near-ties; bench/cascade.py counts how often
    default's answer changes.)"""
    text, schema = "Order 4471 from Maria Lopez, 3 chairs, ship to Lyon.", "order_id int, customer, city"
    localgenie.extract_details(text, schema, backend=tiny)  # now the prompt is cached, as for the stages
    alone = localgenie.extract_details(text, schema, backend=tiny)
    cascade = Cascade(
        ("first", "second"), min_confidence=1.0, backends=lambda stage: tiny, learn=False, draft=True
    )
    result = localgenie.extract_details(text, schema, cascade=cascade)
    assert [(s.stage, s.outcome) for s in result.stages] == [("first", "rejected"), ("second", "accepted")]
    assert result.value.keys() == alone.value.keys()
    second = result.stages[1].usage
    assert second.accepted_draft_tokens > alone.usage.accepted_draft_tokens
    assert second.forward_passes < alone.usage.forward_passes
