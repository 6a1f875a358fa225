"""What one web server instance runs with: the model, where its files live, limits and the access token."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localgenie.config import data_dir

DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024  # the 18k-comment CSV is 2.7 MB; a yt-dlp dump with replies ~10 MB
DEFAULT_QUEUE = 8  # waiting model requests beyond the one running; more get 429 + Retry-After
DEFAULT_MAX_JOBS = 16  # background jobs queued or running at once


@dataclass
class WebSettings:
    """Everything `create_app` needs; `from_env` reads the same variables as the CLI."""

    model: str | None = None  # None: the model last chosen on the Settings page, else "default"
    data_dir: Path = field(default_factory=data_dir)
    kitchen_db: Path | None = None  # None: GENIE_DB or <data dir>/kitchen.sqlite, as for the CLI
    menu_path: Path | None = None
    token: str | None = None
    queue_size: int = DEFAULT_QUEUE
    max_jobs: int = DEFAULT_MAX_JOBS
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    allowed_hosts: list[str] | None = None  # None: any Host header (set by `genie serve`)
    secure_cookies: bool = False
    # TubeTalk's sentence embedder; None uses the distilled static table (`genie tubetalk prepare`).
    embedder: Any = None

    @classmethod
    def from_env(cls, **overrides: Any) -> WebSettings:
        menu = os.environ.get("GENIE_MENU")
        settings = cls(
            model=os.environ.get("GENIE_MODEL") or None,
            token=os.environ.get("GENIE_TOKEN") or None,
            menu_path=Path(menu) if menu else _bundled_menu(),
        )
        for name, value in overrides.items():
            setattr(settings, name, value)
        return settings

    @property
    def web_db(self) -> Path:
        return self.data_dir / "web.sqlite"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"


def _bundled_menu() -> Path | None:
    """The example menu of a source checkout, so `/api/order` works out of the box in development."""
    candidate = Path(__file__).resolve().parents[3] / "examples" / "menu.toml"
    return candidate if candidate.is_file() else None
