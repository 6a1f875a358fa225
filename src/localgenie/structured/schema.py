"""Loading and checking a JSON Schema before anything is generated against it.

Problems with the schema are the caller's to fix, so they are reported up
front as `SchemaError` (exit code 2), never discovered halfway through
generation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import referencing
import referencing.exceptions
from pydantic import BaseModel
from referencing.jsonschema import DRAFT202012

from ..errors import SchemaError
from ._jsonschema import jsonschema

Schema = dict[str, Any]
ROOT_URI = "urn:genie:schema"


class CheckedSchema(dict[str, Any]):
    """A schema `load_schema` has already checked: passing it again costs nothing.

    A plain ``dict`` subclass, so it goes wherever a schema dict goes; mutating
    it after the check is the caller's responsibility.
    """


class RemoteRefRefused(Exception):
    """Raised by the registry instead of fetching anything over the network."""


def _refuse(uri: str) -> referencing.Resource[Any]:
    raise RemoteRefRefused(uri)


def load_schema(source: str | Path | Schema | type[BaseModel] | bool) -> CheckedSchema:
    """Accept a schema dict, a Pydantic model class, a JSON file path or JSON text; check it.

    Returns the schema as a `CheckedSchema` (a dict); raises `SchemaError` naming
    what is wrong.  A `CheckedSchema` is returned unchanged, so a schema loaded
    once travels through the CLI, the extraction loop and the prompt unchecked.
    """
    if isinstance(source, CheckedSchema):
        return source
    if isinstance(source, type) and issubclass(source, BaseModel):
        return _model_schema(source)
    schema: Any
    if isinstance(source, Path):
        schema = parse_json(_read(source), f"{source} is not valid JSON")
    elif isinstance(source, str):
        schema = parse_json(source, "schema text is not valid JSON")
    else:
        schema = source
    if schema is True:
        schema = {}
    if not isinstance(schema, dict):
        raise SchemaError(f"a schema must be a JSON object (or true), not {type(schema).__name__}")
    check_schema(schema)
    return CheckedSchema(schema)


@lru_cache(maxsize=128)
def _model_schema(model: type[BaseModel]) -> CheckedSchema:
    """A Pydantic model's checked schema, built once per class (callers must not mutate it)."""
    schema = model.model_json_schema()
    check_schema(schema)
    return CheckedSchema(schema)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(f"schema file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"cannot read schema file {path}: {exc}") from None


def parse_json(text: str, failure: str) -> Any:
    """``json.loads``, or `SchemaError` "``failure``: the parser's message at line L, column C"."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{failure}: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None


def check_schema(schema: Schema) -> None:
    """Valid against the 2020-12 metaschema, and every ``$ref`` resolves inside the document."""
    dialect = schema.get("$schema")
    if dialect is not None and not _is_known_dialect(dialect):
        raise SchemaError(
            f"unsupported $schema {dialect!r}: use https://json-schema.org/draft/2020-12/schema "
            "(custom metaschemas and vocabularies are not supported)"
        )
    try:
        jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator).check_schema(
            schema
        )
    except jsonschema.SchemaError as exc:
        path = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise SchemaError(f"invalid JSON Schema at {path}: {exc.message}") from None
    registry = schema_registry(schema)
    for base, ref in _refs(schema, ROOT_URI):
        try:
            registry.resolver(base_uri=base).lookup(ref)
        except referencing.exceptions.Unresolvable as exc:
            if _is_refused(exc):
                raise SchemaError(
                    f"remote $ref {ref!r} is not supported (Genie never fetches schemas): "
                    "copy the referenced schema into $defs and refer to it as '#/$defs/NAME'"
                ) from None
            raise SchemaError(f"unknown $ref {ref!r}: nothing in the schema has that address") from None


def _is_known_dialect(uri: object) -> bool:
    if not isinstance(uri, str):
        return False
    known = {"https://json-schema.org/draft/2020-12/schema", "http://json-schema.org/draft-07/schema",
             "https://json-schema.org/draft/2019-09/schema", "http://json-schema.org/draft-06/schema",
             "http://json-schema.org/draft-04/schema"}  # fmt: skip
    return uri.rstrip("#") in known


def _is_refused(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, RemoteRefRefused):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def schema_registry(schema: Schema) -> referencing.Registry[Any]:
    """A registry holding only this document; any other URI is refused, never fetched."""
    resource = referencing.Resource.from_contents(schema, default_specification=DRAFT202012)
    registry: referencing.Registry[Any] = referencing.Registry(retrieve=_refuse)  # type: ignore[call-arg]
    crawled: referencing.Registry[Any] = registry.with_resource(ROOT_URI, resource).crawl()
    return crawled


def _refs(node: Any, base: str) -> Iterator[tuple[str, str]]:
    """Every ``$ref`` with the base URI it is relative to (``$id`` changes the base)."""
    if isinstance(node, dict):
        if isinstance(node.get("$id"), str):
            base = urljoin(base, node["$id"])
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield base, value
            elif key not in ("enum", "const", "examples", "default"):
                yield from _refs(value, base)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item, base)


def plain_subschemas(node: dict[str, Any]) -> Iterator[Any]:
    """The subschemas of ``node`` outside combinators: properties, ``$defs`` / ``definitions``,
    ``items``, ``additionalProperties``, ``contains``, ``prefixItems`` (values that are not schemas
    too, for the caller to skip).  What the rewrites that close objects and require optional keys
    walk into; combinators are left alone, where fixing the keys could make a schema unsatisfiable."""
    for key in ("properties", "$defs", "definitions"):
        children = node.get(key)
        if isinstance(children, dict):
            yield from children.values()
    for key in ("items", "additionalProperties", "contains"):
        yield node.get(key)
    prefix = node.get("prefixItems")
    if isinstance(prefix, list):
        yield from prefix


def resolve_local_ref(root: Schema, node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with its local ``$ref`` chain (``#``, ``#/$defs/…``) followed and merged with its siblings.

    For reading a schema (describing it, walking a value along it); a reference that does not
    resolve leaves the node as it is: `check_schema` has already refused those.
    """
    seen = 0
    while isinstance(node.get("$ref"), str) and node["$ref"].startswith("#") and seen < 16:
        target: Any = root
        for part in node["$ref"][1:].lstrip("/").split("/") if node["$ref"] != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                return node
            target = target[part]
        if not isinstance(target, dict):
            return node
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node
