"""Concise schemas: ``'name, age int, bio: a one-sentence bio'`` → a JSON Schema.

The syntax is Simon Willison's ``llm`` schema DSL (every schema it accepts means the same here), plus
optional fields, enums, lists and nested objects, and errors that say where and what was expected
instead of silently defaulting to a string:

    name                      a string field (every field is required unless marked with ?)
    age int                   types: str, int, float, bool, date, datetime (aliases: string,
                              integer, number, boolean); list[TYPE] (a bare ``list`` is list[str])
    nickname? str             ? after the name: optional (the model leaves it out when the text is silent)
    bio: a one-sentence bio   : after the type: a description for the model
    size small|medium|large   an enum; quote values with spaces or symbols ("extra large"|medium);
                              unquoted numbers are numbers (rating 1|2|3)
    address {street, city}    a nested object, same syntax inside the braces
    items list[{name, qty int}]

Fields are separated by commas or newlines.  A description runs to the end of its field: on a
one-line schema to the next comma (or the ``}`` that closes its object); on a schema written over
several lines, to the end of the line, commas included (as in ``llm``).  Quote a description
(``bio: "short, plain"``) to use those characters anywhere.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from ..errors import SchemaSyntaxError
from .schema import Schema

SCALARS: dict[str, Schema] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}
ALIASES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
TYPE_HELP = "str, int, float, bool, date, datetime, list[TYPE], {FIELDS} or an enum a|b|c"
_NAME_EXTRA = "_-.$@"  # besides letters and digits: e-mail, first_name, $id-like keys
_VALUE_EXTRA = "_-.+@/"  # bare enum values: kg, 1.5, -1, n/a
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]+")


def schema_from_dsl(text: str, *, multi: bool = False) -> Schema:
    """The JSON Schema a concise schema describes; ``multi=True`` wraps it as ``{"items": [ITEM, ...]}``.

    Raises `SchemaSyntaxError` (a `SchemaError`) with the line, column and what was expected.
    """
    schema = _Parser(text).parse()
    if multi:
        from .multi import items_schema

        return items_schema(schema)
    return schema


def looks_like_dsl(text: str) -> bool:
    """True for text that can only be meant as a concise schema (not JSON, a path or a saved name)."""
    stripped = text.strip()
    return bool(stripped) and stripped[0] not in "{[" and any(c in stripped for c in " ,:\n{|?")


class _Parser:
    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"a concise schema is a string, not {type(text).__name__}")
        self.text = text
        self.pos = 0
        # One rule from llm: a schema over several lines keeps commas inside descriptions.
        self.multiline = "\n" in text.strip()

    # ------------------------------------------------------------------ errors

    def error(self, expected: str, at: int | None = None, hint: str = "") -> SchemaSyntaxError:
        at = self.pos if at is None else at
        found = "the end of the schema" if at >= len(self.text) else _show(self.text[at])
        return self.fail(f"expected {expected}, found {found}", at, expected, hint)

    def fail(self, message: str, at: int, expected: str = "", hint: str = "") -> SchemaSyntaxError:
        line = self.text.count("\n", 0, at) + 1
        start = self.text.rfind("\n", 0, at) + 1
        end = self.text.find("\n", at)
        source = self.text[start : end if end >= 0 else len(self.text)]
        column = at - start + 1
        where = f"line {line}, column {column}" if self.multiline else f"column {column}"
        caret = " " * (len(source[: column - 1].expandtabs()) + 2) + "^"
        note = f"\n{hint}" if hint else ""
        return SchemaSyntaxError(
            f"concise schema, {where}: {message}\n  {source.expandtabs()}\n{caret}{note}",
            position=at,
            line=line,
            column=column,
            expected=expected,
        )

    # ------------------------------------------------------------------ scanning

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def spaces(self) -> None:
        """Skip blanks within a line (newlines separate fields, so they are not skipped here)."""
        while self.peek() in (" ", "\t", "\r") and self.pos < len(self.text):
            self.pos += 1

    def run(self, extra: str) -> str:
        start = self.pos
        while self.peek() and (self.peek().isalnum() or self.peek() in extra):
            self.pos += 1
        return self.text[start : self.pos]

    def quoted(self) -> str:
        start = self.pos
        try:
            value, end = json.JSONDecoder().raw_decode(self.text, self.pos)
        except json.JSONDecodeError:
            raise self.fail('unterminated quoted string: end it with "', start, '"') from None
        if not isinstance(value, str):  # pragma: no cover - raw_decode at a quote always gives a str
            raise self.error("a quoted string", start)
        self.pos = end
        return value

    # ------------------------------------------------------------------ grammar

    def parse(self) -> Schema:
        schema = self.fields(closer_at=None)
        if not schema["properties"]:
            raise SchemaSyntaxError(
                "the concise schema has no fields: give at least one, e.g. 'name, age int'",
                position=0,
                line=1,
                column=1,
                expected="a field name",
            )
        return schema

    def fields(self, closer_at: int | None) -> Schema:
        """Fields up to the end of the text, or up to the ``}`` matching the ``{`` at ``closer_at``."""
        properties: dict[str, Schema] = {}
        required: list[str] = []
        first_seen: dict[str, int] = {}
        while True:
            while self.peek() and self.peek() in " \t\r\n,":
                self.pos += 1  # blank lines and empty fields are harmless: skip them (as llm does)
            if not self.peek():
                if closer_at is not None:
                    raise self.error("'}'", hint=self._unclosed_hint(closer_at))
                break
            if self.peek() == "}":
                if closer_at is None:
                    raise self.error("a field name", hint="there is no '{' for this '}' to close")
                self.pos += 1
                break
            name_at = self.pos
            name = self.name()
            if name in first_seen:
                raise self.fail(
                    f"field {name!r} is given twice (first at {self.place(first_seen[name])}): "
                    "rename or remove one",
                    name_at,
                )
            first_seen[name] = name_at
            optional = self.peek() == "?"
            if optional:
                self.pos += 1
            self.spaces()
            node: Schema = {"type": "string"}
            if self.peek() and self.peek() not in ",\n:}":
                node = self.type_(name)
                self.spaces()
            if self.peek() == ":":
                node["description"] = self.description(inside=closer_at is not None)
            self.spaces()
            if self.peek() and self.peek() not in ",\n}":
                if self.peek() == "?":
                    raise self.error(
                        "',' or the end of the field",
                        hint=f"to make a field optional put '?' right after its name: {name}? ...",
                    )
                raise self.error(
                    "',', a new line, ':' and a description, or the end of the schema"
                    if closer_at is None
                    else "',', ':' and a description, or '}'"
                )
            properties[name] = node
            if not optional:
                required.append(name)
        schema: Schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        return schema

    def name(self) -> str:
        if self.peek() == '"':
            name = self.quoted()
            if not name:
                raise self.error("a field name", self.pos - 2)
            return name
        name = self.run(_NAME_EXTRA)
        if not name:
            raise self.error("a field name")
        return name

    def type_(self, field: str) -> Schema:
        start = self.pos
        if self.peek() == "{":
            self.pos += 1
            return self.fields(closer_at=start)
        if self.peek() == '"':
            return self.enum(field, start)
        word = self.run(_VALUE_EXTRA)
        if not word:
            raise self.error(f"a type for field {field!r} ({TYPE_HELP})")
        self.spaces()
        if self.peek() == "|":
            self.pos = start
            return self.enum(field, start)
        key = ALIASES.get(word, word)
        if key == "list":
            if self.peek() != "[":
                return {"type": "array", "items": {"type": "string"}}
            self.pos += 1
            self.spaces()
            items = self.type_(field)
            self.spaces()
            if self.peek() != "]":
                raise self.error(f"']' to close list[ at {self.place(start)}")
            self.pos += 1
            return {"type": "array", "items": items}
        if key in SCALARS:
            return dict(SCALARS[key])
        raise self.fail(f"unknown type {word!r} for field {field!r}", start, TYPE_HELP, self._type_hint(word))

    def enum(self, field: str, start: int) -> Schema:
        values: list[Any] = []
        while True:
            self.spaces()
            if self.peek() == '"':
                values.append(self.quoted())
            else:
                word = self.run(_VALUE_EXTRA)
                if not word:
                    raise self.error(
                        f'a value of field {field!r}\'s enum (a word, a number or a "quoted" text)'
                    )
                values.append(_number(word))
            self.spaces()
            if self.peek() != "|":
                break
            self.pos += 1
        if len(values) < 2:
            raise self.error("'|' and another value", hint="an enum lists two or more values: a|b|c")
        if len(set(map(json.dumps, values))) < len(values):
            raise self.fail(f"field {field!r}'s enum lists a value twice", start)
        kinds = {type(v) for v in values}
        node: Schema = {"enum": values}
        if kinds == {str}:
            node = {"type": "string", "enum": values}
        elif kinds == {int}:
            node = {"type": "integer", "enum": values}
        return node

    def description(self, *, inside: bool) -> str:
        self.pos += 1
        self.spaces()
        if self.peek() == '"':
            return self.quoted()
        start = self.pos
        stops = "\n" if self.multiline else ("," + ("}" if inside else ""))
        while self.peek() and self.peek() not in stops:
            self.pos += 1
        text = self.text[start : self.pos].strip()
        if not text:
            raise self.error("a description after ':'")
        return text

    # ------------------------------------------------------------------ messages

    def place(self, at: int) -> str:
        line = self.text.count("\n", 0, at) + 1
        column = at - (self.text.rfind("\n", 0, at) + 1) + 1
        return f"line {line}, column {column}" if self.multiline else f"column {column}"

    def _unclosed_hint(self, opened: int) -> str:
        hint = f"the '{{' at {self.place(opened)} is never closed"
        if self.multiline:
            hint += (
                "; on a schema of several lines a description runs to the end of its line, "
                "so put the '}' on a line of its own or quote the description"
            )
        return hint

    def _type_hint(self, word: str) -> str:
        names = [*SCALARS, *ALIASES, "list"]
        close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.7)
        hints = [f"Did you mean {close[0]!r}?"] if close else []
        hints.append(f"Types: {TYPE_HELP}.")
        if not close:  # "first name", "bio short text": words where a type was expected
            hints.append(
                "A description needs ':' before it (bio: what the field holds); a name of several words "
                'is written first_name or "first name".'
            )
        return " ".join(hints)


def _number(word: str) -> Any:
    """Plain decimal numbers only: ``inf``, ``nan`` or ``1_000`` stay words."""
    if _INT.fullmatch(word):
        return int(word)
    if _FLOAT.fullmatch(word):
        return float(word)
    return word


def _show(char: str) -> str:
    return {"\n": "the end of the line", "\t": "a tab"}.get(char, repr(char))


def dsl_from_schema(schema: Schema, *, lossy: bool = False) -> str | None:
    """The concise form of ``schema`` (one line), or None when the syntax cannot say all of it.

    ``lossy=True`` drops what it cannot say (bounds, patterns, titles...) instead: a summary for
    listings, not a schema to extract with."""
    try:
        return ", ".join(_fields(schema, lossy))
    except _Unsayable:
        return None


class _Unsayable(Exception):
    pass


_OBJECT_KEYS = {"type", "properties", "required", "description"}
_LOSSY_IGNORED = {"title", "$schema", "additionalProperties", "$comment", "examples", "default"}


def _fields(node: Any, lossy: bool) -> list[str]:
    if not isinstance(node, dict) or node.get("type", "object") != "object" or not node.get("properties"):
        raise _Unsayable
    if not lossy and set(node) - _OBJECT_KEYS:
        raise _Unsayable
    required = set(node.get("required", []))
    out = []
    for name, child in node["properties"].items():
        plain = name and all(c.isalnum() or c in _NAME_EXTRA for c in name)
        text = (name if plain else json.dumps(name)) + ("" if name in required else "?")
        kind = _type(child, lossy)
        if kind != "str":
            text += " " + kind
        if isinstance(child, dict) and isinstance(child.get("description"), str):
            description = child["description"]
            quote = (
                not description.strip()
                or any(c in description for c in ',{}"\n')
                or description != (description.strip())
            )
            text += ": " + (json.dumps(description, ensure_ascii=False) if quote else description)
        out.append(text)
    return out


def _type(node: Any, lossy: bool) -> str:
    if not isinstance(node, dict):
        raise _Unsayable
    keys = set(node) - {"description"} - (_LOSSY_IGNORED if lossy else set())
    if "enum" in node:
        values = node["enum"]
        if not lossy and keys - {"type", "enum"}:
            raise _Unsayable
        if len(values) < 2 or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in values
        ):
            raise _Unsayable
        return "|".join(_enum_value(v) for v in values)
    kind = node.get("type")
    if kind == "object":
        return "{" + ", ".join(_fields(node, lossy)) + "}"
    if kind == "array":
        if not lossy and keys - {"type", "items"}:
            raise _Unsayable
        inner = _type(node.get("items", {"type": "string"}), lossy)
        return "list" if inner == "str" else f"list[{inner}]"
    for word, scalar in SCALARS.items():
        if kind == scalar["type"] and node.get("format") == scalar.get("format"):
            if not lossy and keys != set(scalar):
                raise _Unsayable
            return word
    if lossy and isinstance(kind, str) and kind in ("string", "integer", "number", "boolean"):
        return {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}[kind]
    raise _Unsayable


def _enum_value(value: str | int | float) -> str:
    if isinstance(value, str):
        bare = value and all(c.isalnum() or c in _VALUE_EXTRA for c in value) and _number(value) == value
        return value if bare else json.dumps(value, ensure_ascii=False)
    return json.dumps(value)
