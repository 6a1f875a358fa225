"""Which models a cascade asks, in which order, and how each stage's model is reached.

A chain is written as the user writes it: ``auto``, or stages separated by commas
(``tiny,default``, ``tiny,default,remote``, ``default,/models/big.gguf``).  A stage is ``tiny``,
``default``, ``tuned:NAME``, a ``.gguf`` path, or ``remote`` (the OpenAI-compatible server of
``--base-url`` / ``GENIE_BASE_URL``).  The chain is checked before anything runs: a stage that is no
model name, or a stage named twice, is refused; a stage that cannot run *now* (a model not
installed, a server down) is skipped when the request runs, with a warning.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import BadInput, ModelNotFound
from ..llm import Backend, embedded_backend, get_backend, list_models
from ..llm.models import TUNED_PREFIX

AUTO = "auto"
REMOTE = "remote"
LADDER = ("tiny", "default")  # the built-in models, cheapest first: what ``auto`` chains
DEFAULT_MIN_CONFIDENCE = 0.5  # see bench/cascade.py for the accuracy-cost curve behind it


def is_cascade(model: str | None) -> bool:
    """Whether a ``model`` argument names a cascade (``auto`` or a comma-separated chain)."""
    return model is not None and (model.strip() == AUTO or "," in model)


def _check_stage(stage: str) -> str:
    if stage in (*LADDER, REMOTE, AUTO) or stage.startswith(TUNED_PREFIX):
        if stage == AUTO:
            raise BadInput(
                "'auto' is a whole cascade, not one of its stages: write the stages, e.g. tiny,default"
            )
        return stage
    if stage.lower().endswith(".gguf") or os.sep in stage:
        return stage
    raise BadInput(
        f"unknown cascade stage {stage!r}: a stage is tiny, default, tuned:NAME, a .gguf path, "
        "or remote (the server of --base-url)"
    )


def parse_chain(text: str, *, remote: bool = False) -> tuple[str, ...]:
    """``"tiny, default"`` → ``("tiny", "default")``; ``auto`` → the built-in models present here
    (and ``remote`` last when a server is given: ``remote=True`` or ``GENIE_BASE_URL``)."""
    if text.strip() == AUTO:
        return auto_chain(remote=remote)
    stages = tuple(part.strip() for part in text.split(","))
    if any(not stage for stage in stages):
        raise BadInput(
            f"cascade {text!r} has an empty stage: write stages separated by commas, e.g. tiny,default"
        )
    checked = tuple(_check_stage(stage) for stage in stages)
    seen: set[str] = set()
    for stage in checked:
        if stage in seen:
            raise BadInput(f"cascade {text!r} names {stage!r} twice: each model is asked once")
        seen.add(stage)
    return checked


def auto_chain(*, remote: bool = False) -> tuple[str, ...]:
    """``tiny,default`` when both are installed (then the server, when ``remote`` or
    ``GENIE_BASE_URL`` gives one); one model alone when only one is; `ModelNotFound` when none is."""
    present = [info.name for info in list_models() if info.name in LADDER and info.path is not None]
    stages = [name for name in LADDER if name in present]
    if remote or os.environ.get("GENIE_BASE_URL"):
        stages.append(REMOTE)
    if not stages:
        raise ModelNotFound(
            "model 'auto' needs tiny or default installed (genie models), or a server (--base-url)"
        )
    return tuple(stages)


@dataclass(frozen=True)
class Cascade:
    """A chain of models asked in turn until one's answer passes the checks (`localgenie.cascade.run`).

    ``min_confidence``: every leaf's weakest token must be at least this probable for an answer of an
    earlier stage to be accepted (the last stage's answer is the result whatever its confidence).
    ``retries``: attempts after the first on an earlier stage (0: a failure goes to the next model at
    once, cheaper than retrying a model that got it wrong).  ``learn``: record, when a later stage
    answered, which fields an earlier stage got wrong, and skip that stage for the schema once it
    mostly does (`localgenie.store.field_checks`); None follows the extraction log setting.
    ``draft``: a later stage drafts from what the stage before it wrote (`localgenie.cascade.draft`): its
    own greedy answer up to near-ties, the tokens that agree verified in batches.  Off by default:
    measured no faster (0.99x on 71 tasks) and 6 of 71 of default's answers changed (bench/cascade.py).
    ``base_url`` / ``api_key``: the server of the ``remote`` stage (else ``GENIE_BASE_URL``).
    ``backends`` turns a stage name into its backend instead (tests and the web app pass their own).
    """

    stages: tuple[str, ...]
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    retries: int = 0
    learn: bool | None = None
    draft: bool = False
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    backends: Callable[[str], Backend] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.stages:
            raise BadInput("a cascade needs at least one stage")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise BadInput(f"min_confidence is a probability from 0 to 1, not {self.min_confidence}")

    @classmethod
    def parse(
        cls,
        text: str,
        *,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        base_url: str | None = None,
        api_key: str | None = None,
        backends: Callable[[str], Backend] | None = None,
    ) -> Cascade:
        """``Cascade.parse("tiny,default")``; ``Cascade.parse("auto")`` for the models present here."""
        return cls(
            parse_chain(text, remote=base_url is not None),
            min_confidence=min_confidence,
            base_url=base_url,
            api_key=api_key,
            backends=backends,
        )

    def __str__(self) -> str:
        return ",".join(self.stages)

    def backend(self, stage: str) -> Backend:
        """The backend of one stage (`ModelNotFound`, `BackendError`... when it cannot run now)."""
        if self.backends is not None:
            return self.backends(stage)
        if stage == REMOTE:
            url = self.base_url or os.environ.get("GENIE_BASE_URL")
            if not url:
                raise BadInput("stage 'remote' needs a server: --base-url URL or GENIE_BASE_URL")
            return get_backend(None, base_url=url, api_key=self.api_key)
        return embedded_backend(stage)
