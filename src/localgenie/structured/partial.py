"""Partial objects: the answer as it grows, one completed value at a time.

The grammar makes the answer compact JSON that is a valid prefix at every token, so there is no need
to re-parse broken JSON each time a token arrives: `JsonScanner` reads each character once, keeps the
path it is at (``("ingredients", 2, "name")``) and reports when a value *opens* and when it *closes*;
only a closed scalar is parsed (its own few characters, once).  `PartialBuilder` turns those reports
into `Partial` snapshots: every completed value present with its final value, the value being written
named by ``partial_path``, never a value half-written.

What the snapshot shows is what the final answer will hold, as far as code decides it: optional fields
the model wrote as ``null`` (or ``""``) are left out, as `optional.drop_absent` leaves them out of the
answer, and near-miss date-times are completed as `formats.normalise` completes them.  Whether the
answer is *valid* is only known at the end: the stream ends with the validated `Extraction`, or says a
retry starts (`Retry`) and the next attempt's snapshots start from empty.

A server's JSON mode (remote backends) gives no such guarantee: whitespace between tokens is skipped,
and anything that is not JSON stops the snapshots for that attempt (the validator still judges the
whole answer).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from .formats import normalise
from .optional import drop_absent
from .schema import Schema

FieldPath = tuple[str | int, ...]
"""Where a value sits in the answer: object keys and array indices from the root (``()``)."""

LOOP_REPEATS = 3  # the same item three times in one list is a model going round in circles


def pointer(path: FieldPath) -> str:
    """``("address", "city")`` → ``"/address/city"`` (RFC 6901, as the web page and logs use it)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def json_path(path: FieldPath) -> str:
    """``("ingredients", 2)`` → ``"$.ingredients[2]"``, the form the validator's messages use."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


@dataclass(frozen=True)
class Partial:
    """The answer so far, shaped like a prefix of it.

    ``value`` holds every completed value (at its final value) inside the objects and arrays opened so
    far; ``complete_paths`` lists those completed values in the order they closed (containers too, once
    their closing bracket is written); ``partial_path`` is the value being written now (``None`` once
    the answer is complete), and is never in ``value`` unless it is an object or array, which then
    holds its completed members.  ``attempt`` counts from 1; a retry starts again from empty.
    """

    value: Any
    complete_paths: tuple[FieldPath, ...]
    partial_path: FieldPath | None
    attempt: int = 1

    def is_complete(self, path: FieldPath) -> bool:
        return path in self.complete_paths

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready form with paths as JSON pointers (what the web page receives)."""
        return {
            "attempt": self.attempt,
            "value": self.value,
            "complete": [pointer(p) for p in self.complete_paths],
            "partial": None if self.partial_path is None else pointer(self.partial_path),
        }


@dataclass(frozen=True)
class Retry:
    """An attempt failed validation and attempt number ``attempt`` starts; ``errors`` say why (the same
    ``(json_path, message)`` pairs the model is shown)."""

    attempt: int
    errors: list[tuple[str, str]]


@dataclass(frozen=True)
class Loop:
    """The model wrote the same item `LOOP_REPEATS` times in the list at ``path``."""

    path: FieldPath
    item: Any

    @property
    def label(self) -> str:
        """The item in a few words (its first text), for a message a person reads."""
        text = _first_text(self.item)
        shown = text if text is not None else json.dumps(self.item, ensure_ascii=False)
        return shown if len(shown) <= 60 else shown[:57] + "…"

    def error(self) -> tuple[str, str]:
        where = json_path(self.path)
        return (
            where,
            f"the answer got stuck repeating itself: {self.label!r} {LOOP_REPEATS} times in {where}; "
            "write each item once",
        )


# ------------------------------------------------------------------ the scanner


@dataclass(frozen=True)
class Opened:
    """A value starts at ``path`` (for an object member: as soon as its key is written)."""

    path: FieldPath


@dataclass(frozen=True)
class Closed:
    """The value at ``path`` is complete.  For an object or array, ``value`` is the scanner's own
    (growing) container: copy it before changing it."""

    path: FieldPath
    value: Any


ScanEvent = Opened | Closed
Expect = Literal["value", "key_or_end", "key", "colon", "comma_or_end", "item_or_end", "done"]


@dataclass
class StringState:
    """Whether streamed JSON text is inside a string, a character at a time, escapes followed: the one
    piece of JSON lexing both `JsonScanner` and `multi.ItemScanner` need."""

    inside: bool = False
    _escaped: bool = False

    def closes(self, char: str) -> bool:
        """Take the next character of a string's body; True when it is the closing quote."""
        if self._escaped:
            self._escaped = False
        elif char == "\\":
            self._escaped = True
        elif char == '"':
            self.inside = False
            return True
        return False


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: FieldPath
    key: str | None = None  # the member being written (objects)


@dataclass
class JsonScanner:
    """Follows JSON text as it streams and reports where values open and close.

    Each character is read once.  Strings are tracked with their escapes (``\\"`` does not end one, a
    ``}`` inside one closes nothing); a closed string or number is decoded from its own characters.
    The tree of completed values is kept in ``root``.  Text that cannot continue a JSON value sets
    ``broken`` and everything after it is ignored.
    """

    root: Any = None
    broken: bool = False
    _stack: list[_Frame] = field(default_factory=list)
    _expect: Expect = "value"
    _token: list[str] = field(default_factory=list)
    _string: StringState = field(default_factory=StringState)
    _in_atom: bool = False
    _key_string: bool = False

    @property
    def done(self) -> bool:
        """The top-level value is complete."""
        return self._expect == "done"

    @property
    def path(self) -> FieldPath | None:
        """Where the text is now: the value being written, else the innermost open container; None when
        nothing has started or everything is complete."""
        if self._expect == "done" or (not self._stack and not self._string.inside and not self._in_atom):
            return None
        if not self._stack:
            return ()
        top = self._stack[-1]
        if isinstance(top.container, dict):
            return top.path if top.key is None else (*top.path, top.key)
        if self._string.inside or self._in_atom:
            return (*top.path, len(top.container))
        return top.path

    def feed(self, chunk: str) -> list[ScanEvent]:
        events: list[ScanEvent] = []
        for char in chunk:
            if self.broken:
                break
            try:
                self._char(char, events)
            except (ValueError, json.JSONDecodeError):
                self.broken = True
        return events

    def finish(self) -> list[ScanEvent]:
        """The text has ended: a top-level number or literal is complete only now."""
        events: list[ScanEvent] = []
        if self._in_atom and not self._stack and not self.broken:
            try:
                self._close_atom(events)
            except (ValueError, json.JSONDecodeError):
                self.broken = True
        return events

    def _char(self, char: str, events: list[ScanEvent]) -> None:
        if self._string.inside:
            self._token.append(char)
            if self._string.closes(char):
                text = json.loads("".join(self._token))
                self._token.clear()
                if self._key_string:
                    top = self._stack[-1]
                    top.key = text
                    self._expect = "colon"
                    events.append(Opened((*top.path, text)))
                else:
                    self._place(text, events)
            return
        if self._in_atom:
            if char in "+-.0123456789eEtrufalsn":
                self._token.append(char)
                return
            self._close_atom(events)
        if char in " \t\r\n":
            return
        expect = self._expect
        if expect in ("value", "item_or_end"):
            if char == "]" and expect == "item_or_end":
                self._close_container("]", events)
            else:
                self._start_value(char, events)
        elif expect in ("key_or_end", "key"):
            if char == '"':
                self._string.inside, self._key_string = True, True
                self._token.append(char)
            elif char == "}" and expect == "key_or_end":
                self._close_container("}", events)
            else:
                raise ValueError(f"a key or }} was expected, not {char!r}")
        elif expect == "colon":
            if char != ":":
                raise ValueError(f"':' was expected, not {char!r}")
            self._expect = "value"
        elif expect == "comma_or_end":
            if char == ",":
                top = self._stack[-1]
                if isinstance(top.container, dict):
                    top.key = None
                    self._expect = "key"
                else:
                    self._expect = "value"
            elif char in "}]":
                self._close_container(char, events)
            else:
                raise ValueError(f"',' or a closing bracket was expected, not {char!r}")
        else:
            raise ValueError(f"text after the end of the JSON value: {char!r}")

    def _start_value(self, char: str, events: list[ScanEvent]) -> None:
        here = self._value_path()
        if char == '"':
            self._string.inside, self._key_string = True, False
            self._token.append(char)
            self._opened(here, events)
        elif char in "{[":
            container: dict[str, Any] | list[Any] = {} if char == "{" else []
            self._opened(here, events)
            self._attach(container)
            self._stack.append(_Frame(container, here))
            self._expect = "key_or_end" if char == "{" else "item_or_end"
        elif char in "-0123456789tfn":
            self._in_atom = True
            self._token.append(char)
            self._opened(here, events)
        else:
            raise ValueError(f"a JSON value was expected, not {char!r}")

    def _value_path(self) -> FieldPath:
        if not self._stack:
            return ()
        top = self._stack[-1]
        if isinstance(top.container, dict):
            assert top.key is not None
            return (*top.path, top.key)
        return (*top.path, len(top.container))

    def _opened(self, path: FieldPath, events: list[ScanEvent]) -> None:
        # An object member was announced when its key closed; array items and the root open here.
        if not self._stack or isinstance(self._stack[-1].container, list):
            events.append(Opened(path))

    def _attach(self, value: Any) -> None:
        if not self._stack:
            self.root = value
            return
        top = self._stack[-1]
        if isinstance(top.container, dict):
            assert top.key is not None
            top.container[top.key] = value
        else:
            top.container.append(value)

    def _place(self, value: Any, events: list[ScanEvent]) -> None:
        """A scalar is complete: attach it, report it, and expect what may follow it."""
        path = self._value_path()
        self._attach(value)
        events.append(Closed(path, value))
        self._after_value()

    def _close_atom(self, events: list[ScanEvent]) -> None:
        self._in_atom = False
        text = "".join(self._token)
        self._token.clear()
        self._place(json.loads(text), events)

    def _close_container(self, char: str, events: list[ScanEvent]) -> None:
        frame = self._stack.pop()
        if isinstance(frame.container, dict) != (char == "}"):
            raise ValueError(f"{char!r} does not close the open {'object' if char == ']' else 'array'}")
        events.append(Closed(frame.path, frame.container))
        self._after_value()

    def _after_value(self) -> None:
        if self._stack and isinstance(self._stack[-1].container, dict):
            self._stack[-1].key = None  # the member is written: the path is its object again
        self._expect = "comma_or_end" if self._stack else "done"


# ------------------------------------------------------------------ snapshots


class PartialBuilder:
    """Feeds a `JsonScanner` and makes a `Partial` after each chunk that opened or closed a value.

    ``stop_loops``: watch every list for the same item written `LOOP_REPEATS` times (items compared by
    their first text, so ``feta`` with another quantity or unit still counts); ``loop`` is then set and the
    caller should end the attempt: a small model that starts a list over rarely stops before the token
    cap, and what it writes meanwhile is thrown away.
    """

    def __init__(self, schema: Schema, attempt: int = 1, *, stop_loops: bool = False) -> None:
        self.schema = schema
        self.attempt = attempt
        self.scanner = JsonScanner()
        self.loop: Loop | None = None
        self._closed: list[FieldPath] = []
        self._stop_loops = stop_loops
        self._seen: dict[FieldPath, Counter[str]] = {}

    def feed(self, chunk: str) -> Partial | None:
        """Add generated text; a new snapshot when something opened or closed, else None."""
        return self._snapshot(self.scanner.feed(chunk))

    def finish(self) -> Partial | None:
        """The text has ended (completes a top-level number)."""
        return self._snapshot(self.scanner.finish())

    def _snapshot(self, events: list[ScanEvent]) -> Partial | None:
        if not events:
            return None
        for event in events:
            if isinstance(event, Closed):
                self._closed.append(event.path)
                if self._stop_loops and self.loop is None and event.path and isinstance(event.path[-1], int):
                    self._count(event.path[:-1], event.value)
        value = copy.deepcopy(self.scanner.root)
        value, _ = normalise(self.schema, drop_absent(self.schema, value))
        # A value code left out (an optional null) is not shown as complete: it is not in the answer.
        complete = tuple(p for p in self._closed if _resolves(value, p))
        return Partial(value, complete, self.scanner.path, self.attempt)

    def _count(self, array: FieldPath, item: Any) -> None:
        seen = self._seen.setdefault(array, Counter())
        key = _identity(item)
        seen[key] += 1
        if seen[key] >= LOOP_REPEATS:
            self.loop = Loop(array, copy.deepcopy(item))


def _resolves(value: Any, path: FieldPath) -> bool:
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return False
        elif not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return True


def _identity(item: Any) -> str:
    """What identifies an item for loop detection: its first text, case and spaces aside (a loop keeps
    the name and varies the rest: "feta" for a cup, a bag, a gram...), or the whole item without one."""
    text = _first_text(item)
    if text is not None:
        return " ".join(text.casefold().split())
    return json.dumps(item, sort_keys=True)


def _first_text(node: Any) -> str | None:
    if isinstance(node, str):
        return node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        found = _first_text(child)
        if found is not None:
            return found
    return None
