"""Data flows one way: llm ← structured ← review, apps ← web / cli.  A test walks every import to hold it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "localgenie"
# package -> packages it must never import (directly or through a relative import)
FORBIDDEN = {
    "llm": {"structured", "kitchen", "tubetalk", "vision", "web", "cli", "evaluation", "tune", "scale"},
    "structured": {"kitchen", "tubetalk", "vision", "web", "cli", "tune", "scale"},
    "kitchen": {"web", "cli", "scale"},
    "tubetalk": {"web", "cli", "scale"},
    "vision": {"web", "cli", "scale"},
    "evaluation": {"web", "cli", "tune", "scale"},
    "cascade": {"kitchen", "tubetalk", "vision", "web", "cli", "tune", "scale"},
    "tune": {"web", "cli", "scale"},
    "store": {"scale"},
    # The HTML review renders what `structured` found; the CLI and the web app both call it.
    "review": {"kitchen", "tubetalk", "vision", "web", "cli", "tune", "evaluation", "cascade", "scale"},
    # The Ray engines: on top of llm, structured, store and tubetalk; only the CLI (and web) above them.
    "scale": {"kitchen", "vision", "web", "cli", "evaluation", "tune", "cascade", "review"},
}


def imported_packages(path: Path, root: Path = SRC) -> set[str]:
    """The first-level localgenie subpackages a module imports, absolute or relative."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = path.relative_to(root).parts[:-1]  # e.g. ("llm",) for src/localgenie/llm/base.py
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[: len(here) - node.level + 1])
                module = [*base, *(node.module.split(".") if node.module else [])]
                if not node.module:  # "from .. import structured"
                    module_names = [[*base, alias.name] for alias in node.names]
                    found.update(parts[0] for parts in module_names if parts)
                    continue
                names = ["localgenie." + ".".join(module)]
            elif node.module:
                names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "localgenie" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_a_layer_above_its_own(package: str) -> None:
    offences = []
    for path in sorted((SRC / package).rglob("*.py")):
        bad = imported_packages(path) & FORBIDDEN[package]
        if bad:
            offences.append(f"{path.relative_to(SRC)} imports {', '.join(sorted(bad))}")
    assert not offences, "\n".join(offences)


def test_the_walker_sees_relative_and_absolute_imports(tmp_path: Path) -> None:
    """The check must be able to fail: the old llm → structured import is caught."""
    (tmp_path / "llm").mkdir()
    module = tmp_path / "llm" / "llamacpp.py"
    module.write_text(
        "from ..structured.grammar import new_matcher\nimport localgenie.web\nfrom .. import kitchen\n"
        "from .base import Token\n"
    )
    assert imported_packages(module, tmp_path) == {"structured", "web", "kitchen", "llm"}


def ray_imports(path: Path) -> tuple[list[int], list[int]]:
    """Lines importing ``ray``: at module level, and inside a function or class body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    module_level: list[int] = []
    nested: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        else:
            continue
        if any(name == "ray" or name.startswith("ray.") for name in names):
            (module_level if id(node) in top_level else nested).append(node.lineno)
    return module_level, nested


def test_only_the_scale_package_imports_ray_and_only_when_an_engine_runs() -> None:
    """Ray is optional: nothing imports it at module level, and nothing outside scale/ at all."""
    offences = []
    for path in sorted(SRC.rglob("*.py")):
        module_level, nested = ray_imports(path)
        inside_scale = path.relative_to(SRC).parts[0] == "scale"
        if module_level or (nested and not inside_scale):
            offences.append(f"{path.relative_to(SRC)} imports ray at line(s) {module_level + nested}")
    assert not offences, "\n".join(offences)


def test_the_ray_walker_sees_both_kinds(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import ray.data\n\ndef f():\n    from ray import data\n    import json\n")
    assert ray_imports(module) == ([1], [4])
