"""`genie extract --stream`: the object redrawn on the terminal as it is written, the JSON on stdout.

The command runs as a user runs it: a real process whose stderr is a pseudo-terminal (so rich draws
and redraws as it would in a shell) and whose stdout is a pipe (as in ``genie extract ... | jq``).
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from typing import Any

from localgenie.structured import schema_errors

from ..conftest import EXAMPLES, SEED_TEXT
from .test_extract_cli import genie

PERSON = str(EXAMPLES / "person.schema.json")


def run_on_a_terminal(*args: str) -> tuple[int, bytes, str]:
    """Run genie with stderr on a pseudo-terminal: (exit code, stdout, what the terminal received)."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "LINES": "40", "TERM": "xterm-256color"}
    process = subprocess.Popen(
        [sys.executable, "-m", "localgenie", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    received: list[bytes] = []

    def read_terminal() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the process closed its end
                return
            if not data:
                return
            received.append(data)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    stdout, _ = process.communicate(timeout=300)
    reader.join(10)
    os.close(master)
    return process.returncode, stdout, b"".join(received).decode("utf-8", "replace")


def test_stream_redraws_the_growing_object_and_prints_the_json_on_stdout(
    person_schema: dict[str, Any],
) -> None:
    code, stdout, terminal = run_on_a_terminal("extract", "--stream", "-m", "tiny", "-s", PERSON, SEED_TEXT)
    assert code == 0, terminal
    value = json.loads(stdout)  # stdout holds the JSON alone, as without --stream
    assert schema_errors(person_schema, value) == []
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal)
    writing = re.findall(r"writing (\$[^ ]*) …", plain)
    assert len(writing) >= 3, plain  # drawn several times while it grew, not once at the end
    top = [path.split(".")[1] for path in writing if path.count(".") == 1]
    assert list(dict.fromkeys(top)) == [k for k in value if k in top]  # the fields in the answer's order
    assert '"name": ' + json.dumps(value["name"]) in plain  # the values themselves were shown
    assert "\x1b[1A" in terminal  # redrawn in place (cursor up), not appended frame after frame
    assert "\x1b[?25l" in terminal and "\x1b[?25h" in terminal  # the live display started and ended


def test_stream_with_json_lines_is_refused_before_the_model_loads() -> None:
    result = genie("extract", "--stream", "-s", PERSON, "--json-lines", "-", stdin=b"Ana is 41.\n")
    assert result.returncode == 2
    assert b"--stream" in result.stderr and b"--json-lines" in result.stderr


def test_stream_without_a_terminal_still_prints_the_json(person_schema: dict[str, Any]) -> None:
    """Piped stderr and no controlling terminal: nothing to draw on, the output is unchanged."""
    result = subprocess.run(
        [sys.executable, "-m", "localgenie", "extract", "--stream", "-m", "tiny", "-s", PERSON, SEED_TEXT],
        capture_output=True,
        timeout=300,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
    )
    assert result.returncode == 0, result.stderr.decode()
    assert schema_errors(person_schema, json.loads(result.stdout)) == []
    assert b"writing $" not in result.stderr
