"""``--ray [ADDRESS]``: the CLI's way onto a Ray cluster (`localgenie.scale`), for ``genie extract
--json-lines`` and ``genie tubetalk analyze``.

``--ray`` alone starts a private cluster on 127.0.0.1 (``local``); ``--ray auto`` joins the one
``ray start`` runs on this machine; ``--ray HOST:6379`` or ``--ray ray://HOST:10001`` joins another.
Typer has no options with an optional value, so `optional_value` rewrites the command line first:
the word after ``--ray`` is its address only when it looks like one.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console

from ..errors import BadInput, SchemaViolation
from .batch import Line, error_record, progress_bar

RAY_FLAG = "--ray"
LOCAL = "local"
_ADDRESS = re.compile(r"^(auto|local|ray://\S+|[\w.-]+:\d{1,5})$")
RAY_HELP = (
    "Run on a Ray cluster (pip install 'localgenie[ray]'): alone, a local one on 127.0.0.1; or ADDRESS: "
    "auto (the cluster 'ray start' runs here), HOST:6379, ray://HOST:10001."
)


def optional_value(argv: Sequence[str], flag: str = RAY_FLAG, default: str = LOCAL) -> list[str]:
    """``--ray`` not followed by an address → ``--ray=local``; ``--ray ADDRESS`` is left as it is."""
    out: list[str] = []
    for position, word in enumerate(argv):
        if word == flag:
            following = argv[position + 1] if position + 1 < len(argv) else None
            if following is None or not _ADDRESS.match(following):
                out.append(f"{flag}={default}")
                continue
        out.append(word)
    return out


def address_of(value: str) -> str | None:
    """The address to give `localgenie.scale.cluster.connect` (None: start a local cluster)."""
    return None if value == LOCAL else value


def check_ray_options(
    json_lines: str | None, chain: str | None, spans: bool, min_confidence: float | None
) -> None:
    """What --ray cannot be combined with, said before a cluster is started."""
    if json_lines is None:
        raise BadInput("--ray runs a batch on a cluster: give the texts with --json-lines FILE")
    if chain is not None:
        raise BadInput(f"--ray runs one model per worker: it cannot be used with the cascade {chain}")
    if spans or min_confidence is not None:
        which = "--spans" if spans else "--min-confidence"
        raise BadInput(f"{which} is not available with --ray yet: the workers send values only")


def ray_batch(
    lines: list[Line],
    run: Any,
    *,
    model: str | None,
    base_url: str | None,
    api_key: str | None,
    address: str,
    actors: int,
    threads_per_actor: int,
    stderr: Console,
    verbose: bool,
) -> None:
    """`genie extract --json-lines` on Ray: the same output, line for line, as the local batch."""
    from ..scale.extract import iter_batch_ray

    texts = [line.text for line in lines if line.text is not None]
    started = time.perf_counter()
    results = iter_batch_ray(
        texts,
        run.resolved,
        model=model,
        base_url=base_url,
        api_key=api_key,
        actors=actors,
        threads_per_actor=threads_per_actor,
        address=address_of(address),
        multi=run.multi,
        max_retries=run.max_retries,
        max_tokens=run.max_tokens,
        grounded_only=run.grounded_only,
    )
    failed = 0
    with progress_bar(stderr) as progress:
        task = progress.add_task(f"extracting on Ray ({actors} actors)", total=len(lines))
        for line in lines:
            record: Any
            if line.text is None:
                record, problem = error_record(line.number, line.problem or "unusable line"), line.problem
            else:
                result = next(results)
                if result.ok:
                    record, problem = result.value, None
                else:
                    assert result.error is not None
                    record = {"error": result.error, "line": line.number}
                    problem = f"line {line.number}: {result.error['message']}"
            if problem is not None:
                failed += 1
                stderr.print(f"genie: {problem}", highlight=False, markup=False)
                progress.update(task, description=f"extracting on Ray ({failed} failed)")
            print(json.dumps(record, ensure_ascii=False), flush=True)
            progress.advance(task)
    if verbose:
        seconds = time.perf_counter() - started
        stderr.print(
            f"{len(lines)} lines on Ray, {len(lines) - failed} ok, {failed} failed, {seconds:.1f} s "
            f"({len(lines) / seconds:.2f} lines/s)",
            highlight=False,
        )
    if failed:
        raise SchemaViolation(
            f"{failed} of {len(lines)} lines gave no valid output (error records on stdout, reasons above)"
        )
