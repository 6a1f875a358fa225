"""Where each extracted value stands in the input text: spans found by code, never asked of the model.

`ground(text, value)` gives every leaf of the value (a JSON pointer such as
``/address/city`` or ``/items/0/name``, see `localgenie.structured.pointers`)
either a span ``(start, end)`` with ``text[start:end]`` the text the value was
read from, or ``None`` when the value is not in the text (inferred, like
``"country": "USA"`` from "Boston", or a boolean, which is a judgement, never a
quote).  Offsets are **Python string indices**: code points, not bytes and not
user-perceived characters.  An emoji is one index, a flag or a skin-toned emoji
several, an accented letter written with a combining accent two; slicing the
``str`` the caller passed always gives back the quoted text.

A model asked for offsets invents them; code finds them.  For each leaf, the
first of these that finds anything decides the candidates:

1. **exact**: the value as written (and, for a value code completed to its
   format, what the model wrote before, e.g. ``2024-05-01T10:22:03`` for the
   ``...Z`` it became: see `Normalisation`);
2. **loose**: ignoring case, runs of whitespace, Unicode composition (an "é"
   written as "e" + combining accent), curly versus straight quotes and the
   kind of dash;
3. **numbers**, by value: ``1,200`` / ``1.200,00`` / ``3.50`` / ``80k`` /
   ``2.5 million`` / ``-4`` in digits, then ``thirty-two`` / ``a dozen`` /
   ``one hundred and five`` in words (a currency sign or unit stays outside the
   span);
4. **dates and times**, by value: an ISO ``date`` against ``2025-03-03``,
   ``March 3rd, 2025``, ``Mon, 3 Mar 2025``, ``03/03/2025`` (day-first and
   month-first both read), ``03.03.2025``, ``2–5 March 2025`` (a range: both
   ends get its whole span); a ``time`` against ``14:30``, ``2:30 pm``, ``2pm``;
   a ``date-time`` against a date and a time next to each other.  Offsets are
   not compared (a time written without one was completed to ``Z`` by code).

Matches inside a longer word or number are used only when there is no other
(``30`` never grounds in ``1300``; ``東京`` does in ``東京都``, since CJK has no
word breaks).

**Repeated values** (the same city twice): which occurrence the model read is
unknowable after the fact, so the choice is a documented rule.  Leaves with one
candidate are placed first.  Each other leaf, in the answer's order, takes

- an occurrence no other leaf has taken, if there is one (two "Oslo"s for a
  billing and a shipping city: one each);
- then the occurrence nearest to the placed spans of its siblings (the leaves
  under the nearest enclosing object or item that has any placed), counted
  first in sentence and line breaks, then in characters: an item's city is
  the one written in the same sentence or line as that item's name;
- then, with nothing placed nearby, the first occurrence after the previous
  leaf's span (reading order), else the first in the text.

Not done: abbreviations ("5th Ave." for "5th Avenue"), spelled-out dates
("the third of March"), dates without a year, values split across the text.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .pointers import escape, leaves
from .schema import Schema, resolve_local_ref

Span = tuple[int, int]

GROUNDED = "x-grounded"  # the schema keyword: true on a field (or an object) whose values must be quoted

MAX_CANDIDATES = 1000  # per leaf: a value that stands a thousand times in a text is no evidence of place

# -- value shapes -----------------------------------------------------------------------------------
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_CLOCK = r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:[zZ]|[+-]\d{2}:?\d{2})?"
_ISO_TIME = re.compile(rf"^{_ISO_CLOCK}$")
_ISO_DATE_TIME = re.compile(rf"^(\d{{4}})-(\d{{2}})-(\d{{2}})[tT ]{_ISO_CLOCK}$")
_NUMERIC_STRING = re.compile(r"^[-+]?\d+(?:\.\d+)?$")

# -- text patterns ----------------------------------------------------------------------------------
# A run of digits and separators; one joined by - / : (a date, a time, a range, a phone number) is read
# part by part, after the numbers that stand alone and those in words: "30" is not found in "2:30".
_NUMBER = re.compile(r"(?<!\d)\d+(?:[.,:/-]\d+)*")
_JOINERS = re.compile(r"[:/-]")
_SCALE_AFTER = re.compile(r"\s*(k|K)(?![^\W\d_])|\s+(thousand|million|billion)\b", re.IGNORECASE)
_MINUS = "-−"
_UNITS = {
    w: n
    for n, w in enumerate((
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ))
}  # fmt: skip
_TENS = {
    w: 10 * n
    for n, w in enumerate(("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), 2)
}
_ORDINALS = {
    "first": 1,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}  # fmt: skip  ("second" is left out: far more often a unit of time than an ordinal)
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER_WORDS = {**_UNITS, **_TENS, **_ORDINALS, "dozen": 12, **_SCALES}
_WORD = "(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_WORD_RUN = re.compile(rf"\b{_WORD}(?:(?:[ \t-]+|\s+and\s+){_WORD})*\b", re.IGNORECASE)

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?,?\s+)?"
_ORD = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS = (
    # 2025-03-03, 2025/03/03
    re.compile(r"(?<!\d)(?P<year>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"),
    # 03/03/2025, 3.3.2025, 03-03-25: day-first and month-first are both read
    re.compile(r"(?<![\d.])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})(?![\d])"),
    # March 3rd, 2025 / Mon, Mar 3 2025
    re.compile(rf"\b{_WEEKDAY}{_MONTH}\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<year>\d{{4}})\b", re.IGNORECASE),
    # 3 March 2025 / Monday, 3rd of March, 2025
    re.compile(
        rf"\b{_WEEKDAY}(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})\b", re.IGNORECASE
    ),
    # ranges: 2–5 March 2025, March 2–5, 2025
    re.compile(
        rf"\b(?P<d>\d{{1,2}}){_ORD}\s*[-–—]\s*(?P<d2>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b{_MONTH}\s+(?P<d>\d{{1,2}}){_ORD}\s*[-–—]\s*(?P<d2>\d{{1,2}}){_ORD},?\s+(?P<year>\d{{4}})\b",
        re.IGNORECASE,
    ),
)
_MERIDIEM = r"(?:\s?(?P<ampm>[ap])(?:m\b|\.m\.|\.m\b))"
# A numeric offset is left out of the span: "10:30-11:00" is a range far more often than an offset.
_ZONE = r"(?:\s?(?:[zZ]|UTC|GMT)(?!\w))?"
_TIME_PATTERNS = (
    re.compile(
        rf"(?<![\d:])(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?::(?P<s>\d{{2}})(?:[.,](?P<f>\d{{1,9}}))?)?{_MERIDIEM}?{_ZONE}",
        re.IGNORECASE,
    ),
    re.compile(rf"(?<![\d:.])(?P<h>\d{{1,2}}){_MERIDIEM}", re.IGNORECASE),
)
# Between the date and the time of one date-time: "2025-03-03T10:00", "March 3 at 2 pm", "3 Mar, 14:00",
# and the end of a time range: "Thu 12 Jun 2025 13:09 – 15:04" (the arrival).
_DATE_TIME_GAP = re.compile(
    r"^(?:[\sT,@-]|at|on)*(?:\d{1,2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?\s*(?:[-–—]|to|until)\s*)?$", re.IGNORECASE
)
_GAP_CHARS = 24
# Where a sentence or a line ends: values of one item are written in the same one more often than not.
_BREAK = re.compile(r"\n|[.!?;](?=\s)")

# Characters that read the same to a person: each stands for its whole class in the loose tier.
_LOOKALIKES = ("'‘’ʼ′", '"“”„″', "-‐‑‒–—−")


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    second: int
    fraction: str  # digits after the decimal point, trailing zeros dropped

    @staticmethod
    def of(h: str, m: str, s: str | None, f: str | None, ampm: str | None = None) -> _Clock | None:
        hour, minute, second = int(h), int(m), int(s or 0)
        if ampm:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
        if hour > 23 or minute > 59 or second > 60:
            return None
        return _Clock(hour, minute, second, (f or "").rstrip("0"))


@dataclass(frozen=True)
class _Found:
    """A value read from the text at a span."""

    start: int
    end: int
    value: Any


def ground(text: str, value: Any, written: Mapping[str, str] | None = None) -> dict[str, Span | None]:
    """A span (or None) for every leaf of ``value`` (pointers as `pointers.leaves` spells them, in the
    value's order).

    ``written`` maps a pointer to what the model wrote before code completed it (`Normalisation`), so a
    value such as ``...T03:33:35Z`` grounds on the ``...T03:33:35`` the text holds.
    """
    finder = Finder(text)
    found = leaves(value)
    written = written or {}
    candidates = {pointer: finder.candidates(leaf, written.get(pointer)) for pointer, leaf in found.items()}
    return choose(list(found), candidates, text)


def choose(order: list[str], candidates: Mapping[str, list[Span]], text: str = "") -> dict[str, Span | None]:
    """One span per pointer from its candidates, by the rule in the module docstring (``text`` gives the
    sentences and lines that "nearest" counts first)."""
    chosen: dict[str, Span | None] = {
        pointer: candidates[pointer][0] if len(candidates[pointer]) == 1 else None for pointer in order
    }
    claimed = Counter(span for span in chosen.values() if span is not None)
    breaks: list[int] | None = None
    previous_end = 0
    for pointer in order:
        spans = candidates[pointer]
        if len(spans) > 1:
            if breaks is None:
                breaks = [m.start() for m in _BREAK.finditer(text)]
            context = _context(pointer, chosen)
            after = previous_end

            def rank(
                span: Span, context: list[Span] = context, after: int = after, breaks: list[int] = breaks
            ) -> tuple[bool, int, int, bool, int]:
                apart = min((_apart(span, other, breaks) for other in context), default=0)
                nearest = min((_gap(span, other) for other in context), default=0)
                return claimed[span] > 0, apart, nearest, span[0] < after, span[0]

            best = min(spans, key=rank)
            chosen[pointer] = best
            claimed[best] += 1
        span = chosen[pointer]
        if span is not None:
            previous_end = span[1]
    return chosen


def _context(pointer: str, chosen: Mapping[str, Span | None]) -> list[Span]:
    """The placed spans under the nearest ancestor of ``pointer`` that has any (siblings, then cousins)."""
    prefix = pointer
    while prefix:
        prefix = prefix[: prefix.rfind("/")]
        below = prefix + "/"
        spans = [s for p, s in chosen.items() if s is not None and p != pointer and p.startswith(below)]
        if spans:
            return spans
    return []


def _apart(a: Span, b: Span, breaks: list[int]) -> int:
    """Sentence or line breaks between two spans (0 in the same sentence or line)."""
    first, second = (a, b) if a[0] <= b[0] else (b, a)
    return max(0, bisect_left(breaks, second[0]) - bisect_left(breaks, first[1]))


def _gap(a: Span, b: Span) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def must_ground(schema: Schema, value: Any, *, all_strings: bool = False) -> list[str]:
    """The pointers of ``value``'s leaves that must have a span.

    A leaf must when the nearest schema node above it (or itself) that says
    ``"x-grounded"`` says ``true``; with ``all_strings``, also every string leaf
    that is not an ``enum`` / ``const`` (those are the schema's words, chosen,
    not copied) unless a node says ``"x-grounded": false`` (a summary, a
    translation).  Follows properties, items, local ``$ref`` and combinator
    branches, as `formats.normalise` does.
    """
    found: list[str] = []
    _marked(schema, schema, value, "", None, all_strings, found, 0)
    return found


def _marked(
    root: Schema,
    node: Any,
    value: Any,
    pointer: str,
    mark: bool | None,
    all_strings: bool,
    found: list[str],
    depth: int,
) -> None:
    node = resolve_local_ref(root, node) if isinstance(node, dict) else {}
    branches = _branches(root, node) if depth < 32 else [node]
    own = next((b[GROUNDED] for b in branches if isinstance(b.get(GROUNDED), bool)), None)
    mark = own if own is not None else mark
    if isinstance(value, dict):
        for key, item in value.items():
            child = _child(branches, "properties", key, "additionalProperties")
            _marked(root, child, item, f"{pointer}/{escape(key)}", mark, all_strings, found, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            child = _item(branches, index)
            _marked(root, child, item, f"{pointer}/{index}", mark, all_strings, found, depth + 1)
    elif value is not None and value != "":
        copied = isinstance(value, str) and not _chosen(branches)
        if mark is True or (mark is None and all_strings and copied):
            found.append(pointer)


def _chosen(branches: list[dict[str, Any]]) -> bool:
    """A value from the schema's own list (``enum``, ``const``): a choice, not a quote."""
    return any("enum" in branch or "const" in branch for branch in branches)


def _branches(root: Schema, node: dict[str, Any]) -> list[dict[str, Any]]:
    """``node`` and the (resolved) schemas of its ``allOf`` / ``anyOf`` / ``oneOf``, depth first."""
    result = [node]
    for key in ("allOf", "anyOf", "oneOf"):
        listed = node.get(key)
        for branch in listed if isinstance(listed, list) else []:
            if isinstance(branch, dict):
                result.extend(_branches(root, resolve_local_ref(root, branch)))
    return result


def _child(branches: list[dict[str, Any]], key_word: str, key: str, fallback: str) -> Any:
    for branch in branches:
        children = branch.get(key_word)
        if isinstance(children, dict) and key in children:
            return children[key]
    return next((b[fallback] for b in branches if isinstance(b.get(fallback), dict)), None)


def _item(branches: list[dict[str, Any]], index: int) -> Any:
    for branch in branches:
        prefix = branch.get("prefixItems")
        if isinstance(prefix, list) and index < len(prefix):
            return prefix[index]
    return next((b["items"] for b in branches if isinstance(b.get("items"), dict)), None)


class Finder:
    """Every place in one text where a value is written, tier by tier; the text's numbers, dates and
    times are read once, on first need."""

    def __init__(self, text: str) -> None:
        self.text = text

    def candidates(self, value: Any, written: str | None = None) -> list[Span]:
        """The spans of the first tier that finds ``value`` (empty when none does)."""
        if isinstance(value, bool) or value is None:
            return []
        if isinstance(value, int | float):
            return self.number(float(value))
        if not isinstance(value, str):
            return []
        forms = [form for form in dict.fromkeys([value.strip(), (written or "").strip()]) if form]
        for tier in (self.exact, self.loose):
            spans = _unique(span for form in forms for span in tier(form))
            if spans:
                return spans
        return self.normalised(value)

    def exact(self, form: str) -> list[Span]:
        spans: list[Span] = []
        at = self.text.find(form)
        while at >= 0 and len(spans) < MAX_CANDIDATES:
            spans.append((at, at + len(form)))
            at = self.text.find(form, at + 1)
        return self._whole_words(spans)

    def loose(self, form: str) -> list[Span]:
        pattern = _loose_pattern(form)
        if pattern is None:
            return []
        spans = [m.span() for _, m in zip(range(MAX_CANDIDATES), pattern.finditer(self.text), strict=False)]
        return self._whole_words(spans)

    def normalised(self, value: str) -> list[Span]:
        """A string read by meaning: an ISO date, time or date-time, or a number written as a string."""
        if match := _ISO_DATE.match(value):
            return self.date(_date(*match.groups()))
        if match := _ISO_DATE_TIME.match(value):
            y, mo, d, h, mi, s, f = match.groups()
            day = _date(y, mo, d)
            clock = _Clock.of(h, mi, s, f)
            return self.date_time(day, clock) if day is not None and clock is not None else []
        if match := _ISO_TIME.match(value):
            clock = _Clock.of(*match.groups())
            return self.time(clock) if clock is not None else []
        if _NUMERIC_STRING.match(value):
            return self.number(float(value))
        return []

    def number(self, value: float) -> list[Span]:
        """Numbers that stand alone, then numbers in words, then parts of dates, times and ranges."""
        for found in (self._numbers, self._number_words, self._number_parts):
            spans = _unique((f.start, f.end) for f in found if _same_number(f.value, value))
            if spans:
                return spans
        return []

    def date(self, day: dt.date | None) -> list[Span]:
        return _unique((f.start, f.end) for f in self._dates if f.value == day)

    def time(self, clock: _Clock) -> list[Span]:
        return _unique((f.start, f.end) for f in self._times if f.value == clock)

    def date_time(self, day: dt.date, clock: _Clock) -> list[Span]:
        """A date and a time written next to each other (either order); a midnight value may stand on its
        date alone (the model completed a date to a date-time)."""
        days = [f for f in self._dates if f.value == day]
        times = [f for f in self._times if f.value == clock]
        spans: list[Span] = []
        for d in days:
            for t in times:
                first, second = (d, t) if d.start <= t.start else (t, d)
                gap = self.text[first.end : second.start]
                if 0 <= len(gap) <= _GAP_CHARS and _DATE_TIME_GAP.match(gap):
                    spans.append((first.start, second.end))
        if not spans and clock == _Clock(0, 0, 0, ""):
            spans = [(d.start, d.end) for d in days]
        return _unique(spans)

    # -- what the text holds, read once --------------------------------------------------------------
    @cached_property
    def _numbers(self) -> list[_Found]:
        found: list[_Found] = []
        for match in _NUMBER.finditer(self.text):
            if not _JOINERS.search(match.group()):
                found.extend(self._read_number(match.start(), match.end()))
        return found

    @cached_property
    def _number_parts(self) -> list[_Found]:
        found: list[_Found] = []
        for match in _NUMBER.finditer(self.text):
            if _JOINERS.search(match.group()):
                start = match.start()
                for part in re.finditer(r"[^:/-]+", match.group()):
                    found.extend(self._read_number(start + part.start(), start + part.end(), alone=False))
        return found

    def _read_number(self, start: int, end: int, *, alone: bool = True) -> list[_Found]:
        """What the digits at ``start:end`` mean: each reading, scaled ("80k") and negated ("-4")."""
        token = self.text[start:end]
        readings = _readings(token)
        if not readings:  # an IP address, a version, a list: its pieces stand alone
            return [
                _Found(start + piece.start(), start + piece.end(), float(piece.group()))
                for piece in re.finditer(r"\d+", token)
            ]
        found = [_Found(start, end, reading) for reading in readings]
        scale = _SCALE_AFTER.match(self.text, end)
        if scale is not None:
            factor = 1000 if scale.group(1) else _SCALES[scale.group(2).lower()]
            found.extend(_Found(start, scale.end(), reading * factor) for reading in readings)
        before = self.text[start - 1] if start else ""
        if alone and before and before in _MINUS and (start < 2 or not self.text[start - 2].isalnum()):
            found.extend(_Found(start - 1, end, -reading) for reading in readings)
        return found

    @cached_property
    def _number_words(self) -> list[_Found]:
        found: list[_Found] = []
        for match in _WORD_RUN.finditer(self.text):
            words = re.findall(r"[a-z]+", match.group().lower())
            number = _words_value([w for w in words if w != "and"])
            if number is not None:
                found.append(_Found(match.start(), match.end(), float(number)))
        return found

    @cached_property
    def _dates(self) -> list[_Found]:
        found: list[_Found] = []
        for pattern in _DATE_PATTERNS:
            for match in pattern.finditer(self.text):
                groups = match.groupdict()
                year = groups["year"]
                if len(year) == 2:
                    year = "20" + year
                if "a" in groups:  # numeric, order unknown: both readings
                    pairs = [(groups["b"], groups["a"]), (groups["a"], groups["b"])]
                else:
                    month = groups.get("m") or str(_month_number(groups["month"]))
                    pairs = [(month, groups["d"])]
                    if groups.get("d2"):
                        pairs.append((month, groups["d2"]))
                for month, day in pairs:
                    date = _date(year, month, day)
                    if date is not None:
                        found.append(_Found(match.start(), match.end(), date))
        return found

    @cached_property
    def _times(self) -> list[_Found]:
        found: list[_Found] = []
        for pattern in _TIME_PATTERNS:
            for match in pattern.finditer(self.text):
                groups = match.groupdict()
                clock = _Clock.of(
                    groups["h"], groups.get("m") or "0", groups.get("s"), groups.get("f"), groups["ampm"]
                )
                if clock is not None:
                    found.append(_Found(match.start(), match.end(), clock))
        return found

    def _whole_words(self, spans: list[Span]) -> list[Span]:
        """The spans that do not cut a word, a number or a letter's accents in two; all of them when
        every one does (scripts without spaces between words)."""
        spans = [(start, self._past_marks(end)) for start, end in spans]
        whole = [span for span in spans if self._edge(span[0]) and self._edge(span[1])]
        return whole or spans

    def _past_marks(self, at: int) -> int:
        """``at`` moved past the combining marks there: a span never cuts a letter from its accent."""
        while at < len(self.text) and _is_mark(self.text[at]):
            at += 1
        return at

    def _edge(self, at: int) -> bool:
        if at <= 0 or at >= len(self.text):
            return True
        before, after = self.text[at - 1], self.text[at]
        return not _is_mark(after) and not (before.isalnum() and after.isalnum())


def _is_mark(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Mc", "Me")


def _unique(spans: Iterable[Span]) -> list[Span]:
    return sorted(set(spans))[:MAX_CANDIDATES]


def _loose_pattern(form: str) -> re.Pattern[str] | None:
    """A pattern for ``form`` that ignores case, whitespace runs, composition, quote and dash styles."""
    parts: list[str] = []
    for chunk in re.split(r"(\s+)", unicodedata.normalize("NFC", form)):
        if not chunk:
            continue
        if chunk.isspace():
            parts.append(r"\s+")
            continue
        for char in chunk:
            parts.append(_char_pattern(char))
    return re.compile("".join(parts), re.IGNORECASE) if parts else None


def _char_pattern(char: str) -> str:
    for group in _LOOKALIKES:
        if char in group:
            return "[" + re.escape(group) + "]"
    forms = {char, unicodedata.normalize("NFD", char), unicodedata.normalize("NFKC", char)}
    if len(forms) == 1:
        return re.escape(char)
    return "(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + ")"


def _readings(token: str) -> list[float]:
    """The numbers a run of digits and separators can mean; empty when it is not one number."""
    if token.isdigit():
        return [float(int(token))]
    readings: list[float] = []
    if re.fullmatch(r"\d+\.\d+", token):
        readings.append(float(token))
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", token):
        readings.append(float(token.replace(",", "")))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", token):
        readings.append(float(token.replace(".", "").replace(",", ".")))
    if re.fullmatch(r"\d+,\d+", token):
        readings.append(float(token.replace(",", ".")))
    return readings


def _words_value(words: list[str]) -> int | None:
    """``["one", "hundred", "five"]`` → 105; None for a run that is not one number ("ten five")."""
    total = current = 0
    last = ""
    for word in words:
        n = _NUMBER_WORDS[word]
        if word in ("hundred", "dozen"):
            current = (current or 1) * n
        elif word in _SCALES:
            total += (current or 1) * n
            current = 0
        elif word in _TENS:
            if current % 100:
                return None
            current += n
        else:  # a unit, a teen or an ordinal: after nothing, a scale or a ten ("twenty-one")
            if current % 100 and last not in _TENS:
                return None
            current += n
        last = word
    return total + current


def _same_number(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _month_number(name: str) -> int:
    name = name.lower().rstrip(".")
    return next(n for n, full in enumerate(_MONTH_NAMES, 1) if full.startswith(name[:3]))


def _date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
