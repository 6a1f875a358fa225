"""Writing helpers for the quality tasks: the ways people write dates, times, money and counts.

Every helper returns both the text as a person would write it and the value the extraction is expected
to produce, following the benchmark's conventions (see ``bench/quality_tasks.py``).  A `Writer` wraps
one seeded `random.Random` and records tags ("date-words", "number-words", ...) that say which of these
difficulties a task contains, so failures can be grouped by cause.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .pools import CITIES, FIRST_NAMES, LAST_NAMES, STREETS

T = TypeVar("T")

Schema = dict[str, Any]
# Schema atoms the task modules share.
STRING: Schema = {"type": "string"}
EMAIL: Schema = {"type": "string", "format": "email"}
DATE: Schema = {"type": "string", "format": "date"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}
STRINGS: Schema = {"type": "array", "items": {"type": "string"}}
MONEY: Schema = {"type": "number", "minimum": 0}


def array(items: Schema, min_items: int = 1) -> Schema:
    return {"type": "array", "items": items, "minItems": min_items}


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}

_ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(n: int) -> str:
    """English words for 0..999,999: 32 -> "thirty-two", 1205 -> "one thousand two hundred five"."""
    if not 0 <= n < 1_000_000:
        raise ValueError(f"number_words covers 0..999999, not {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    rest = n % 1000
    return number_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + number_words(rest))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def ascii_fold(text: str) -> str:
    """ "Müller" -> "Muller": addresses and ids are written without accents."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def slug(text: str) -> str:
    return "".join(ch for ch in ascii_fold(text).lower() if ch.isalnum())


def grouped(amount: float, decimals: int = 2) -> str:
    return f"{amount:,.{decimals}f}"


@dataclass(frozen=True)
class Draft:
    """One task before numbering: the document, the right answer (None when an error is right), tags."""

    text: str
    expected: Any
    expect_error: bool = False
    tags: tuple[str, ...] = ()
    # How the date, time, count and money helpers wrote each value: (as written, the expected value).
    forms: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Spec:
    """One schema of the benchmark and how to write documents for it.

    ``make(writer, trap)`` returns a `Draft`; with ``trap`` the document holds a value that does not
    fit its field's format (the field is then absent from the answer, or the task expects an error).
    """

    name: str
    level: str
    schema: Schema
    make: Callable[[Writer, bool], Draft]
    count: int
    has_trap: bool = False


def obj(properties: dict[str, Any], required: Sequence[str], **extra: Any) -> Schema:
    """An object schema that allows no other keys (what extraction schemas usually say)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
        **extra,
    }


def keep(mapping: dict[str, Any]) -> dict[str, Any]:
    """``mapping`` without the keys whose value is None: how optional fields the text lacks are left out."""
    return {key: value for key, value in mapping.items() if value is not None}


class Writer:
    """A seeded random source with the writing habits of real documents; collects difficulty tags.

    Helpers that tag (``date``, ``clock``, ``moment``, ``count``, ``money``) must be called for text that
    ends up in the document: compute the pieces first, then pick among templates that all use them
    (the alternatives of a ``pick`` are all evaluated).
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.tags: set[str] = set()
        self.forms: list[tuple[str, Any]] = []

    def form(self, written: str, value: Any) -> str:
        """Note how a value was written (the benchmark's record of where a value stands in the text)."""
        self.forms.append((written, value))
        return written

    def pair(self, written: str, value: Any) -> tuple[str, Any]:
        self.form(written, value)
        return written, value

    # -- plain randomness -------------------------------------------------------------------------
    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def sample(self, options: Sequence[T], k: int) -> list[T]:
        return self.rng.sample(list(options), k)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def between(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def shuffled(self, items: Sequence[T]) -> list[T]:
        out = list(items)
        self.rng.shuffle(out)
        return out

    def tag(self, *names: str) -> None:
        self.tags.update(names)

    def draft(self, text: str, expected: Any, *, expect_error: bool = False) -> Draft:
        return Draft(text.strip() + "\n", expected, expect_error, tuple(sorted(self.tags)), tuple(self.forms))

    # -- people, places, ids ------------------------------------------------------------------------
    def person(self) -> tuple[str, str]:
        return self.pick(FIRST_NAMES), self.pick(LAST_NAMES)

    def email(self, first: str, last: str, domain: str | None = None) -> str:
        domain = domain or self.pick(("example.com", "mail.example.org", "example.net", "inbox.example.io"))
        style = self.pick(("{f}.{l}", "{f}{l}", "{i}{l}", "{f}_{l}"))
        local = style.format(f=slug(first), l=slug(last), i=slug(first)[:1])
        return f"{local}@{domain}"

    def company_domain(self, company: str) -> str:
        return slug(company.split()[0]) + self.pick((".com", ".io", ".eu", ".co.uk"))

    def city(self) -> tuple[str, str, str]:
        city, country, shape = self.pick(CITIES)
        return city, country, shape.format(self.between(1, 9))

    def street(self) -> str:
        return f"{self.between(2, 180)} {self.pick(STREETS)}"

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ipv4(self, private: bool = True) -> str:
        if private:
            return f"10.{self.between(0, 40)}.{self.between(0, 254)}.{self.between(2, 254)}"
        return f"{self.between(11, 223)}.{self.between(0, 255)}.{self.between(0, 255)}.{self.between(1, 254)}"

    def phone(self) -> str:
        return self.pick(
            ("+44 7700 9{:05d}", "+34 612 {:06d}", "(312) 555-{:04d}", "+49 151 {:07d}", "06 {:08d}")
        ).format(self.between(0, 9999))

    def code(self, prefix: str, digits: int) -> str:
        return f"{prefix}{self.between(10 ** (digits - 1), 10**digits - 1)}"

    # -- dates and times ------------------------------------------------------------------------------
    def day(self, start: dt.date = dt.date(2024, 1, 1), span: int = 800) -> dt.date:
        return start + dt.timedelta(days=self.between(0, span))

    def date(
        self, d: dt.date, styles: Sequence[str] = ("iso", "us", "us_ord", "eu", "short", "weekday")
    ) -> str:
        """``d`` as written in a document; the expected value is always ``d.isoformat()``."""
        style = self.pick(styles)
        if style != "iso":
            self.tag("date-words")
        month = MONTHS[d.month - 1]
        return self.form(
            {
                "iso": d.isoformat(),
                "us": f"{month} {d.day}, {d.year}",
                "us_ord": f"{month} {ordinal(d.day)}, {d.year}",
                "eu": f"{d.day} {month} {d.year}",
                "short": f"{month[:3]} {d.day}, {d.year}",
                "weekday": f"{WEEKDAYS[d.weekday()]}, {d.day} {month} {d.year}",
                "dotted": f"{d.day:02d}.{d.month:02d}.{d.year}",
            }[style],
            d.isoformat(),
        )

    def clock(
        self, hour: int, minute: int, second: int | None = None, styles: Sequence[str] = ("24", "12")
    ) -> tuple[str, str]:
        """A time of day as written and its expected ``time`` value (seconds and ``Z`` added when absent)."""
        style = self.pick(styles)
        expected = f"{hour:02d}:{minute:02d}:{second or 0:02d}Z"
        if style == "12":
            self.tag("time-12h")
            h12 = hour % 12 or 12
            suffix = (
                self.pick((" pm", " PM", "pm", " p.m.")) if hour >= 12 else self.pick((" am", " AM", "am"))
            )
            text = f"{h12}{suffix}" if minute == 0 and second is None else f"{h12}:{minute:02d}{suffix}"
            return self.pair(text, expected)
        if second is not None:
            return self.pair(f"{hour:02d}:{minute:02d}:{second:02d}", expected)
        return self.pair(f"{hour:02d}:{minute:02d}", expected)

    def moment(
        self, when: dt.datetime, styles: Sequence[str] = ("iso_t", "iso_space", "words")
    ) -> tuple[str, str]:
        """A date-time as written and its expected value: a text without UTC offset gets ``Z``."""
        style = self.pick(styles)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S")
        if style == "iso_t":
            return self.pair(stamp, stamp + "Z")
        if style == "iso_z":
            return self.pair(stamp + "Z", stamp + "Z")
        if style == "iso_micro":
            micro = f"{self.between(0, 999999):06d}"
            return self.pair(f"{stamp}.{micro}", f"{stamp}.{micro}Z")
        if style == "iso_offset":
            self.tag("utc-offset")
            offset = self.pick(("+01:00", "+02:00", "-05:00", "+05:30", "-08:00"))
            return self.pair(stamp + offset, stamp + offset)
        if style == "iso_space":
            return self.pair(stamp.replace("T", " "), stamp + "Z")
        if style == "log_comma":  # Python's logging default: "2024-05-01 10:22:03,123"
            millis = f"{self.between(0, 999):03d}"
            return self.pair(f"{stamp.replace('T', ' ')},{millis}", f"{stamp}.{millis}Z")
        if style == "dotted":  # receipts and European forms: "03.03.2025 14:32:10"
            return self.pair(when.strftime("%d.%m.%Y %H:%M:%S"), stamp + "Z")
        if style == "words":
            self.tag("date-words")
            day = self.date(when.date(), ("us", "eu", "short", "us_ord"))
            clock, _ = self.clock(when.hour, when.minute)
            text = f"{day} at {clock}" if self.chance(0.6) else f"{day}, {clock}"
            return self.pair(text, when.strftime("%Y-%m-%dT%H:%M:00Z"))
        raise ValueError(style)

    def instant(
        self, start: dt.date = dt.date(2024, 1, 1), span: int = 800, seconds: bool = True
    ) -> dt.datetime:
        base = dt.datetime.combine(self.day(start, span), dt.time())
        return base + dt.timedelta(
            hours=self.between(6, 22),
            minutes=self.between(0, 59),
            seconds=self.between(0, 59) if seconds else 0,
        )

    # -- numbers, counts, money --------------------------------------------------------------------
    def count(self, n: int, words: float = 0.4) -> str:
        """A small count, in digits or (``words`` of the time) in words: "thirty-two"."""
        if self.chance(words):
            self.tag("number-words")
            return self.form(number_words(n), n)
        return self.form(str(n), n)

    def money(
        self, amount: float, currency: str, styles: Sequence[str] = ("symbol", "code_after", "code_before")
    ) -> str:
        """An amount as written ("$1,299.00", "1,299.00 EUR"); the expected value is the bare number."""
        style = self.pick(styles)
        symbol = SYMBOLS.get(currency)
        if style == "symbol" and symbol:
            self.tag("money-symbol")
            return self.form(f"{symbol}{grouped(amount)}", amount)
        if style == "code_before":
            return self.form(f"{currency} {grouped(amount)}", amount)
        if style == "plain":
            return self.form(f"{amount:.2f}", amount)
        return self.form(f"{grouped(amount)} {currency}", amount)

    def price(self, low: float, high: float, cents: bool = True) -> float:
        value = self.rng.uniform(low, high)
        return round(value, 2) if cents else float(round(value))
