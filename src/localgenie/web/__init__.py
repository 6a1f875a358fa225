"""Genie in a browser, and the REST API scripts use: `create_app(WebSettings(...))`, served by
``genie serve``.

State lives server-side (SQLite: pantry, jobs, saved extractions), so pages survive reloads and
restarts; one model instance serves every request through a bounded queue.
"""

from .app import create_app
from .settings import WebSettings

__all__ = ["WebSettings", "create_app"]
