"""Access control and request hygiene, as plain ASGI middleware (streaming responses pass through intact).

* Token: when ``GENIE_TOKEN`` is set, every request but the login page, static files and ``/healthz``
  needs ``Authorization: Bearer <token>`` or the ``genie_token`` cookie that the login page sets.
* Cross-site requests: a state-changing request that a browser marks as coming from another site
  (``Sec-Fetch-Site``, or an ``Origin`` that is not this server) is refused, so another web page cannot
  post to a Genie on localhost.  Scripts (curl, httpx) send neither header and are not affected.
* CSRF: page forms also carry a per-browser token (double submit: cookie + hidden field), checked by
  `verify_csrf`.
* Body size: a request body larger than the limit is refused with 413 before it is read into memory.
* Headers: a strict Content-Security-Policy (no inline script, nothing from other hosts), nosniff,
  no framing by other sites, no referrer sent to other sites.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_COOKIE = "genie_token"
CSRF_COOKIE = "genie_csrf"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
OPEN_PATHS = ("/login", "/static/", "/healthz", "/favicon.ico")
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
# Swagger UI starts itself from an inline script.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'"
)


def _cookies(headers: Headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is treated as no cookies
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, token: str | None, max_body: int, secure_cookies: bool = False) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope["path"]
        is_api = path.startswith("/api/") or path == "/healthz"
        cookies = _cookies(headers)

        if (
            self.token is not None
            and not path.startswith(OPEN_PATHS)
            and not self._authorised(headers, cookies)
        ):
            if is_api or path in ("/openapi.json",) or path.startswith("/docs"):
                response: Any = JSONResponse(
                    {"error": "Unauthorised", "message": "send Authorization: Bearer <GENIE_TOKEN>"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            else:
                response = RedirectResponse("/login", status_code=303)
            await response(scope, receive, send)
            return

        if scope["method"] in UNSAFE_METHODS and self._cross_site(headers):
            response = JSONResponse(
                {"error": "CrossSite", "message": "cross-site requests are refused"}, status_code=403
            )
            await response(scope, receive, send)
            return

        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._too_large(scope, receive, send)
            return

        csrf = cookies.get(CSRF_COOKIE)
        new_csrf = None
        if not csrf or len(csrf) != 43:
            csrf = new_csrf = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf"] = csrf

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                out = MutableHeaders(scope=message)
                out.setdefault("X-Content-Type-Options", "nosniff")
                out.setdefault("Referrer-Policy", "same-origin")
                out.setdefault("X-Frame-Options", "SAMEORIGIN")
                out.setdefault("Content-Security-Policy", DOCS_CSP if path.startswith("/docs") else PAGE_CSP)
                if new_csrf is not None:
                    flags = "; Secure" if self.secure_cookies else ""
                    out.append(
                        "Set-Cookie", f"{CSRF_COOKIE}={new_csrf}; Path=/; HttpOnly; SameSite=Strict{flags}"
                    )
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, receive, send)

    def _authorised(self, headers: Headers, cookies: dict[str, str]) -> bool:
        assert self.token is not None
        auth = headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and _same(value.strip(), self.token):
            return True
        return _same(cookies.get(TOKEN_COOKIE, ""), self.token)

    @staticmethod
    def _cross_site(headers: Headers) -> bool:
        # Browsers send Sec-Fetch-Site on every request; older ones only Origin (which is "null" for
        # sandboxed or privacy-hidden origins: refused too).  Scripts send neither.
        site = headers.get("sec-fetch-site")
        if site is not None:
            return site not in ("same-origin", "none")
        origin = headers.get("origin")
        if origin is None:
            return False
        return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"error": "TooLarge", "message": f"the request body is over the {self.max_body:,}-byte limit"},
            status_code=413,
        )
        await response(scope, receive, send)


class BodyTooLarge(Exception):
    pass


def csrf_token(request: Request) -> str:
    token = getattr(request.state, "csrf", "")
    return str(token)


def verify_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a page form whose hidden token does not match this browser's cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not submitted or not _same(cookie, submitted):
        raise HTTPException(403, "the form's security token is missing or stale: reload the page and retry")


def login_matches(token: str | None, submitted: str) -> bool:
    return token is not None and _same(submitted.strip(), token)
