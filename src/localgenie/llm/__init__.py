"""Model backends behind one small interface, and the choice between them."""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path

from ..config import remote_from_env
from .base import Backend, BackendInfo, Constraint, GenerationOptions, Message, Response, Token, Usage
from .models import ModelInfo, list_models, resolve_model_path

__all__ = [
    "Backend",
    "BackendInfo",
    "Constraint",
    "GenerationOptions",
    "Message",
    "ModelInfo",
    "Response",
    "Token",
    "Usage",
    "embedded_backend",
    "get_backend",
    "list_models",
]

_embedded: dict[Path, Backend] = {}
# Remote backends are kept too: each remembers which JSON mode its server accepts (a refused probe costs
# a request) and holds a connection pool.  Keyed by everything that makes two servers differ.
_remote: dict[tuple[str, str | None, str | None], Backend] = {}
_backends_lock = threading.Lock()


@atexit.register
def _close_backends() -> None:
    """Free models before interpreter teardown (llama.cpp's finalizer fails noisily once modules are gone)."""
    for backend in [*_embedded.values(), *_remote.values()]:
        close = getattr(backend, "close", None)
        if close is not None:
            close()
    _embedded.clear()
    _remote.clear()


def context_length() -> int:
    return int(os.environ.get("GENIE_CTX", "8192"))


def get_backend(
    model: str | None = None, *, base_url: str | None = None, api_key: str | None = None
) -> Backend:
    """The backend for a model name, a ``.gguf`` path, or an OpenAI-compatible server.

    A base URL (argument or ``GENIE_BASE_URL``) selects the remote backend, where
    ``model`` is the server's model name.  Otherwise ``model`` (or ``GENIE_MODEL``,
    or ``default``) names an embedded model.  Either is built once per process
    and shared (per base URL, model and key for servers).
    """
    remote = remote_from_env()
    if base_url or remote:
        from .openai_compat import OpenAICompatBackend, normalise_base_url

        url = normalise_base_url(base_url or (remote.base_url if remote else ""))
        key = api_key or (remote.api_key if remote else None)
        name = model or (remote.model if remote else None)
        with _backends_lock:
            if (url, name, key) not in _remote:
                _remote[(url, name, key)] = OpenAICompatBackend(url, api_key=key, model=name)
            return _remote[(url, name, key)]
    return embedded_backend(model or os.environ.get("GENIE_MODEL") or "default")


def embedded_backend(model: str) -> Backend:
    """The embedded backend for ``tiny``, ``default``, ``tuned:NAME`` or a ``.gguf`` path, even when a
    server is configured (a cascade's local stages stay local); one instance per model file."""
    path = resolve_model_path(model)
    with _backends_lock:
        if path not in _embedded:
            from .llamacpp import LlamaCppBackend

            _embedded[path] = LlamaCppBackend(path, n_ctx=context_length())
        return _embedded[path]
