"""`genie extract` on a text longer than the model's context: read in chunks, not refused."""

from __future__ import annotations

import json
import os

from ..structured.test_long_tiny import PEOPLE, document
from .test_extract_cli import genie


def test_a_text_longer_than_the_context_is_extracted_in_chunks_and_verbose_says_so() -> None:
    text = document(30, {2: PEOPLE[0], 15: PEOPLE[2], 27: PEOPLE[4]})
    env = {**os.environ, "GENIE_CTX": "1536", "GENIE_LOG": "0"}  # tiny with a short context
    result = genie(
        "extract", "-m", "tiny", "--multi", "-s", "name, city", "--max-tokens", "160", "--max-retries", "1",
        "--passes", "2", "--spans", "--verbose", "-", stdin=text.encode(), env=env,
    )  # fmt: skip
    said = result.stderr.decode()
    assert result.returncode == 0, said
    printed = json.loads(result.stdout)
    assert set(printed) == {"value", "spans"}
    lines = [line for line in said.splitlines() if line.startswith("read in ")]
    assert lines and "over 2 passes" in lines[0], said
    assert int(lines[0].split()[2]) >= 4
    for pointer, span in printed["spans"].items():  # offsets into the whole text
        value = printed["value"]["items"][int(pointer.split("/")[2])][pointer.split("/")[3]]
        if span is not None:
            assert text[span[0] : span[1]].casefold() == str(value).casefold(), pointer
    grounded = [span for span in printed["spans"].values() if span is not None]
    assert grounded, printed  # something tiny wrote stands in the text, where its span says
    assert max(span[0] for span in grounded) > len(text) // 3  # ... also past the first chunks


def test_passes_out_of_range_is_refused() -> None:
    result = genie("extract", "-m", "tiny", "-s", "name str", "--passes", "4", "Ann")
    assert result.returncode == 2 and b"--passes" in result.stderr
