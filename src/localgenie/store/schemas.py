"""Saved schemas: ``genie schemas save NAME SCHEMA``, then ``--schema NAME`` anywhere.

One JSON Schema file per name in ``<data dir>/schemas/NAME.json``: plain files a user can read, copy
or edit, that stay usable when the extraction log is locked or broken.  Names are short words
(letters, digits, ``_``, ``-``) so that they can never be mistaken for a file path, JSON text or a
concise schema.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..config import data_dir
from ..errors import Conflict, NotFound, SchemaError
from ..structured.schema import Schema, check_schema

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True)
class SavedSchema:
    name: str
    schema: Schema
    path: Path

    @property
    def hash(self) -> str:
        return schema_hash(self.schema)


def schema_hash(schema: Schema) -> str:
    """SHA-256 of the schema as canonical JSON: the same schema, however it was written, one hash."""
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def schemas_dir() -> Path:
    return data_dir() / "schemas"


def is_name(text: str) -> bool:
    return NAME.fullmatch(text) is not None


def check_name(name: str) -> str:
    if not is_name(name):
        raise SchemaError(
            f"{name!r} cannot be a schema name: use a letter, then letters, digits, '_' or '-' "
            "(at most 64 characters), e.g. invoice or person-v2"
        )
    return name


def names() -> list[str]:
    directory = schemas_dir()
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.json") if is_name(p.stem))


def exists(name: str) -> bool:
    return is_name(name) and (schemas_dir() / f"{name}.json").is_file()


def load(name: str) -> SavedSchema:
    """The saved schema ``name``; `NotFound` lists the saved names when there is none by that name."""
    path = schemas_dir() / f"{check_name(name)}.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(unknown_name_message(name)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"cannot read saved schema {name!r} ({path}): {exc}") from None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(
            f"saved schema {name!r} ({path}) is not valid JSON: {exc.msg} at line {exc.lineno}: "
            f"fix the file or save it again (genie schemas save --replace {name} SCHEMA)"
        ) from None
    if not isinstance(schema, dict):
        raise SchemaError(f"saved schema {name!r} ({path}) is not a JSON object")
    return SavedSchema(name, schema, path)


def unknown_name_message(name: str) -> str:
    saved = names()
    listing = (
        f"saved: {', '.join(saved)}" if saved else "no schemas are saved yet (genie schemas save NAME SCHEMA)"
    )
    return f"no saved schema named {name!r}; {listing}"


def save(name: str, schema: Schema, *, replace: bool = False) -> SavedSchema:
    """Store a checked schema under ``name``; an existing one is replaced only with ``replace=True``."""
    check_name(name)
    check_schema(schema)
    directory = schemas_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    if path.exists() and not replace:
        raise Conflict(f"a schema named {name!r} is already saved: pass --replace to overwrite it")
    # Write then rename: a crash mid-write must not leave a half schema under a name people rely on.
    handle, temp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(schema, out, indent=2, ensure_ascii=False)
            out.write("\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return SavedSchema(name, schema, path)


def delete(name: str) -> None:
    path = schemas_dir() / f"{check_name(name)}.json"
    try:
        path.unlink()
    except FileNotFoundError:
        raise NotFound(unknown_name_message(name)) from None


def saved_schemas() -> list[SavedSchema]:
    """Every saved schema that can be read, by name (an unreadable file is skipped here, reported by
    `load`)."""
    found = []
    for name in names():
        try:
            found.append(load(name))
        except SchemaError:
            continue
    return found
