"""Extraction while a TubeTalk job shares the cores: slowdown against the same extractions alone.

Each variant runs in a child process (libgomp reads OMP_WAIT_POLICY when llama.cpp loads):
``PASSIVE`` is what Genie sets unless you choose, ``ACTIVE`` is OpenMP's spin-waiting default.
The background load is a real `genie tubetalk analyze` of the shared 18k-comment CSV, restarted
whenever it finishes.  Prints seconds per variant and the ratio loaded / alone (goal <= 2x).

    python bench/contention.py [--model tiny] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from _common import summary
from localgenie.config import shared_data_dir

ROOT = Path(__file__).resolve().parents[1]
WORK = """
import time, localgenie
from localgenie.llm import get_backend
backend = get_backend({model!r})
schema = {{"type": "object", "properties": {{"name": {{"type": "string"}}, "age": {{"type": "integer"}},
          "city": {{"type": "string"}}}}, "required": ["name", "age", "city"]}}
texts = ["Maria Lopez, 34, lives in Madrid.", "Tom (age 51) moved to Leeds.", "Ana is 27 and from Porto."]
localgenie.extract(texts[0], schema, backend=backend)  # load and warm up
started = time.perf_counter()
for _ in range({reps}):
    for text in texts:
        localgenie.extract(text, schema, backend=backend)
print(time.perf_counter() - started)
"""


def run(model: str, reps: int, policy: str) -> float:
    env = dict(os.environ, OMP_WAIT_POLICY=policy)
    done = subprocess.run(
        [sys.executable, "-c", WORK.format(model=model, reps=reps)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    root = shared_data_dir()
    if root is None:
        raise SystemExit("shared data not found (set GENIE_SHARED_DATA)")
    csv = root / "youtube-comments" / "YoutubeCommentsDataSet.csv"
    genie = [
        sys.executable,
        "-m",
        "localgenie",
        "tubetalk",
        "analyze",
        str(csv),
        "-f",
        "json",
        "-o",
        os.devnull,
        "-q",
    ]
    results: dict[str, float] = {}
    for policy in ("PASSIVE", "ACTIVE"):
        results[f"{policy} alone"] = run(args.model, args.reps, policy)
        background = subprocess.Popen(genie, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(5)  # past its start-up, into the CPU-heavy stages
            results[f"{policy} with tubetalk"] = run(args.model, args.reps, policy)
        finally:
            background.kill()
            background.wait()
    rows = [(name, f"{seconds:.2f} s") for name, seconds in results.items()]
    for policy in ("PASSIVE", "ACTIVE"):
        ratio = results[f"{policy} with tubetalk"] / results[f"{policy} alone"]
        rows.append((f"{policy}: loaded / alone", f"{ratio:.2f}x (goal <= 2x)"))
    summary(f"extraction under a TubeTalk job, {args.model}, {3 * args.reps} extractions", rows)


if __name__ == "__main__":
    main()
