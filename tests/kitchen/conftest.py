"""Fixtures for KitchenGenie tests: a fresh kitchen database per test, and a slice of the shared recipe
corpus imported once per session (every 10th recipe: ~7.3k recipes spread over the whole alphabet)."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from localgenie.config import shared_data_dir
from localgenie.kitchen import corpus, db

SLICE_STEP = 10


def corpus_path() -> Path:
    shared = shared_data_dir()
    path = shared / "recipes" / "recipes.jsonl.gz" if shared else None
    if path is None or not path.is_file():
        pytest.skip("shared recipe corpus (../shared/data/recipes/recipes.jsonl.gz) is not present")
    return path


@pytest.fixture(scope="session")
def recipes_gz() -> Path:
    """The shared 73k-recipe corpus (tests using it skip when the shared data is absent)."""
    return corpus_path()


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    c = db.connect(tmp_path / "kitchen.sqlite")
    yield c
    c.close()


@pytest.fixture(scope="session")
def corpus_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every SLICE_STEP-th line of the shared corpus, as a plain JSONL file in a temp dir (never the repo)."""
    source = corpus_path()
    out = tmp_path_factory.mktemp("corpus") / "slice.jsonl"
    with gzip.open(source, "rt", encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i % SLICE_STEP == 0:
                dst.write(line)
    return out


@pytest.fixture(scope="session")
def imported_template(corpus_slice: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    c = db.connect(path)
    corpus.import_file(c, corpus_slice)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    return path


@dataclass(frozen=True)
class FullImport:
    path: Path
    seconds: float
    report: corpus.ImportReport


@pytest.fixture(scope="session")
def full_import(recipes_gz: Path, tmp_path_factory: pytest.TempPathFactory) -> FullImport:
    """The whole 73k corpus imported once (slow tests only: ~1-2 min on 2 cores)."""
    path = tmp_path_factory.mktemp("full") / "full.sqlite"
    c = db.connect(path)
    start = time.perf_counter()
    report = corpus.import_file(c, recipes_gz)
    seconds = time.perf_counter() - start
    c.close()
    return FullImport(path, seconds, report)


@pytest.fixture
def kitchen(imported_template: Path, tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A kitchen database with the corpus slice imported and an empty pantry (a private copy per test)."""
    path = tmp_path / "kitchen.sqlite"
    shutil.copy(imported_template, path)
    c = db.connect(path)
    yield c
    c.close()
