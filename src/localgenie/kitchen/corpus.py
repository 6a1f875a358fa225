"""Importing recipe corpora: JSONL (optionally gzip'd, the shared corpus format), CSV, and HTML pages or
JSON-LD carrying a schema.org Recipe.

Imports are idempotent and resumable: each recipe has a key (hash of title + ingredient lines) so a
recipe is stored once however often it is imported, and the number of rows already committed is recorded
in the same transaction as the rows themselves, so a rerun after a crash (even ``kill -9``) skips straight
to where the last committed batch ended.  Bad rows are skipped and counted; a file with no usable row in
its first batch is rejected as "not what it claims".
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import multiprocessing
import os
import sqlite3
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, get_args

from localgenie.errors import BadInput
from localgenie.kitchen import vocab
from localgenie.kitchen.db import Transaction
from localgenie.kitchen.ingredients import ParsedIngredient, parse_line

BATCH = 2000
PARALLEL_MIN_BYTES = 2_000_000  # below this, starting worker processes costs more than it saves
Diet = Literal["vegetarian", "vegan", "gluten-free", "dairy-free", "nut-free"]
DIETS: tuple[Diet, ...] = get_args(Diet)
# How a diet is stored: one letter each in the recipes table's ``diet`` column (in DIETS order; stored
# data, so a letter never changes), and one bit each in the diet array `suggest` filters on.
DIET_LETTERS: dict[str, str] = dict(zip(DIETS, "VGWDN", strict=True))
DIET_BITS: dict[str, int] = {letter: 1 << i for i, letter in enumerate(DIET_LETTERS.values())}

# recipe-scrapers needs an http(s) URL with a host; local files get this placeholder (never stored).
_LOCAL_HOST = "local.invalid"

Progress = Callable[[float, int], None]  # (fraction of the file read, rows seen)


@dataclass(frozen=True)
class RecipeRecord:
    """A recipe as read from a file, before parsing its ingredient lines."""

    title: str
    ingredients: list[str]
    directions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source: str | None = None
    url: str | None = None
    servings: float | None = None
    total_time_min: int | None = None

    @property
    def key(self) -> str:
        text = (
            self.title.strip().lower() + "\n" + "\n".join(line.strip().lower() for line in self.ingredients)
        )
        return hashlib.sha1(text.encode()).hexdigest()


@dataclass
class ImportReport:
    path: str
    rows: int = 0
    added: int = 0
    duplicates: int = 0
    skipped: int = 0
    resumed_from: int = 0
    skip_reasons: list[str] = field(default_factory=list)


class BadRow(ValueError):
    """One row that is not a usable recipe; counted and skipped."""


def _strings(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRow(f"{what} is not a list of strings")
    return [v.strip() for v in value if v.strip()]


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        digits = "".join(c for c in value.split()[0] if c.isdigit() or c == ".") if value.split() else ""
        try:
            return float(digits) if digits else None
        except ValueError:
            return None
    return None


def record_from_dict(obj: Any) -> RecipeRecord:
    """A record from one JSON object in the shared corpus format (title, ingredients, directions...)."""
    if not isinstance(obj, dict):
        raise BadRow("not a JSON object")
    title = obj.get("title")
    if not isinstance(title, str) or not title.strip():
        raise BadRow("no title")
    ingredients = _strings(obj.get("ingredients"), "ingredients")
    if not ingredients:
        raise BadRow("no ingredients")
    time = _number(obj.get("total_time_min", obj.get("total_time")))
    return RecipeRecord(
        title=title.strip(),
        ingredients=ingredients,
        directions=_strings(obj.get("directions") or [], "directions"),
        tags=_strings(obj.get("tags") or [], "tags"),
        source=obj.get("source") if isinstance(obj.get("source"), str) else None,
        url=obj.get("url") if isinstance(obj.get("url"), str) else None,
        servings=_number(obj.get("servings")),
        total_time_min=int(time) if time is not None else None,
    )


def _iso_minutes(value: Any) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    import isodate  # type: ignore[import-untyped]

    try:
        return int(isodate.parse_duration(value).total_seconds() // 60)
    except (isodate.ISO8601Error, ValueError, AttributeError):
        return None


def _instructions(value: Any) -> list[str]:
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    steps: list[str] = []
    if isinstance(value, list):
        for v in value:
            if isinstance(v, str):
                steps.append(v.strip())
            elif isinstance(v, dict):
                if "itemListElement" in v:
                    steps.extend(_instructions(v["itemListElement"]))
                elif isinstance(v.get("text"), str):
                    steps.append(v["text"].strip())
    return [s for s in steps if s]


def record_from_jsonld(obj: dict[str, Any]) -> RecipeRecord:
    """A record from a schema.org Recipe object (JSON-LD)."""
    return record_from_dict(
        {
            "title": obj.get("name"),
            "ingredients": obj.get("recipeIngredient") or obj.get("ingredients"),
            "directions": _instructions(obj.get("recipeInstructions")),
            "servings": yields[0]
            if isinstance(yields := obj.get("recipeYield"), list) and yields
            else yields,
            "total_time_min": _iso_minutes(obj.get("totalTime"))
            or (lambda p, c: (p + c) if p is not None and c is not None else None)(
                _iso_minutes(obj.get("prepTime")), _iso_minutes(obj.get("cookTime"))
            ),
            "url": obj.get("url"),
            "tags": [t.strip() for t in obj["keywords"].split(",")]
            if isinstance(obj.get("keywords"), str)
            else [],
        }
    )


def _find_jsonld_recipes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for d in data:
            yield from _find_jsonld_recipes(d)
    elif isinstance(data, dict):
        kind = data.get("@type")
        if kind == "Recipe" or (isinstance(kind, list) and "Recipe" in kind):
            yield data
        if "@graph" in data:
            yield from _find_jsonld_recipes(data["@graph"])


def _html_records(html: str, url: str) -> list[RecipeRecord]:
    """schema.org Recipe from an HTML page: JSON-LD / microdata via recipe-scrapers' schema.org parser."""
    from recipe_scrapers import scrape_html

    try:
        scraper: Any = scrape_html(html, org_url=url, supported_only=False)
        total = scraper.total_time()
        yields = scraper.yields()
        return [
            record_from_dict(
                {
                    "title": scraper.title(),
                    "ingredients": scraper.ingredients(),
                    "directions": scraper.instructions_list(),
                    "total_time_min": total if isinstance(total, (int, float)) else None,
                    "servings": yields,
                    "url": None if _LOCAL_HOST in url else url,
                }
            )
        ]
    except BadRow:
        raise
    except Exception as exc:
        raise BadRow(f"no schema.org Recipe found ({type(exc).__name__})") from exc


class _Counting(io.RawIOBase):
    """Counts bytes read from the underlying file, for a progress bar over gzip'd input."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.raw.read(len(b))
        b[: len(data)] = data
        self.count += len(data)
        return len(data)


def _rows(path: Path, kind: str, counter: _Counting) -> Iterator[Any]:
    """Yield raw rows (dicts, or BadRow instances for unreadable ones) from a JSONL or CSV stream."""
    stream: IO[bytes] = io.BufferedReader(counter, 1 << 16)
    if kind.endswith(".gz"):
        stream = gzip.GzipFile(fileobj=stream)  # type: ignore[assignment]
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="")
    if kind.startswith("jsonl"):
        for line in text:
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                yield BadRow(f"invalid JSON ({exc.msg})")
    else:
        reader = csv.DictReader(text)
        for row in reader:
            obj: dict[str, Any] = {(k or "").strip().lower(): v for k, v in row.items()}
            raw = (obj.get("ingredients") or "").strip()
            if raw.startswith("["):
                try:
                    obj["ingredients"] = json.loads(raw)
                except json.JSONDecodeError:
                    yield BadRow("ingredients column is not a JSON list")
                    continue
            else:
                sep = "\n" if "\n" in raw else "|"
                obj["ingredients"] = [p for p in raw.split(sep) if p.strip()]
            directions = obj.get("directions") or ""
            obj["directions"] = [p for p in directions.split("\n") if p.strip()]
            obj["tags"] = [t.strip() for t in (obj.get("tags") or "").split(",") if t.strip()]
            yield obj


def detect_kind(path: Path) -> str:
    """'jsonl', 'jsonl.gz', 'csv', 'csv.gz', 'html' or 'jsonld': from the name, checked against the bytes."""
    name = path.name.lower()
    with path.open("rb") as fh:
        head = fh.read(4096)
    gz = head[:2] == b"\x1f\x8b"
    if name.endswith(".gz") and not gz:
        raise BadInput(f"{path} is named .gz but is not gzip data")
    if gz:
        try:
            with gzip.open(path, "rb") as g:
                head = g.read(4096)
        except (OSError, EOFError, zlib.error) as exc:
            raise BadInput(f"{path} is not valid gzip data: {exc}") from exc
    base = name.removesuffix(".gz")
    sniff = head.lstrip()[:1]
    if base.endswith((".html", ".htm")) or sniff == b"<":
        return "html"
    if base.endswith(".csv"):
        return "csv.gz" if gz else "csv"
    if base.endswith(".json") and not base.endswith(".jsonl"):
        return "jsonld"
    if sniff in (b"{", b"["):
        return "jsonl.gz" if gz else "jsonl"
    if b"\x00" in head:
        raise BadInput(f"{path} is binary, not a recipe file (JSONL, CSV, HTML or JSON-LD)")
    return "csv.gz" if gz else "csv"


def fingerprint(path: Path) -> str:
    """Size + first and last 64 KiB: cheap, and changes when the file is replaced or appended to."""
    size = path.stat().st_size
    h = hashlib.sha1(str(size).encode())
    with path.open("rb") as fh:
        h.update(fh.read(1 << 16))
        if size > 1 << 16:
            fh.seek(max(0, size - (1 << 16)))
            h.update(fh.read())
    return h.hexdigest()


def diet_flags(keys_and_lines: list[tuple[str, str | None, str]]) -> str:
    """Letters of the diets a recipe fits (see DIET_LETTERS), from the tags of each ingredient.
    Unknown ingredients borrow the tags of words they contain (`vocab.tags_for`), erring toward exclusion."""
    tags: set[str] = set()
    for key, canonical, text in keys_and_lines:
        tags |= vocab.tags_for(canonical, text)
        if key == "gelatin":
            tags.add("M")
    flags = ""
    if not tags & {"M", "F"}:
        flags += "V"
        if not tags & {"D", "E", "A"}:
            flags += "G"
    if "G" not in tags:
        flags += "W"
    if "D" not in tags:
        flags += "D"
    if "N" not in tags:
        flags += "N"
    return flags


PreparedRow = tuple[tuple[Any, ...], list[str]]  # (values for INSERT INTO recipes, ingredient keys)


def _prepare(rec: RecipeRecord) -> PreparedRow:
    """Parse a record's ingredient lines into the stored row: pure CPU work, so it can run in a worker."""
    return _row(rec, [parse_line(line) for line in rec.ingredients])


def _row(rec: RecipeRecord, parsed: list[ParsedIngredient]) -> PreparedRow:
    keys = sorted({p.key for p in parsed if p.key})
    lines = [[p.text, p.quantity, p.unit, p.key] for p in parsed]
    diet = diet_flags([(p.key, p.canonical, p.name) for p in parsed])
    values = (
        rec.key,
        rec.title,
        rec.source,
        rec.url,
        rec.servings,
        rec.total_time_min,
        json.dumps(rec.tags),
        json.dumps(rec.directions),
        json.dumps(lines),
        len(keys),
        "|".join(keys),
        diet,
    )
    return values, keys


def _store(conn: sqlite3.Connection, prepared: PreparedRow) -> bool:
    values, keys = prepared
    cur = conn.execute(
        "INSERT OR IGNORE INTO recipes(key, title, source, url, servings, total_time_min, tags, directions,"
        " lines, n_keys, keys, diet) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    if cur.rowcount != 1:
        return False
    recipe_id = cur.lastrowid
    conn.executemany(
        "INSERT OR IGNORE INTO recipe_keys(key, recipe_id) VALUES (?, ?)", [(k, recipe_id) for k in keys]
    )
    return True


def save_recipe(conn: sqlite3.Connection, rec: RecipeRecord, parsed: list[ParsedIngredient]) -> int:
    """Store one recipe whose ingredients are already structured (a generated recipe) and return its id,
    the existing id when the same recipe is stored already.  Stored like an imported recipe, it can be
    cooked, scaled, shopped for and suggested again.  Fresh posting lists are extended in place, so
    saving does not cost the next `suggest` a full rebuild."""
    fresh = conn.execute("SELECT value FROM meta WHERE name = 'postings_version'").fetchone()
    fresh_before = fresh is not None and fresh[0] == _recipes_version(conn)
    values, keys = _row(rec, parsed)
    with Transaction(conn):
        added = _store(conn, (values, keys))
        (recipe_id,) = conn.execute("SELECT id FROM recipes WHERE key = ?", (rec.key,)).fetchone()
        if added and fresh_before:
            _extend_postings(conn, int(recipe_id), keys)
    return int(recipe_id)


def _extend_postings(conn: sqlite3.Connection, recipe_id: int, keys: list[str]) -> None:
    import numpy as np

    for key in keys:
        row = conn.execute("SELECT ids FROM postings WHERE key = ?", (key,)).fetchone()
        ids = np.frombuffer(row[0], dtype="<i4") if row else np.zeros(0, dtype="<i4")
        ids = np.append(ids, np.int32(recipe_id)).astype("<i4")
        conn.execute("INSERT OR REPLACE INTO postings(key, ids) VALUES (?, ?)", (key, ids.tobytes()))
    n, flags, minutes = conn.execute(
        "SELECT n_keys, diet, total_time_min FROM recipes WHERE id = ?", (recipe_id,)
    ).fetchone()
    values = {
        "n_keys": n,
        "diet": sum(DIET_BITS[c] for c in flags),
        "minutes": np.nan if minutes is None else minutes,
    }
    for name, dtype in (("n_keys", "<i2"), ("diet", "u1"), ("minutes", "<f4")):
        (blob,) = conn.execute("SELECT data FROM recipe_arrays WHERE name = ?", (name,)).fetchone()
        array = np.frombuffer(blob, dtype=dtype).copy()
        if len(array) <= recipe_id:
            pad = np.full(recipe_id + 1 - len(array), np.nan if name == "minutes" else 0, dtype=dtype)
            array = np.concatenate([array, pad])
        array[recipe_id] = values[name]
        conn.execute("UPDATE recipe_arrays SET data = ? WHERE name = ?", (array.tobytes(), name))
    conn.execute(
        "INSERT OR REPLACE INTO meta(name, value) VALUES ('postings_version', ?)", (_recipes_version(conn),)
    )


@dataclass
class _Batch:
    """One batch of raw rows ending at row ``rows_done``, and (after `_prepare_batch`) its parsed form."""

    rows_done: int
    raw: list[Any]
    prepared: list[PreparedRow] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _prepare_batch(batch: _Batch) -> _Batch:
    first = batch.rows_done - len(batch.raw) + 1
    for offset, obj in enumerate(batch.raw):
        try:
            if isinstance(obj, BadRow):
                raise obj
            batch.prepared.append(_prepare(record_from_dict(obj)))
        except BadRow as exc:
            batch.skipped.append(f"row {first + offset}: {exc}")
    batch.raw = []  # not needed back from a worker
    return batch


def _die_with_parent() -> None:
    """Worker initializer: on Linux, ask to be killed when the importing process dies (even by kill -9),
    so a crashed import leaves no orphaned workers behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _workers(size: int) -> int:
    """Parsing workers: 2 on a multi-core machine for files worth the process start-up, else inline."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 if cores >= 2 and size >= PARALLEL_MIN_BYTES else 0


def import_file(conn: sqlite3.Connection, path: Path, progress: Progress | None = None) -> ImportReport:
    """Import a recipe file into the kitchen database (see module docstring for the guarantees)."""
    if not path.is_file():
        raise BadInput(f"{path} does not exist or is not a file")
    kind = detect_kind(path)
    report = ImportReport(str(path))
    if kind in ("html", "jsonld"):
        return _import_single(conn, path, kind, report)
    resolved, fp = str(path.resolve()), fingerprint(path)
    row = conn.execute(
        "SELECT rows_done, added, skipped, finished FROM imports WHERE path = ? AND fingerprint = ?",
        (resolved, fp),
    ).fetchone()
    start = int(row[0]) if row else 0
    report.resumed_from = start if row and not row[3] else 0
    if row and row[3]:
        report.rows = start
        report.duplicates = start - int(row[2])
        return report
    size = path.stat().st_size or 1
    workers = _workers(size)
    pool = multiprocessing.Pool(workers, initializer=_die_with_parent) if workers else None
    pending: deque[Any] = deque()
    index = start
    try:
        with path.open("rb") as raw:
            counter = _Counting(raw)
            for batch in _read_batches(_rows(path, kind, counter), start):
                index = batch.rows_done
                # Workers parse while this process writes: at most a few batches in flight, in file order.
                pending.append(pool.apply_async(_prepare_batch, (batch,)) if pool else _prepare_batch(batch))
                while len(pending) > (2 * workers if pool else 0):
                    _write_batch(conn, _result(pending.popleft()), report, resolved, fp)
                if progress:
                    progress(min(1.0, counter.count / size), index)
            while pending:
                _write_batch(conn, _result(pending.popleft()), report, resolved, fp)
            _write_batch(conn, _Batch(index, []), report, resolved, fp, finished=True)
    except (UnicodeDecodeError, EOFError, OSError, zlib.error, csv.Error) as exc:
        raise BadInput(f"{path} is not a readable {kind} file: {exc}") from exc
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    if progress:
        progress(1.0, index)
    if report.added:
        rebuild_postings(conn)
    report.rows = index
    return report


def _result(item: Any) -> _Batch:
    return item if isinstance(item, _Batch) else item.get()  # type: ignore[no-any-return]


def _read_batches(rows: Iterator[Any], start: int) -> Iterator[_Batch]:
    batch: list[Any] = []
    index = 0
    for index, obj in enumerate(rows, start=1):
        if index <= start:
            continue  # resuming: these rows were committed by an earlier run
        batch.append(obj)
        if len(batch) >= BATCH:
            yield _Batch(index, batch)
            batch = []
    if batch:
        yield _Batch(index, batch)


def _write_batch(
    conn: sqlite3.Connection, batch: _Batch, report: ImportReport, path: str, fp: str, finished: bool = False
) -> None:
    """Store one parsed batch and the import position in the same transaction (what makes resume exact)."""
    if batch.skipped and not batch.prepared and report.added + report.duplicates + report.skipped == 0:
        reasons = "; ".join(batch.skipped[:3])
        raise BadInput(
            f"{path} does not look like a recipe file: no usable recipe in its first rows ({reasons})"
        )
    report.skipped += len(batch.skipped)
    report.skip_reasons.extend(batch.skipped[: max(0, 5 - len(report.skip_reasons))])
    added = 0
    with Transaction(conn):
        for prepared in batch.prepared:
            if _store(conn, prepared):
                added += 1
            else:
                report.duplicates += 1
        conn.execute(
            "INSERT INTO imports(path, fingerprint, rows_done, added, skipped, finished)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(path, fingerprint) DO UPDATE SET rows_done = excluded.rows_done,"
            " added = imports.added + excluded.added, skipped = imports.skipped + excluded.skipped,"
            " finished = excluded.finished",
            (path, fp, batch.rows_done, added, len(batch.skipped), int(finished)),
        )
    report.added += added


def _import_single(conn: sqlite3.Connection, path: Path, kind: str, report: ImportReport) -> ImportReport:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path} is not UTF-8 text: {exc}") from exc
    try:
        if kind == "html":
            records = _html_records(text, f"https://{_LOCAL_HOST}/{path.name}")
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise BadInput(f"{path} is not valid JSON: {exc}") from exc
            records = [record_from_jsonld(r) for r in _find_jsonld_recipes(data)]
            if not records:
                raise BadRow("no schema.org Recipe object (@type Recipe) in the JSON")
    except BadRow as exc:
        raise BadInput(f"{path}: {exc}") from exc
    with Transaction(conn):
        for rec in records:
            report.rows += 1
            if _store(conn, _prepare(rec)):
                report.added += 1
            else:
                report.duplicates += 1
    if report.added:
        rebuild_postings(conn)
    return report


def rebuild_postings(conn: sqlite3.Connection) -> None:
    """Posting lists (ingredient key -> packed int32 recipe ids) and per-recipe arrays (ingredient count,
    diet bits, minutes) for `suggest`, which then scores every candidate with a few numpy operations instead
    of a GROUP BY over up to 100k index rows.  Rebuilt after each import; ``meta`` records which recipes
    they cover so a stale copy (e.g. after a killed import) is detected and rebuilt."""
    import numpy as np

    with Transaction(conn):
        conn.execute("DELETE FROM postings")
        current: str | None = None
        ids: list[int] = []
        rows: list[tuple[str, bytes]] = []
        for key, rid in conn.execute("SELECT key, recipe_id FROM recipe_keys ORDER BY key, recipe_id"):
            if key != current:
                if current is not None:
                    rows.append((current, np.asarray(ids, dtype="<i4").tobytes()))
                current, ids = key, []
            ids.append(rid)
        if current is not None:
            rows.append((current, np.asarray(ids, dtype="<i4").tobytes()))
        conn.executemany("INSERT INTO postings(key, ids) VALUES (?, ?)", rows)
        size = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM recipes").fetchone()[0])
        n_keys = np.zeros(size, dtype="<i2")
        diet = np.zeros(size, dtype="u1")
        minutes = np.full(size, np.nan, dtype="<f4")
        for rid, n, flags, time in conn.execute("SELECT id, n_keys, diet, total_time_min FROM recipes"):
            n_keys[rid] = n
            diet[rid] = sum(DIET_BITS[c] for c in flags)
            if time is not None:
                minutes[rid] = time
        conn.execute("DELETE FROM recipe_arrays")
        conn.executemany(
            "INSERT INTO recipe_arrays(name, data) VALUES (?, ?)",
            [("n_keys", n_keys.tobytes()), ("diet", diet.tobytes()), ("minutes", minutes.tobytes())],
        )
        conn.execute(
            "INSERT OR REPLACE INTO meta(name, value) VALUES ('postings_version', ?)",
            (_recipes_version(conn),),
        )


def _recipes_version(conn: sqlite3.Connection) -> str:
    count, top = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM recipes").fetchone()
    return f"{count}:{top}"


def ensure_postings(conn: sqlite3.Connection) -> None:
    """Rebuild the posting lists if recipes changed since they were built."""
    row = conn.execute("SELECT value FROM meta WHERE name = 'postings_version'").fetchone()
    if row is None or row[0] != _recipes_version(conn):
        rebuild_postings(conn)


def recipe_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM recipes").fetchone()[0])
