"""String formats: what the model may write while generating, and how code completes it.

The trap this avoids: a log line says ``Timestamp: 1983-11-12T03:33:35.597324``
(no UTC offset, as real logs often have), and the schema says
``"format": "date-time"``.  RFC 3339 requires an offset, so a grammar that
enforces the format exactly does not let the model close the string where the
text ends: it may only write more fractional digits or an offset, and a small
model copying the text writes digits until the repetition guard stops it.  A
``time`` without seconds ("14:30") and every unbounded format (``email``,
``hostname``, ``duration``) have the same shape of trap.

What Genie does instead, for every format the grammar enforces:

- While generating, the format is replaced by a *relaxed pattern* that accepts
  the exact format **and** the near misses that real texts contain, with every
  part bounded (at most 9 fractional digits, bounded lengths), so the model can
  always end the value where the text does.
- Code then *normalises* a near miss into the format, by rules that add no
  information the text might contradict: a space between date and time
  becomes ``T``; missing seconds become ``:00``; a date-time or time with no
  offset is read as UTC and gets ``Z`` (recorded in `Normalisation`, so the
  caller can see which values were completed).
- Everything is then validated against the original schema, formats asserted,
  as before.  A value that is neither the format nor a near miss never gets
  through the relaxed pattern either; one that the validator still refuses
  (a 31st of February) goes back to the model with the reason, then to
  `SchemaViolation` naming the field: never invalid data.

Formats the grammar does not enforce (``uri``, ``iri``, ``json-pointer``, …)
are generated as plain strings with a length bound and validated afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .pointers import escape
from .schema import Schema, resolve_local_ref

DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)(\.[0-9]{1,9})?)?"
OFFSET = r"([zZ]|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])"
# While generating: the format or a near miss, every part bounded.
RELAXED_PATTERNS = {
    "date-time": rf"^{DATE}[tT ]{CLOCK}{OFFSET}?$",
    "time": rf"^{CLOCK}{OFFSET}?$",
    "date": rf"^{DATE}$",
}
# Formats llguidance enforces exactly whose values are unbounded: a length bound while generating.
LENGTH_BOUNDS = {"email": 254, "hostname": 253, "idn-email": 254, "idn-hostname": 253, "duration": 48}
# Formats the grammar does not enforce: a plain string, bounded.
UNENFORCED_BOUND = 2048
ENFORCED_FORMATS = frozenset({*RELAXED_PATTERNS, *LENGTH_BOUNDS, "ipv4", "ipv6", "uuid"})

_CLOCK_PARTS = re.compile(
    r"^(?P<hm>[0-9]{2}:[0-9]{2})(?P<sec>:[0-9]{2}(\.[0-9]+)?)?(?P<off>[zZ]|[+-][0-9]{2}:?[0-9]{2})?$"
)


@dataclass(frozen=True)
class Normalisation:
    """One value code completed: where, what the model wrote, what it became, and why."""

    pointer: str
    written: str
    value: str
    reason: str


def relax_formats(node: Any) -> None:
    """Replace, in place, each string ``format`` of a (copied) schema with its generation form."""
    if isinstance(node, list):
        for item in node:
            relax_formats(item)
        return
    if not isinstance(node, dict):
        return
    fmt = node.get("format")
    if isinstance(fmt, str) and _is_string_schema(node):
        if fmt in RELAXED_PATTERNS:
            del node["format"]  # a pattern of the schema's own stays, and still binds the model
            node.setdefault("pattern", RELAXED_PATTERNS[fmt])
        elif fmt in LENGTH_BOUNDS:
            node["maxLength"] = min(node.get("maxLength", LENGTH_BOUNDS[fmt]), LENGTH_BOUNDS[fmt])
        elif fmt not in ENFORCED_FORMATS:
            node.setdefault("maxLength", UNENFORCED_BOUND)
    for key, value in node.items():
        if key not in ("enum", "const", "default", "examples"):
            relax_formats(value)


def _is_string_schema(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "string" or (isinstance(kind, list) and kind == ["string"])


def normalise(schema: Schema, value: Any) -> tuple[Any, list[Normalisation]]:
    """``value`` with near-miss date-times and times completed to their format, and what changed.

    Follows ``properties``, ``items``, ``prefixItems``, ``additionalProperties``,
    local ``$ref``s and the first matching branch of ``anyOf`` / ``oneOf`` /
    ``allOf``; anything it does not follow is left as the model wrote it (the
    validator has the last word).
    """
    changes: list[Normalisation] = []
    return _walk(schema, schema, value, "", changes, 0), changes


def _walk(root: Schema, node: Any, value: Any, pointer: str, changes: list[Normalisation], depth: int) -> Any:
    if not isinstance(node, dict) or depth > 32:
        return value
    node = resolve_local_ref(root, node)
    if isinstance(value, str) and isinstance(node.get("format"), str):
        return _normalise_string(node["format"], value, pointer, changes)
    for key in ("allOf", "anyOf", "oneOf"):
        branches = node.get(key)
        if isinstance(branches, list):
            for branch in branches:
                value = _walk(root, branch, value, pointer, changes, depth + 1)
    if isinstance(value, dict):
        properties = node.get("properties") if isinstance(node.get("properties"), dict) else {}
        extra = node.get("additionalProperties")
        return {
            key: _walk(root, properties.get(key, extra), item, f"{pointer}/{escape(key)}", changes, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        prefix = node.get("prefixItems") if isinstance(node.get("prefixItems"), list) else []
        items = node.get("items")
        return [
            _walk(root, prefix[i] if i < len(prefix) else items, item, f"{pointer}/{i}", changes, depth + 1)
            for i, item in enumerate(value)
        ]
    return value


def _normalise_string(fmt: str, written: str, pointer: str, changes: list[Normalisation]) -> str:
    value = written
    reasons: list[str] = []
    if fmt == "date-time" and len(value) > 10 and value[10] == " ":
        value = value[:10] + "T" + value[11:]
        reasons.append("space between date and time written as T")
    if fmt in ("date-time", "time"):
        head, clock = (value[:11], value[11:]) if fmt == "date-time" else ("", value)
        match = _CLOCK_PARTS.match(clock)
        if match is not None and (fmt == "time" or head[10:11] in ("T", "t")):
            seconds, offset = match["sec"], match["off"]
            if seconds is None:
                seconds = ":00"
                reasons.append("no seconds in the text: :00")
            if offset is None:
                offset = "Z"
                reasons.append("no UTC offset in the text: read as UTC (Z)")
            elif len(offset) == 5:  # +0200 -> +02:00
                offset = f"{offset[:3]}:{offset[3:]}"
                reasons.append("offset written with a colon")
            value = head + match["hm"] + seconds + offset
    if value != written:
        changes.append(Normalisation(pointer or "/", written, value, "; ".join(reasons)))
    return value


def format_hint(fmt: str) -> str | None:
    """How to write a format, for the prompt: the model copies dates in whatever shape the text has."""
    return {
        "date-time": "YYYY-MM-DDTHH:MM:SS",
        "date": "YYYY-MM-DD",
        "time": "HH:MM:SS",
        "email": "name@domain",
        "uri": "absolute URI with scheme",
        "uuid": "8-4-4-4-12 hex digits",
        "ipv4": "dotted quad",
        "duration": "ISO 8601 duration, e.g. PT1H30M",
    }.get(fmt)
