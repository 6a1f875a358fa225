"""Benchmark: `genie kitchen suggest` latency over the full shared corpus (target: median <= 100 ms).

    python bench/kitchen_suggest.py [--db FILE] [--runs 30]

Without --db the corpus is imported into a temporary database first, and the import time is reported
(target: <= 3 min on 2 cores).  The baseline, measured in the same run, scores every recipe in Python
(what a naive implementation does); the ratio shows what the index + best-first cut-off buys.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from localgenie.config import shared_data_dir
from localgenie.kitchen import corpus, db, pantry
from localgenie.kitchen.pantry import NewItem
from localgenie.kitchen.suggest import Filters, suggest, urgency

COMMON = [
    "eggs",
    "spinach",
    "feta",
    "chicken breasts",
    "broccoli",
    "rice",
    "tomatoes",
    "mozzarella",
    "basil",
    "bananas",
    "butter",
    "milk",
    "onion",
    "garlic",
    "carrots",
    "potatoes",
    "ground beef",
    "bacon",
    "cheddar",
    "lemon",
    "mushrooms",
    "bell pepper",
    "zucchini",
    "salmon",
    "shrimp",
    "pasta",
    "yogurt",
    "apples",
    "heavy cream",
    "parsley",
    "cilantro",
    "avocado",
    "black beans",
    "tortillas",
    "sour cream",
    "celery",
]


def naive(conn, today: date) -> list[tuple[float, int]]:  # type: ignore[no-untyped-def]
    """Baseline: score every recipe in Python, no index, no cut-off."""
    items = pantry.list_items(conn)
    weights = {i.canonical: urgency(i.days_left(today)) for i in items}
    staple_set = pantry.staples(conn)
    scored = []
    for rid, keys_text in conn.execute("SELECT id, keys FROM recipes"):
        keys = keys_text.split("|") if keys_text else []
        used = sum(weights[k] for k in keys if k in weights)
        if used:
            missing = sum(1 for k in keys if k not in weights and k not in staple_set)
            scored.append((used - missing, rid))
    return sorted(scored, reverse=True)[:10]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, help="an existing kitchen database with the corpus imported")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    tmp = None
    if args.db is None:
        shared = shared_data_dir()
        if shared is None:
            sys.exit("shared data not found (set GENIE_SHARED_DATA)")
        tmp = tempfile.TemporaryDirectory()
        args.db = Path(tmp.name) / "bench.sqlite"
        conn = db.connect(args.db)
        start = time.perf_counter()
        report = corpus.import_file(conn, shared / "recipes" / "recipes.jsonl.gz")
        print(
            f"import: {report.added} recipes, {report.skipped} bad rows skipped,"
            f" {time.perf_counter() - start:.1f} s"
        )
    else:
        conn = db.connect(args.db)
    print(f"recipes: {corpus.recipe_count(conn)}")

    rng = random.Random(7)
    today = date.today()
    fast, slow = [], []
    for run in range(args.runs):
        conn.execute("DELETE FROM items")
        chosen = rng.sample(COMMON, rng.randint(3, 8))
        pantry.add_items(
            conn, [NewItem(n, 1, expires=today + timedelta(days=rng.randint(0, 20))) for n in chosen]
        )
        filters = Filters(frozenset({"vegetarian"})) if run % 3 == 2 else Filters()
        start = time.perf_counter()
        suggest(conn, filters, limit=10)
        fast.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        naive(conn, today)
        slow.append((time.perf_counter() - start) * 1000)
    conn.execute("DELETE FROM items")
    med, base = statistics.median(fast), statistics.median(slow)
    p90 = sorted(fast)[int(0.9 * (len(fast) - 1))]
    print(f"suggest: median {med:.1f} ms, p90 {p90:.1f} ms, max {max(fast):.1f} ms over {args.runs} pantries")
    print(f"baseline (score every recipe): median {base:.1f} ms -> {base / med:.1f}x faster")
    print("PASS" if med <= 100 else "FAIL", "(target: median <= 100 ms)")
    conn.close()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
