"""``genie serve``: the web app and REST API (see `localgenie.web`)."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

from localgenie.errors import BadInput

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; other than loopback needs GENIE_TOKEN.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    model: Annotated[
        str | None,
        typer.Option(help="Model for every request (default: last chosen in Settings, else default)."),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="Allow a non-loopback bind without GENIE_TOKEN (anyone on the network gets in).",
        ),
    ] = False,
) -> None:
    """Serve Genie in a browser and as a REST API (docs at /docs)."""
    import uvicorn

    from localgenie.web import WebSettings, create_app

    token = os.environ.get("GENIE_TOKEN") or None
    if not is_loopback(host) and token is None and not insecure:
        raise BadInput(
            f"binding to {host} lets other machines reach Genie: set GENIE_TOKEN=<a long secret> "
            "(clients send it as a Bearer token or log in once), or pass --insecure"
        )
    allowed = None
    if is_loopback(host) and token is None:
        # Without a token, only requests that name this machine: a DNS-rebinding page is refused.
        allowed = ["localhost", "127.0.0.1", "[::1]", "::1"]
    settings = WebSettings.from_env(allowed_hosts=allowed)
    if model:
        settings.model = model
    app = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"Genie is at http://{shown}:{port}/  (API docs: http://{shown}:{port}/docs)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)
