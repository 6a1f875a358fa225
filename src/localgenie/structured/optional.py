"""Optional fields: written as ``null`` while generating, left out of the answer afterwards.

A grammar that lets the model *omit* an optional key asks it to decide, after
each value, between ``,"next_key"`` and ``}``, without ever seeing the keys it
would skip.  Small models then write every key they are shown and invent a
value for it: ``"phone":""``, ``"rating":0``, ``"gift_wrap":false``,
``"contents":"optional"``.  On the quality benchmark with `default` that was
the largest class of wrong leaves (about one task in three).

So, as OpenAI's strict mode asks of schemas, Genie generates under a schema in
which every property of a closed object is required and every optional one
also accepts ``null``: the model meets each key in order and can say "not in
the text" with one token.  `drop_absent` then removes, from the parsed answer,
each optional property written as ``null`` (when the caller's schema does not
itself allow ``null`` there) or as an empty string: an optional value the text
does not give is absent, not blank.  The caller's schema validates the result,
as before.

One tokenizer trap remains.  Qwen's vocabulary spells ``{"a":"x"}`` with the
token ``":"`` (quote, colon, quote) and ``{"a":null}`` with ``":`` then
``null``: for a field that usually holds a string, the model takes ``":"``
before it has decided anything, then writes the ``null`` it meant *inside* the
string.  On `default` that gave ``"city":"null"`` in 6 of 48 benchmark tasks,
and inside a formatted string the grammar could not close it at all:
``"approver_email":"null}`**json**`…`` until the repetition guard stopped it,
three times.  So an optional property also accepts the string ``"null"`` while
generating, and `drop_absent` reads that string as absent too.
"""

from __future__ import annotations

from typing import Any

from .schema import Schema, plain_subschemas, resolve_local_ref

NULL: dict[str, Any] = {"type": "null"}
NULL_WORD: dict[str, Any] = {"const": "null"}  # what the model writes after the ``":"`` token trap


def require_with_null(node: Any) -> None:
    """In place, on a copied schema whose plain objects are closed: every property of a closed object
    becomes required, and each one that was optional also accepts ``null`` (and the string ``"null"``).

    Objects that stay open, or sit inside combinators, are left as they are:
    there the set of keys is not the schema's to fix.
    """
    if not isinstance(node, dict):
        return
    for child in plain_subschemas(node):
        require_with_null(child)
    properties = node.get("properties")
    if isinstance(properties, dict) and node.get("additionalProperties") is False:
        required = set(node.get("required", []))
        for key, child in properties.items():
            if key in required or not isinstance(child, dict):
                continue
            if _accepts_null(child):
                properties[key] = {"anyOf": [child, dict(NULL_WORD)]}
            else:
                properties[key] = {"anyOf": [child, dict(NULL), dict(NULL_WORD)]}
        node["required"] = list(properties)


def _accepts_null(node: dict[str, Any]) -> bool:
    """Whether ``node`` plainly allows ``null`` (type, enum, const or a branch); ``$ref`` is not followed."""
    kind = node.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if "const" in node and node["const"] is None:
        return True
    if isinstance(node.get("enum"), list) and None in node["enum"]:
        return True
    branches = [b for key in ("anyOf", "oneOf") if isinstance(node.get(key), list) for b in node[key]]
    return any(isinstance(branch, dict) and _accepts_null(branch) for branch in branches)


def drop_absent(schema: Schema, value: Any) -> Any:
    """``value`` without the optional properties the answer marked absent: ``null`` where the schema does
    not allow ``null``, empty strings, the string ``"null"``, and objects left empty once their absent
    properties are gone.  Required properties are never touched (the validator judges them)."""
    return _walk(schema, schema, value, 0)


def _walk(root: Schema, node: Any, value: Any, depth: int) -> Any:
    if not isinstance(node, dict) or depth > 32:
        return value
    node = resolve_local_ref(root, node)
    branches = node.get("allOf")
    if isinstance(branches, list):
        for branch in branches:
            value = _walk(root, branch, value, depth + 1)
    if isinstance(value, dict) and isinstance(node.get("properties"), dict):
        properties: dict[str, Any] = node["properties"]
        required = set(node.get("required", []))
        kept: dict[str, Any] = {}
        for key, item in value.items():
            child = properties.get(key)
            walked = _walk(root, child, item, depth + 1)
            if (
                isinstance(child, dict)
                and key not in required
                and (_absent(root, child, item) or (walked == {} and item != {}))
            ):
                continue  # absent, or an optional object whose every property was absent
            kept[key] = walked
        return kept
    if isinstance(value, list):
        prefix = node.get("prefixItems") if isinstance(node.get("prefixItems"), list) else []
        items = node.get("items")
        return [
            _walk(root, prefix[i] if i < len(prefix) else items, item, depth + 1)
            for i, item in enumerate(value)
        ]
    return value


def _absent(root: Schema, child: dict[str, Any], item: Any) -> bool:
    if item == "" or (isinstance(item, str) and item.strip().lower() == "null"):
        return True
    return item is None and not _accepts_null(resolve_local_ref(root, child))
