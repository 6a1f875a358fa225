"""Where Genie keeps its files and which backend it talks to.

Everything comes from the environment (or CLI flags that override it), so the
same settings work for the CLI, the web app and the Python API.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "genie"


def cache_dir() -> Path:
    """Assembled model files and other rebuildable data (``GENIE_CACHE_DIR`` overrides)."""
    override = os.environ.get("GENIE_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME))


def data_dir() -> Path:
    """User data that must survive: the pantry database, jobs (``GENIE_DATA_DIR`` overrides)."""
    override = os.environ.get("GENIE_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def shared_data_dir() -> Path | None:
    """The read-only demo/test data sets (``GENIE_SHARED_DATA`` or ``../shared/data``), if present."""
    override = os.environ.get("GENIE_SHARED_DATA")
    candidates = [Path(override)] if override else []
    candidates.append(Path(__file__).resolve().parents[3] / "shared" / "data")
    candidates.append(Path.cwd().parent / "shared" / "data")
    for path in candidates:
        if path.is_dir():
            return path
    return None


def default_threads() -> int:
    """Decode threads: ``GENIE_THREADS`` or every core (more threads than cores only hurts)."""
    value = os.environ.get("GENIE_THREADS")
    if value:
        return max(1, int(value))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


@dataclass(frozen=True)
class RemoteSettings:
    """An OpenAI-compatible server: OpenAI, Ollama, vLLM, llama.cpp server."""

    base_url: str
    api_key: str | None
    model: str | None


def remote_from_env() -> RemoteSettings | None:
    """``GENIE_BASE_URL`` (+ ``GENIE_API_KEY``, ``GENIE_MODEL``) selects a remote backend."""
    base_url = os.environ.get("GENIE_BASE_URL")
    if not base_url:
        return None
    return RemoteSettings(base_url, os.environ.get("GENIE_API_KEY"), os.environ.get("GENIE_MODEL"))
