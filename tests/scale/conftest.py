"""One real local Ray cluster on 127.0.0.1 for tests/scale, started once and shut down after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psutil
import pytest

pytest.importorskip("ray", reason="the Ray engine's tests need ray: pip install 'localgenie[ray]'")

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[ModuleType]:
    """``ray.init(num_cpus=2)`` on loopback, without a dashboard; the workers import this checkout."""
    from localgenie.scale.cluster import connect

    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)
    ray = connect(num_cpus=2)
    yield ray
    ray.shutdown()


def map_workers(name: str = "ExtractWorker") -> list[psutil.Process]:
    """This test run's Ray Data actor processes for the class ``name`` (descendants of this process)."""
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if f"MapBatches({name})" in " ".join(process.cmdline()):
                found.append(process)
        except psutil.Error:
            continue
    return found
