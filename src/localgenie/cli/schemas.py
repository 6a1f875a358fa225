"""``genie schemas``: concise schemas and saved schemas (``--schema NAME`` anywhere a schema is taken)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..api import resolve
from ..errors import SchemaError
from ..store import schemas as saved
from ..structured.dsl import dsl_from_schema, schema_from_dsl

app = typer.Typer(help="Concise schemas, and schemas saved by name.", no_args_is_help=True)
stdout = Console()
stderr = Console(stderr=True)


# Short lines: the help is shown in 80 columns.  "\\[" keeps rich from reading [TYPE] as markup.
SYNTAX = """Fields are separated by commas or new lines:

  name                     a string (required unless marked ?)
  age int                  str int float bool date datetime
  tags list\\[str]           list\\[TYPE]; a bare list is list\\[str]
  nickname? str            ? after the name: optional
  bio: one sentence        : starts a description
  size s|m|"extra large"   an enum (1|2|3 are numbers)
  address {street, city}   a nested object
  lines list\\[{item, qty int}]

A description runs to the next comma on a one-line schema, to the end
of the line on a schema of several lines; quote it ("a, b") to use
commas or braces anywhere."""


@app.command(help="Print the JSON Schema of a concise schema.\n\n" + SYNTAX)
def dsl(
    text: Annotated[str, typer.Argument(help="e.g. 'name, age int, bio: a one-sentence bio'")],
    multi: Annotated[bool, typer.Option("--multi", help='Wrap it as {"items": [ITEM, ...]}.')] = False,
) -> None:
    print(json.dumps(schema_from_dsl(text, multi=multi), indent=2, ensure_ascii=False))


@app.command()
def save(
    name: Annotated[str, typer.Argument(help="Letters, digits, _ and -, starting with a letter.")],
    schema: Annotated[
        str, typer.Argument(help="A JSON Schema file or text, a concise schema, another saved name, or -.")
    ],
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a schema saved under NAME.")] = False,
) -> None:
    """Save a schema under NAME: then --schema NAME works wherever a schema is taken."""
    saved.check_name(name)
    source = sys.stdin.read() if schema == "-" else schema
    entry = saved.save(name, resolve(source).schema, replace=replace)
    stderr.print(f"saved {name} ({entry.path})", highlight=False)


@app.command("list")
def list_() -> None:
    """The saved schemas: name, fields (in the concise syntax, bounds and patterns left out), hash."""
    entries = saved.saved_schemas()
    if not entries:
        stderr.print("no schemas saved yet: genie schemas save NAME SCHEMA", highlight=False)
        return
    table = Table("name", "fields", "hash")
    for entry in entries:
        table.add_row(
            entry.name, dsl_from_schema(entry.schema, lossy=True) or "(not a plain object)", entry.hash[:12]
        )
    stdout.print(table)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="A saved schema's name.")],
    concise: Annotated[
        bool, typer.Option("--concise", help="Print the concise form instead of the JSON Schema.")
    ] = False,
) -> None:
    """Print a saved schema (JSON Schema, or with --concise the concise syntax)."""
    entry = saved.load(name)
    if not concise:
        print(json.dumps(entry.schema, indent=2, ensure_ascii=False))
        return
    text = dsl_from_schema(entry.schema)
    if text is None:
        raise SchemaError(
            f"{name!r} uses JSON Schema the concise syntax cannot say (bounds, patterns, $ref...)"
        )
    print(text)


@app.command()
def delete(name: Annotated[str, typer.Argument(help="A saved schema's name.")]) -> None:
    """Delete a saved schema (logged runs keep its name and hash)."""
    saved.delete(name)
    stderr.print(f"deleted {name}", highlight=False)
