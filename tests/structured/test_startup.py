"""Start-up cost: importing Genie does not build the ``iri`` formats' grammar (a second of every
``genie`` command), and those formats are still checked, the grammar built at the first check."""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import sys
import localgenie
from localgenie.structured.validate import schema_errors
assert "rfc3987_syntax" not in sys.modules, "imported at start-up"
assert schema_errors({"type": "string", "format": "iri"}, "http://example.com/\\u00fc") == []
assert schema_errors({"type": "string", "format": "iri"}, "no spaces in an IRI")
assert schema_errors({"type": "string", "format": "iri-reference"}, "#f\\u00fc") == []
assert "rfc3987_syntax" in sys.modules
"""


def test_importing_genie_defers_the_iri_grammar_and_iri_formats_are_still_checked() -> None:
    result = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
