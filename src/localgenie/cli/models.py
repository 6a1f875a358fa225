"""``genie models``: which models exist here, and preparing them."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ..llm.models import assemble_default_model, list_models, tiny_model_path

app = typer.Typer(help="List the built-in models, or prepare one.", invoke_without_command=True)
stdout = Console()
stderr = Console(stderr=True)


@app.callback()
def show(ctx: typer.Context) -> None:
    """List models with status, size and path."""
    if ctx.invoked_subcommand is not None:
        return
    table = Table("name", "model", "status", "size", "path")
    for info in list_models():
        size = f"{info.size / 1e6:,.0f} MB" if info.size else "-"
        table.add_row(info.name, info.description, info.status, size, str(info.path or "-"))
    stdout.print(table)
    stdout.print(
        "Also: any local .gguf path (--model PATH), an OpenAI-compatible server (--base-url URL), or "
        "--model auto: tiny first, default when tiny's answer fails the checks."
    )


@app.command()
def prepare(name: str = typer.Argument("default", help="tiny or default")) -> None:
    """Make a model ready to load (assembles and verifies `default` once)."""
    if name == "tiny":
        stdout.print(str(tiny_model_path()))
        return
    if name != "default":
        raise typer.BadParameter("only 'tiny' and 'default' are built in")
    with stderr.status("assembling and verifying the default model (once)…"):
        path = assemble_default_model()
    stdout.print(str(path))
