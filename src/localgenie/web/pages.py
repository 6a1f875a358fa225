"""Server-rendered pages: one Jinja2 environment with auto-escaping on for every template."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from .security import CSRF_FIELD, csrf_token

TEMPLATES = Path(__file__).parent / "templates"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,  # every template, whatever its extension: all values come from users or models
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _days_left(expires: date | None) -> int | None:
    return None if expires is None else (expires - date.today()).days


_env.filters["days_left"] = _days_left
_env.globals["csrf_field"] = CSRF_FIELD


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    values = {"request": request, "csrf": csrf_token(request), "path": request.url.path, **(context or {})}
    html = _env.get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


def render_error(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, status, headers)
