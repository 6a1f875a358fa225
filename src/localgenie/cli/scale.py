"""``--ray [ADDRESS]``: the CLI's way onto a Ray cluster (`localgenie.scale`), for ``genie extract
--json-lines`` and ``genie tubetalk analyze``.

``--ray`` alone starts a private cluster on 127.0.0.1 (``local``); ``--ray auto`` joins the one
``ray start`` runs on this machine; ``--ray HOST:6379`` or ``--ray ray://HOST:10001`` joins another.
The batch itself is `localgenie.extract_batch` with ``engine=RayEngine(...)`` (`cli.batch.run_batch`):
the same output and the same result cache as without ``--ray``.  Typer has no options with an
optional value, so `optional_value` rewrites the command line first:
the word after ``--ray`` is its address only when it looks like one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import BadInput

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


def check_ray_options(json_lines: str | None, chain: str | None) -> None:
    """What --ray cannot be combined with, said before a cluster is started."""
    if json_lines is None:
        raise BadInput("--ray runs a batch on a cluster: give the texts with --json-lines FILE")
    if chain is not None:
        raise BadInput(f"--ray runs one model per worker: it cannot be used with the cascade {chain}")
