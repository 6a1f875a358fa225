"""Fixtures for TubeTalk tests (helpers live in ``tubetalk_helpers.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from localgenie.config import shared_data_dir
from tests.tubetalk.tubetalk_helpers import HashingEmbedder


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def shared() -> Path:
    root = shared_data_dir()
    if root is None:
        pytest.skip("shared data (../shared/data or $GENIE_SHARED_DATA) is absent")
    return root
