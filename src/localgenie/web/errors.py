"""Genie's error types → HTTP status codes and JSON bodies, in one place.

API routes answer ``{"error": kind, "message": text}`` (plus ``errors`` with the failing paths of a
`SchemaViolation`, or the invalid fields of a request); page routes render the same message in HTML.
"""

from __future__ import annotations

import logging
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
    ModelNotFound,
    NotFound,
    SchemaError,
    SchemaViolation,
)

from .queue import QueueFull

__all__ = ["NotFound", "Unsupported", "error_body", "install_handlers", "status_for"]

log = logging.getLogger("localgenie.web")


class Unsupported(BadInput):
    """An upload whose content is not what the endpoint reads."""


# Most specific first: NotFound, Conflict, SchemaError, ContextOverflow and ModelNotFound are BadInput too.
_STATUS: list[tuple[type[Exception], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (Unsupported, 415),
    (SchemaError, 422),
    (ContextOverflow, 413),
    (ModelNotFound, 400),
    (BadInput, 400),
    (SchemaViolation, 422),
    (BackendError, 502),
    (ModelError, 503),
]


def status_for(error: Exception) -> int:
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 500


def error_body(error: Exception) -> dict[str, Any]:
    body: dict[str, Any] = {"error": type(error).__name__, "message": str(error)}
    if isinstance(error, SchemaViolation):
        body["errors"] = [{"path": path, "message": message} for path, message in error.errors]
        body["attempts"] = error.attempts
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


def install_handlers(app: FastAPI) -> None:
    from .pages import render_error  # pages import errors; import here to keep the module graph acyclic

    async def genie_error(request: Request, exc: Exception) -> Response:
        status = status_for(exc)
        if is_api(request):
            return JSONResponse(error_body(exc), status_code=status)
        return render_error(request, status, str(exc))

    async def queue_full(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, QueueFull)
        headers = {"Retry-After": str(exc.retry_after)}
        if is_api(request):
            return JSONResponse(
                {"error": "QueueFull", "message": str(exc), "retry_after": exc.retry_after},
                status_code=429,
                headers=headers,
            )
        return render_error(request, 429, str(exc), headers=headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; GET and PUT on one path are two routes.
            headers["Allow"] = ", ".join(sorted(_allowed_methods(request)))
        if is_api(request):
            return JSONResponse(
                {"error": "HTTPError", "message": message}, status_code=exc.status_code, headers=headers
            )
        return render_error(request, exc.status_code, message, headers=headers)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"path": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        message = "invalid request: " + "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
        if is_api(request):
            return JSONResponse(
                {"error": "InvalidRequest", "message": message, "errors": errors}, status_code=422
            )
        return render_error(request, 422, message)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = "internal error: the server log has the details"
        if is_api(request):
            return JSONResponse({"error": "InternalError", "message": message}, status_code=500)
        return render_error(request, 500, message)

    app.add_exception_handler(GenieError, genie_error)
    app.add_exception_handler(QueueFull, queue_full)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, unexpected)
