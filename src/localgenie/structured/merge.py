"""The answers of a long text's chunks, merged into one answer by code.

Each chunk's answer is a value with, per leaf, its span in the *whole* text (or None) and its
confidence.  `merge_answers` folds them in reading order:

- **objects** merge key by key;
- **lists** are the union of the chunks' items: an item of a later chunk that is the *same* as one
  already kept (`same_item`) fills that item's missing fields instead of being added again, and the
  list is put back in the order its items stand in the text (the first span of each item);
- **values**: a value found in the text wins over one that is not (the first chunk that grounds a
  field gives it); two *different* grounded values for one field are a `Conflict`: the first is kept
  and both are reported.  A value no chunk grounds (inferred, a boolean, an enum) comes from the first
  chunk that gives one.

Two items are the same when their **key fields** are equal, or when the first key field stands at the
same place in the text in both (the overlap of two chunks, read twice).  The key fields of an item are
its schema's required properties whose values are strings or numbers; with none required, every
string or number property the two items both have.  Strings compare ignoring case and runs of
whitespace.  Items of one chunk are never merged with each other: the model listed them apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .confidence import Confidence
from .grounding import Span
from .pointers import escape
from .schema import Schema, resolve_local_ref


@dataclass(frozen=True)
class Conflict:
    """Two chunks grounded different values for one field: ``kept`` (the first, in the answer) and
    ``other``, each with its span in the whole text.  ``pointer`` names the field in the answer."""

    pointer: str
    kept: Any
    kept_span: Span
    other: Any
    other_span: Span

    def describe(self) -> str:
        def shown(value: Any, span: Span) -> str:
            return f"{json.dumps(value, ensure_ascii=False)} at {span[0]}-{span[1]}"

        kept, other = shown(self.kept, self.kept_span), shown(self.other, self.other_span)
        return f"{self.pointer}: kept {kept}, also {other}"


@dataclass(frozen=True)
class Leaf:
    """A value of one chunk's answer, its span in the whole text, its confidence, and the different
    grounded values later chunks gave for it (``others``: each value with its span)."""

    value: Any
    span: Span | None = None
    confidence: Confidence | None = None
    others: tuple[tuple[Any, Span], ...] = ()


Node = dict[str, "Node"] | list["Node"] | Leaf
"""One chunk's answer (or the merge so far) as a tree of `Leaf` s."""


@dataclass
class Merged:
    """The merged value (plain JSON), its spans and confidence by pointer, and the conflicts."""

    data: Any
    spans: dict[str, Span | None] = field(default_factory=dict)
    confidence: dict[str, Confidence] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)


def annotate(
    data: Any, spans: dict[str, Span | None], confidence: dict[str, Confidence], shift: int = 0
) -> Node:
    """``data`` as a tree whose leaves carry their span (moved by ``shift``) and confidence."""
    return _annotate(data, "", spans, confidence, shift)


def _annotate(
    data: Any, pointer: str, spans: dict[str, Span | None], confidence: dict[str, Confidence], shift: int
) -> Node:
    if isinstance(data, dict):
        return {
            key: _annotate(child, f"{pointer}/{escape(str(key))}", spans, confidence, shift)
            for key, child in data.items()
        }
    if isinstance(data, list):
        return [_annotate(child, f"{pointer}/{i}", spans, confidence, shift) for i, child in enumerate(data)]
    span = spans.get(pointer)
    moved = (span[0] + shift, span[1] + shift) if span is not None else None
    return Leaf(data, moved, confidence.get(pointer))


def merge_answers(schema: Schema, answers: Iterable[Node]) -> Merged:
    """Fold the chunks' answers, in reading order, into one (see the module docstring)."""
    merged: Node | None = None
    for tree in answers:
        merged = tree if merged is None else _merge(merged, tree, schema, schema)
    out = Merged(None)
    if merged is not None:
        out.data = _flatten(_ordered(merged), "", out)
    return out


def _merge(a: Node, b: Node, root: Schema, node: Any) -> Node:
    node = resolve_local_ref(root, node) if isinstance(node, dict) else {}
    if isinstance(a, dict) and isinstance(b, dict):
        properties = node.get("properties") if isinstance(node.get("properties"), dict) else {}
        merged = dict(a)
        for key, child in b.items():
            if key in merged:
                sub = properties.get(key, node.get("additionalProperties"))
                merged[key] = _merge(merged[key], child, root, sub)
            else:
                merged[key] = child
        return merged
    if isinstance(a, list) and isinstance(b, list):
        item = resolve_local_ref(root, node["items"]) if isinstance(node.get("items"), dict) else {}
        kept = list(a)
        taken: set[int] = set()
        for new in b:
            same = next(
                (
                    i
                    for i, old in enumerate(kept)
                    if i < len(a) and i not in taken and same_item(old, new, item)
                ),
                None,
            )
            if same is None:
                kept.append(new)
            else:
                taken.add(same)
                kept[same] = _merge(kept[same], new, root, item)
        return kept
    if isinstance(a, Leaf) and isinstance(b, Leaf):
        return _merge_leaf(a, b)
    if isinstance(a, Leaf) and a.value is None:
        return b  # null in one chunk, an object or a list in another
    return a


def _merge_leaf(a: Leaf, b: Leaf) -> Leaf:
    if a.value is None:
        return b
    if b.value is None:
        return a
    if a.span is None:
        return b if b.span is not None else a
    # Another grounded value is a conflict, reported once (an overlap reads the same one twice).
    other = b.span
    if other is None or other == a.span or _equal(a.value, b.value):
        return a
    if all(span != other for _, span in a.others):
        return replace(a, others=(*a.others, (b.value, other)))
    return a


def same_item(a: Node, b: Node, item_schema: dict[str, Any]) -> bool:
    """Whether two items of one list, from different chunks, are one item (the module docstring's rule)."""
    if isinstance(a, Leaf) and isinstance(b, Leaf):
        return _equal(a.value, b.value) or (a.span is not None and a.span == b.span)
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    keys = key_fields(a, b, item_schema)
    if not keys:
        return False
    first_a, first_b = a[keys[0]], b[keys[0]]
    assert isinstance(first_a, Leaf) and isinstance(first_b, Leaf)
    if first_a.span is not None and first_a.span == first_b.span:
        return True
    return all(_equal(_leaf(a[key]).value, _leaf(b[key]).value) for key in keys)


def key_fields(a: dict[str, Node], b: dict[str, Node], item_schema: dict[str, Any]) -> list[str]:
    """The keys two items are compared by: required string or number properties both items have (all
    string or number properties they share when the schema requires none)."""
    required = item_schema.get("required")
    names = list(required) if isinstance(required, list) and required else list(a)
    return [name for name in names if _scalar(a.get(name)) and _scalar(b.get(name))]


def _scalar(node: Node | None) -> bool:
    if not isinstance(node, Leaf):
        return False
    return isinstance(node.value, str | int | float) and not isinstance(node.value, bool)


def _leaf(node: Node) -> Leaf:
    assert isinstance(node, Leaf)
    return node


_SPACES = re.compile(r"\s+")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return _SPACES.sub(" ", a.strip()).casefold() == _SPACES.sub(" ", b.strip()).casefold()
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return bool(a == b)


def _first_start(node: Node) -> int | None:
    if isinstance(node, Leaf):
        return node.span[0] if node.span is not None else None
    children = node.values() if isinstance(node, dict) else node
    starts = [s for s in (_first_start(child) for child in children) if s is not None]
    return min(starts) if starts else None


def _ordered(node: Node) -> Node:
    """Every list's items in the order they stand in the text (an item with no span stays after the
    item it followed)."""
    if isinstance(node, dict):
        return {key: _ordered(child) for key, child in node.items()}
    if isinstance(node, list):
        items = [_ordered(child) for child in node]
        keys: list[int] = []
        last = -1
        for item in items:
            start = _first_start(item)
            last = start if start is not None else last
            keys.append(last)
        order = sorted(range(len(items)), key=lambda i: (keys[i], i))
        return [items[i] for i in order]
    return node


def _flatten(node: Node, pointer: str, out: Merged) -> Any:
    if isinstance(node, dict):
        return {key: _flatten(child, f"{pointer}/{escape(key)}", out) for key, child in node.items()}
    if isinstance(node, list):
        return [_flatten(child, f"{pointer}/{i}", out) for i, child in enumerate(node)]
    if node.value is not None:
        out.spans[pointer] = node.span
        if node.confidence is not None:
            out.confidence[pointer] = node.confidence
        if node.span is not None:
            out.conflicts.extend(Conflict(pointer, node.value, node.span, v, s) for v, s in node.others)
    return node.value
