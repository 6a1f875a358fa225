"""Past one machine: batch extraction and TubeTalk on a Ray cluster (``pip install localgenie[ray]``).

    import localgenie
    from localgenie.scale import RayEngine
    for r in localgenie.extract_batch(texts, "name, age int", model="tiny", engine="ray"): ...
    engine = RayEngine(address="ray://head:10001", actors=4, threads_per_actor=8)
    results = localgenie.extract_batch(texts, schema, base_url="http://vllm:8000/v1", engine=engine)

``localgenie.extract_batch(..., engine="ray")`` (`localgenie.scale.batch`) keeps the local batch's
result cache on the driver and sends only the texts it lacks to ``map_batches`` actors
(`localgenie.scale.extract`), each holding one embedded model (or sending requests to an
OpenAI-compatible server); every answer is validated by ``localgenie.extract_details``, the code of
the local path.  `iter_batch_ray` is that engine without the cache (each result names the actor
process that answered and its time: for measuring).  ``analyze_ray`` (`localgenie.scale.tubetalk`)
runs TubeTalk's per-comment stages in Ray Data shards and gives the report the one-machine pipeline
gives.  ``cluster.connect`` starts a local cluster on 127.0.0.1 or joins one (``address``, or
``RAY_ADDRESS``).

Importing this package does not import Ray: only running an engine does, and a missing Ray is a
`BadInput` that says how to install it.  The core (``llm``, ``structured``) and the apps never import
this package; `localgenie.batch` imports it only for ``engine="ray"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import RayEngine
    from .extract import RayResult, extract_batch_ray, iter_batch_ray
    from .tubetalk import analyze_ray

__all__ = ["RayEngine", "RayResult", "analyze_ray", "extract_batch_ray", "iter_batch_ray"]

_WHERE = {
    "RayEngine": "batch",
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
