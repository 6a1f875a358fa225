"""Past one machine: batch extraction and TubeTalk on a Ray cluster (``pip install localgenie[ray]``).

    from localgenie.scale import extract_batch_ray
    results = extract_batch_ray(texts, "name, age int", model="tiny", actors=2)
    results = extract_batch_ray(texts, schema, base_url="http://vllm:8000/v1", actors=4, threads_per_actor=8)

``extract_batch_ray`` (`localgenie.scale.extract`) reads the texts with Ray Data and answers them in
``map_batches`` actors, each holding one embedded model (or sending requests to OpenAI-compatible
servers); every answer is validated by ``localgenie.extract_details``, the code of the local path.
``analyze_ray`` (`localgenie.scale.tubetalk`) runs TubeTalk's per-comment stages in Ray Data shards and
gives the report the one-machine pipeline gives.  ``cluster.connect`` starts a local cluster on
127.0.0.1 or joins one (``address``, or ``RAY_ADDRESS``).

Importing this package does not import Ray: only calling an engine does, and a missing Ray is a
`BadInput` that says how to install it.  The core (``llm``, ``structured``) and the apps never import
this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .extract import RayResult, extract_batch_ray, iter_batch_ray
    from .tubetalk import analyze_ray

__all__ = ["RayResult", "analyze_ray", "extract_batch_ray", "iter_batch_ray"]

_WHERE = {
    "RayResult": "extract",
    "extract_batch_ray": "extract",
    "iter_batch_ray": "extract",
    "analyze_ray": "tubetalk",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'localgenie.scale' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{_WHERE[name]}", __name__), name)
