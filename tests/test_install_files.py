"""Install files name registry packages by version only: nothing that exists on one machine alone.

A ``pip freeze`` line such as ``pkg @ file:///tmp/x.whl`` installs where the file happens to exist and
fails on every fresh clone; CI runs on the machine that has the file, so only this test notices.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALL_FILES = ("constraints.txt", "pyproject.toml", "Makefile", ".ci/run")

# file: URLs, PEP 508 direct references ("name @ ..."), and absolute paths of one machine's own
# folders (system tools under /usr or /bin are the same on every machine of the kind).
LOCAL = [
    (re.compile(r"\bfile:", re.IGNORECASE), "a file: URL"),
    (re.compile(r"^\s*\"?[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s+@\s"), "a direct reference (name @ ...)"),
    (
        re.compile(r"(?<![\w.$)}-])/(?:tmp|root|home|opt|work|mnt|var|srv|Users|private)/"),
        "an absolute path of this machine",
    ),
    (re.compile(r"(?<![\w$])~/"), "a path in someone's home folder"),
]


def local_references(text: str) -> list[str]:
    """``"line N: why: the line"`` for every line that points at something only one machine has."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for pattern, why in LOCAL:
            if pattern.search(line):
                found.append(f"line {number}: {why}: {line.strip()}")
                break
    return found


@pytest.mark.parametrize("name", INSTALL_FILES)
def test_install_file_names_only_registry_packages(name: str) -> None:
    path = ROOT / name
    assert path.exists(), f"{name} is missing"
    problems = local_references(path.read_text(encoding="utf-8"))
    assert not problems, f"{name} points at files only this machine has:\n" + "\n".join(problems)


def test_constraints_pin_every_package_by_exact_version() -> None:
    for number, line in enumerate((ROOT / "constraints.txt").read_text().splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9._+!-]+", line), (
                f"constraints.txt line {number} is not name==version: {line}"
            )


@pytest.mark.parametrize(
    "line",
    [
        # The line that blocked every fresh install (issue 10).
        "swagger-ui-bundle-v2 @ file:///tmp/sui/swagger_ui_bundle_v2-5.31.0-py3-none-any.whl#sha256=ad84",
        "pkg @ https://example.org/pkg-1.0.tar.gz",
        '    "pkg[extra] @ git+https://example.org/pkg.git",',
        "\t$(PIP) install /tmp/wheels/llama_cpp_python-0.3.36-cp311-linux_x86_64.whl",
        "\t$(PIP) install --find-links /root/.cache/wheels llama-cpp-python",
        "\tpip install ~/wheels/x.whl",
        "--find-links file:///opt/wheels",
    ],
)
def test_the_guard_catches_local_references(line: str) -> None:
    assert local_references(line), line


@pytest.mark.parametrize(
    "line",
    [
        "swagger-ui-bundle-v2==5.31.0",
        "torch==2.13.0+cpu",
        '    "jsonschema[format-nongpl]>=4.23",',
        "\t$(BIN)/pytest",
        "PYTHON ?= $(shell command -v python3.11 || command -v python3)",
        "\ttest -x $(BIN)/python || $(PYTHON) -m venv $(VENV)",
        'cd "$(dirname "$0")/.."',
    ],
)
def test_the_guard_passes_ordinary_lines(line: str) -> None:
    assert not local_references(line), line
