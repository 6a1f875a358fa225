"""Data flows one way: llm ← structured ← review, apps ← web / cli.  A test walks every import to hold it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "localgenie"
# package -> packages it must never import (directly or through a relative import)
FORBIDDEN = {
    "llm": {"structured", "kitchen", "tubetalk", "vision", "web", "cli", "evaluation", "tune"},
    "structured": {"kitchen", "tubetalk", "vision", "web", "cli", "tune"},
    "kitchen": {"web", "cli"},
    "tubetalk": {"web", "cli"},
    "vision": {"web", "cli"},
    "evaluation": {"web", "cli", "tune"},
    "cascade": {"kitchen", "tubetalk", "vision", "web", "cli", "tune"},
    "tune": {"web", "cli"},
    # The HTML review renders what `structured` found; the CLI and the web app both call it.
    "review": {"kitchen", "tubetalk", "vision", "web", "cli", "tune", "evaluation", "cascade"},
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
