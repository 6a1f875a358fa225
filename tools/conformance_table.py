"""Print the README's JSON Schema support table from a run of the official test suite.

.venv/bin/python tools/conformance_table.py > /tmp/table.md
"""

from __future__ import annotations

from localgenie.config import shared_data_dir
from localgenie.llm import get_backend
from localgenie.structured import conformance


def main() -> None:
    root = shared_data_dir()
    if root is None:
        raise SystemExit("shared data not found (set GENIE_SHARED_DATA)")
    backend = get_backend("tiny")
    results = conformance.run_suite(
        backend.lltokenizer,  # type: ignore[attr-defined]
        root / "json-schema-test-suite" / "tests" / "draft2020-12",
    )
    rows: dict[str, list[str]] = {"enforced": [], "stricter": [], "validated": [], "refused": []}
    for r in results:
        agreed = r.accepted_valid + r.rejected_invalid
        cases = f"{agreed}/{agreed + len(r.rejected_valid) + len(r.accepted_invalid)}"
        if r.group in conformance.REFUSED_GROUPS:
            rows["refused"].append(f"`{r.group}` ({conformance.REFUSED_GROUPS[r.group]})")
        elif r.enforced:
            rows["enforced"].append(f"`{r.group}` {cases}")
        elif r.sound:
            rows["stricter"].append(f"`{r.group}` {cases}: {conformance.STRICTER_GROUPS.get(r.group, '')}")
        else:
            rows["validated"].append(f"`{r.group}`")
    print("| how | keyword groups (test-suite file; instances the token matcher judges as the suite does) |")
    print("|---|---|")
    print("| enforced token by token | " + ", ".join(rows["enforced"]) + " |")
    print(
        "| enforced, stricter (never lets invalid data through; never writes these valid forms) | "
        + "; ".join(rows["stricter"])
        + " |"
    )
    print("| validated after generation, retried on failure | " + ", ".join(rows["validated"]) + " |")
    print("| refused up front (exit 2) | " + "; ".join(rows["refused"]) + " |")


if __name__ == "__main__":
    main()
