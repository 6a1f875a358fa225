"""What every text of one ``genie extract`` is extracted with (`Run`), and the checks on a result that
the single-text and the ``--json-lines`` paths share."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from ..api import ResolvedSchema, extract_stream
from ..cascade import Cascade
from ..errors import LowConfidence
from ..llm import Backend
from ..structured import Extraction, StreamEvent
from ..structured.complete import final_result

stderr = Console(stderr=True)


@dataclass(frozen=True)
class Run:
    """What every text of one command is extracted with, and how its result is printed."""

    resolved: ResolvedSchema
    multi: bool
    max_retries: int
    max_tokens: int | None
    log: bool
    grounded_only: bool = False
    spans: bool = False
    min_confidence: float | None = None
    cascade: Cascade | None = None
    passes: int = 1

    def extract(self, text: str, backend: Backend | None) -> Extraction[Any]:
        return final_result(self.stream(text, backend))

    def stream(self, text: str, backend: Backend | None) -> Iterator[StreamEvent]:
        """One text's events, on ``backend`` (None: the run's cascade)."""
        return extract_stream(
            text,
            self.resolved,
            backend=backend,
            cascade=self.cascade,
            multi=self.multi,
            log=self.log,
            max_retries=self.max_retries,
            max_tokens=self.max_tokens,
            grounded_only=self.grounded_only,
            passes=self.passes,
        )

    def output(self, result: Extraction[Any]) -> Any:
        """The value, or with ``--spans`` the value and its spans."""
        if not self.spans:
            return result.value
        return {"value": result.value, "spans": result.spans}


def check_confidence(result: Extraction[Any], threshold: float, *, show: bool = False) -> None:
    """`LowConfidence` naming the leaves under ``threshold``; with ``show``, each one's value and
    confidence on stderr first."""
    unsure = result.unsure(threshold)
    if not unsure:
        return
    if show:
        for pointer, found in unsure.items():
            value = json.dumps(result.leaves[pointer], ensure_ascii=False)
            said = (
                f"confidence min {found.min:.2f}, mean {found.mean:.2f}"
                if found is not None
                else "no confidence (the backend gave no log-probabilities)"
            )
            stderr.print(f"genie: {pointer} = {value}: {said}", highlight=False, markup=False)
    names = ", ".join(unsure)
    raise LowConfidence(
        f"{len(unsure)} value(s) under confidence {threshold:g}: {names}; check them in the text",
        {p: None if c is None else (c.min, c.mean) for p, c in unsure.items()},
    )
