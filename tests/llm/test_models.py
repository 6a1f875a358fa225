"""Model files: the built-in registry, the default model's assembly and checks, bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from localgenie import ModelError, ModelNotFound, get_backend
from localgenie.llm import models


def test_models_lists_tiny_and_default_with_their_state() -> None:
    infos = {info.name: info for info in models.list_models()}
    assert infos["tiny"].status == "ready"
    assert infos["tiny"].path is not None and infos["tiny"].path.suffix == ".gguf"
    assert infos["default"].status in ("ready", "not assembled", "not verified")


def test_the_default_model_is_assembled_verified_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    path = models.assemble_default_model()
    assert path.stat().st_size == models.DEFAULT_SIZE
    assert models._is_verified(path)
    assert models.assemble_default_model() == path  # second call: stamp, no re-hash


def test_a_default_model_file_that_does_not_match_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENIE_CACHE_DIR", str(tmp_path))
    target = models.default_model_path()
    target.parent.mkdir(parents=True)
    target.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(ModelError, match="is not the expected default model"):
        models.resolve_model_path("default")


def test_unknown_names_and_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="unknown model 'gpt-17'"):
        models.resolve_model_path("gpt-17")
    with pytest.raises(ModelNotFound, match="model file not found"):
        get_backend(str(tmp_path / "missing.gguf"))


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.gguf"
    fake.write_text("<html>404</html>")
    with pytest.raises(ModelError, match="not a GGUF model file"):
        get_backend(str(fake))


def test_a_truncated_gguf_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    source = models.tiny_model_path()
    truncated = tmp_path / "truncated.gguf"
    with source.open("rb") as handle, truncated.open("wb") as out:
        out.write(handle.read(2_000_000))
    with pytest.raises(ModelError, match=r"could not load .*truncated"):
        get_backend(str(truncated))


def test_any_local_gguf_path_works(tmp_path: Path) -> None:
    copy = tmp_path / "my-model.gguf"
    shutil.copy(models.tiny_model_path(), copy)
    backend = get_backend(str(copy))
    assert backend.info.model == "my-model.gguf"
