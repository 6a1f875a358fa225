"""Model backends behind one small interface, and the choice between them."""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path

from ..config import remote_from_env
from .base import Backend, BackendInfo, GenerationOptions, Message, Response, Usage
from .models import ModelInfo, list_models, resolve_model_path

__all__ = [
    "Backend",
    "BackendInfo",
    "GenerationOptions",
    "Message",
    "ModelInfo",
    "Response",
    "Usage",
    "get_backend",
    "list_models",
]

_embedded: dict[Path, Backend] = {}
_embedded_lock = threading.Lock()


@atexit.register
def _close_embedded() -> None:
    """Free models before interpreter teardown (llama.cpp's finalizer fails noisily once modules are gone)."""
    for backend in _embedded.values():
        close = getattr(backend, "close", None)
        if close is not None:
            close()
    _embedded.clear()


def context_length() -> int:
    return int(os.environ.get("GENIE_CTX", "8192"))


def get_backend(
    model: str | None = None, *, base_url: str | None = None, api_key: str | None = None
) -> Backend:
    """The backend for a model name, a ``.gguf`` path, or an OpenAI-compatible server.

    A base URL (argument or ``GENIE_BASE_URL``) selects the remote backend, where
    ``model`` is the server's model name.  Otherwise ``model`` (or ``GENIE_MODEL``,
    or ``default``) names an embedded model, loaded once per process and shared.
    """
    remote = remote_from_env()
    if base_url or remote:
        from .openai_compat import OpenAICompatBackend

        return OpenAICompatBackend(
            base_url or (remote.base_url if remote else ""),
            api_key=api_key or (remote.api_key if remote else None),
            model=model or (remote.model if remote else None),
        )
    path = resolve_model_path(model or os.environ.get("GENIE_MODEL") or "default")
    with _embedded_lock:
        if path not in _embedded:
            from .llamacpp import LlamaCppBackend

            _embedded[path] = LlamaCppBackend(path, n_ctx=context_length())
        return _embedded[path]
