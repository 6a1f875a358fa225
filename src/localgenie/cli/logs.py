"""``genie logs``: the extraction log (every ``genie extract`` run, successful or not)."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Annotated

import typer

from ..api import resolve
from ..errors import NotFound
from ..store import logs
from ..store import schemas as saved
from ..store.schemas import schema_hash


def logs_command(
    count: Annotated[
        int, typer.Option("-n", "--count", min=0, help="How many of the last runs (0: all).")
    ] = 3,
    schema: Annotated[
        str | None,
        typer.Option("--schema", "-s", help="Only runs with this schema: a saved name, or any schema."),
    ] = None,
    data: Annotated[
        bool,
        typer.Option(
            "--data", help="Print only the extracted objects, one JSON per line (items one by one)."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print whole runs as JSON lines.")] = False,
    path: Annotated[bool, typer.Option("--path", help="Print where the log is, and stop.")] = False,
) -> None:
    """Show logged extractions, oldest first (GENIE_LOG=0 or --no-log keeps runs out of the log)."""
    if path:
        print(logs.log_path())
        return
    digest = name = None
    if schema is not None:
        try:
            resolved = resolve(schema)
            digest, name = schema_hash(resolved.schema), resolved.name
        except NotFound:
            if not saved.is_name(schema):
                raise
            name = schema  # no longer saved, but runs may still carry the name
    found = logs.entries(count or None, schema_hash=digest, schema_name=name)
    if not found and not data:
        which = " with that schema" if schema is not None else ""
        print(f"no extractions logged{which} yet ({logs.log_path()})", file=sys.stderr)
    for entry in found:
        if data:
            for item in entry.items():
                print(json.dumps(item, ensure_ascii=False))
        elif as_json:
            print(json.dumps(dataclasses.asdict(entry), ensure_ascii=False))
        else:
            print(_describe(entry))


def _describe(entry: logs.LogEntry) -> str:
    schema = f"{entry.schema_name} ({entry.schema_hash[:8]})" if entry.schema_name else entry.schema_hash[:12]
    tokens = (
        f"{entry.prompt_tokens}+{entry.completion_tokens} tokens"
        if entry.prompt_tokens is not None
        else "? tokens"
    )
    head = (
        f"#{entry.id}  {entry.created}  {entry.backend} {entry.model}  schema {schema}"
        f"{'  (many items)' if entry.multi else ''}  {entry.attempts} attempt(s)  {tokens}"
        f"  {entry.seconds:.2f} s"
    )
    text = " ".join(entry.text.split())
    text = text if len(text) <= 100 else text[:97] + "..."
    outcome = (
        f"  value: {json.dumps(entry.value, ensure_ascii=False)}"
        if entry.ok
        else f"  error: {entry.error_type}: {entry.error}"
    )
    return f"{head}\n  text: {text}\n{outcome}\n"
