"""Genie's error types → HTTP status codes and JSON bodies, in one place.

API routes answer ``{"error": kind, "message": text}`` (plus ``errors`` with the failing paths of a
`SchemaViolation`, or the invalid fields of a request, and ``retry_after`` when the model is busy); page
routes render the same message in HTML.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from localgenie.errors import (
    BackendError,
    BadInput,
    Conflict,
    ContextOverflow,
    GenieError,
    ModelError,
    NotFound,
    SchemaError,
    SchemaViolation,
)

from .pages import render_error

__all__ = ["STATUS", "NotFound", "Unsupported", "error_body", "install_handlers", "status_for"]

log = logging.getLogger("localgenie.web")


class Unsupported(BadInput):
    """An upload whose content is not what the endpoint reads."""

    http_status = 415


# `status_for` walks the error's class hierarchy, most specific class first, so a NotFound (a BadInput)
# is 404 and any other BadInput 400.  A web error type carries its own ``http_status`` instead
# (`Unsupported`, `queue.QueueFull`).
STATUS: Mapping[type[BaseException], int] = {
    NotFound: 404,
    Conflict: 409,
    SchemaError: 422,
    ContextOverflow: 413,
    BadInput: 400,
    SchemaViolation: 422,
    BackendError: 502,
    ModelError: 503,
}


def status_for(error: BaseException) -> int:
    """The HTTP status of an error: 500 for anything Genie did not raise on purpose."""
    for kind in type(error).__mro__:
        status = kind.__dict__.get("http_status") or STATUS.get(kind)
        if isinstance(status, int):
            return status
    return 500


def error_body(error: BaseException) -> dict[str, Any]:
    body: dict[str, Any] = {"error": type(error).__name__, "message": str(error)}
    if isinstance(error, SchemaViolation):
        body["errors"] = [{"path": path, "message": message} for path, message in error.errors]
        body["attempts"] = error.attempts
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int):
        body["retry_after"] = retry_after
    return body


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _allowed_methods(request: Request) -> set[str]:
    methods: set[str] = set()
    for route in request.app.router.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return methods - {"HEAD"}


def _answer(
    request: Request,
    status: int,
    body: dict[str, Any],
    headers: Mapping[str, str] | None = None,
) -> Response:
    """JSON for the API, the error page for a browser: the same message either way."""
    if is_api(request):
        return JSONResponse(body, status_code=status, headers=dict(headers or {}))
    return render_error(request, status, str(body["message"]), headers=headers)


def install_handlers(app: FastAPI) -> None:
    async def genie_error(request: Request, exc: Exception) -> Response:
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else None
        return _answer(request, status_for(exc), error_body(exc), headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; GET and PUT on one path are two routes.
            headers["Allow"] = ", ".join(sorted(_allowed_methods(request)))
        return _answer(request, exc.status_code, {"error": "HTTPError", "message": message}, headers)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"path": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        message = "invalid request: " + "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
        return _answer(request, 422, {"error": "InvalidRequest", "message": message, "errors": errors})

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = "internal error: the server log has the details"
        return _answer(request, 500, {"error": "InternalError", "message": message})

    app.add_exception_handler(GenieError, genie_error)  # QueueFull is one too (429 + Retry-After)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, unexpected)
