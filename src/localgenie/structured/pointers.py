"""JSON pointers (RFC 6901) to the leaves of a value: one spelling for spans, confidence and scores.

``/address/city``, ``/items/0/name``: keys escaped as the RFC says (``~`` → ``~0``, ``/`` → ``~1``),
array items by index.  The quality benchmark's scores (`localgenie.evaluate`), the grounding spans and
the per-leaf confidence all key their figures by these pointers, so a leaf means the same everywhere.
"""

from __future__ import annotations

import re
from typing import Any

_PLAIN_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")  # jsonschema's own rule for a key written after a dot


def escape(key: str) -> str:
    """One key as a pointer segment."""
    return key.replace("~", "~0").replace("/", "~1")


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def prune(value: Any) -> Any:
    """``value`` without ``None`` members and empty containers (recursively); ``None`` if nothing is left."""
    if isinstance(value, dict):
        kept = {key: prune(child) for key, child in value.items()}
        kept = {key: child for key, child in kept.items() if child is not None}
        return kept or None
    if isinstance(value, list):
        # Items keep their positions: a null inside a list is an item, not an absent field.
        items = [prune(child) for child in value]
        return items if any(item is not None for item in items) else None
    return value


def leaves(value: Any) -> dict[str, Any]:
    """Every leaf of ``value`` by JSON pointer, in the value's order; nulls and empty containers are
    absent (an optional field written as ``null`` is a field the text does not give).

    >>> leaves({"name": "Ann", "address": {"city": "Oslo"}, "tags": [], "note": None})
    {'/name': 'Ann', '/address/city': 'Oslo'}
    """
    found: dict[str, Any] = {}
    _collect(prune(value), "", found)
    return found


def _collect(value: Any, pointer: str, found: dict[str, Any]) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            _collect(child, f"{pointer}/{escape(str(key))}", found)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _collect(child, f"{pointer}/{index}", found)
    else:
        found[pointer] = value


def parent(pointer: str) -> str:
    """``/items/0/name`` → ``/items/0``; the root's parent is the root (``""``)."""
    return pointer[: pointer.rfind("/")] if pointer else ""


def json_path(pointer: str, value: Any) -> str:
    """The same place in the validator's spelling (``$.items[0].name``, ``$['a b']``), for messages
    that sit beside `schema_errors`' own; ``value`` tells an array index from a key such as ``"0"``."""
    path = "$"
    node = value
    for segment in pointer.split("/")[1:] if pointer else []:
        key = unescape(segment)
        if isinstance(node, list) and key.isdigit():
            path += f"[{key}]"
            node = node[int(key)] if int(key) < len(node) else None
            continue
        if _PLAIN_KEY.match(key):
            path += f".{key}"
        else:
            path += "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']"
        node = node.get(key) if isinstance(node, dict) else None
    return path
