"""Routing by task: the cheapest model each kind of work may be given, so the apps can say ``auto`` too.

Measured, not guessed: `tiny` cannot write a recipe (it loops on ingredients), label a TubeTalk theme
or summarise one (bench/tubetalk.py), nor read a pantry line or a spoken order into the kitchen's
schemas (issue 18: three minutes, then a unit it invented).  Such a task starts at ``default``: with
``auto`` the stages below a task's minimum are dropped, and a task that takes one model (writing,
labelling) gets the first stage left.  Plain extraction starts at ``tiny`` and escalates by the
cascade's checks.

``GENIE_MIN_STAGE="extract=default,recipe=tiny"`` changes the minimums (a tuned tiny may earn a task).
Stages that are not built-in models (``remote``, ``tuned:NAME``, a ``.gguf`` path) are never dropped:
they are what the user chose to add.
"""

from __future__ import annotations

import os

from ..errors import BadInput
from .chain import LADDER, REMOTE, is_cascade, parse_chain

MIN_STAGE: dict[str, str] = {
    "extract": "tiny",
    "pantry": "default",
    "order": "default",
    "recipe": "default",
    "theme label": "default",
    "summary": "default",
}
DEFAULT_MIN = "default"  # a task not listed: the safe choice


def minimum(task: str) -> str:
    """The cheapest built-in model ``task`` may use (``GENIE_MIN_STAGE`` first)."""
    setting = os.environ.get("GENIE_MIN_STAGE", "")
    for part in filter(None, (p.strip() for p in setting.split(","))):
        name, _, stage = part.partition("=")
        if stage.strip() not in LADDER:
            raise BadInput(
                f"GENIE_MIN_STAGE: {part!r} should be TASK=STAGE with STAGE one of {', '.join(LADDER)}"
            )
        if name.strip() == task:
            return stage.strip()
    return MIN_STAGE.get(task, DEFAULT_MIN)


def route(stages: tuple[str, ...], task: str) -> tuple[str, ...]:
    """``stages`` without the built-in models below ``task``'s minimum (never empty: the last stage
    stays, so a chain of tiny alone still runs, on the user's word)."""
    floor = LADDER.index(minimum(task))
    kept = tuple(s for s in stages if s not in LADDER or LADDER.index(s) >= floor)
    return kept or stages[-1:]


def model_for(model: str | None, task: str) -> str | None:
    """The one model a task runs on: ``model`` itself, or for a cascade (``auto``, ``tiny,default``)
    its first stage that the task may use."""
    if not is_cascade(model):
        return model
    assert model is not None
    first = route(parse_chain(model), task)[0]
    return None if first == REMOTE else first  # None: `get_backend` picks the configured server
