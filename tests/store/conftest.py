from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Saved schemas and the log live in a fresh user data directory for each test, and the log is
    on (the suite's conftest turns it off everywhere else)."""
    monkeypatch.setenv("GENIE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GENIE_LOG", raising=False)
    return tmp_path / "data"
