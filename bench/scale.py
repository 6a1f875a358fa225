"""Genie past one machine, measured on this one: batch extraction and TubeTalk, local vs Ray.

    python bench/scale.py --lock /tmp/genie-cpu.lock            # 200 extractions, TubeTalk on 4 x 18k
                                                                 # (the lock is held for the whole run)
    python bench/scale.py --items 40 --copies 1                  # a reduced run

One run, side by side:

1. **Extraction**: ``--items`` texts (one person each, built here) with the schema
   ``name str, age int, city str`` on the embedded ``tiny`` model, greedy: the local loop
   (``localgenie.extract_details`` per text, every core's threads), then the Ray engine
   (`localgenie.scale.extract_batch_ray`: what ``extract_batch(engine="ray")`` runs, without the result
   cache, so every variant extracts every text) on a local Ray cluster (127.0.0.1, 2 CPUs) with 1
   actor and with 2 actors, each actor 1 decode thread and 1 CPU.  Items/s counts the whole call
   (actors starting, the model loading in each, scheduling); Ray's overhead per item is the wall time
   per item minus the time the workers spent in ``extract_details`` per item; scaling efficiency is
   items/s with 2 actors over twice that with 1.
   The values of every Ray run are checked against the local loop's.
2. **TubeTalk** on ``--copies`` copies of the shared 18k-comment CSV (copy j > 1 has `` (copy j)``
   appended to every comment, so copies are not merged as floods and every stage sees copies x 18k
   comments): ``tubetalk.analyze`` vs ``analyze_ray`` with 2 workers, keyword labels, each in a fresh
   process.  Peak memory: the driver's peak RSS (``ru_maxrss``) and, sampled every 0.2 s with psutil,
   the largest peak of one worker process and the peak of all the run's processes together.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import holding, summary

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = "name str, age int, city str"
NAMES = ["John", "Maria", "Chen", "Aisha", "Pedro", "Olga", "Tom", "Yuki", "Ravi", "Emma", "Kofi", "Lena"]
CITIES = ["Lisbon", "Leeds", "Osaka", "Lagos", "Quito", "Oslo", "Pune", "Cork", "Graz", "Perth"]


def texts(n: int) -> list[str]:
    return [
        f"Hello, I am {NAMES[i % len(NAMES)]}, {18 + (i * 7) % 60} years old, and I live in "
        f"{CITIES[(i // len(NAMES)) % len(CITIES)]}."
        for i in range(n)
    ]


class MemorySampler:
    """Peak RSS of this process's descendants (Ray's workers when this process started the cluster)."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.per_process: dict[int, tuple[str, int]] = {}
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = self.psutil.Process()
        while not self._stop.wait(0.2):
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                    name = " ".join(child.cmdline())[:60]
                except self.psutil.Error:
                    continue
                total += rss
                _, before = self.per_process.get(child.pid, (name, 0))
                self.per_process[child.pid] = (name, max(before, rss))
            self.peak_total = max(self.peak_total, total)

    def largest_worker(self) -> int:
        workers = [rss for name, rss in self.per_process.values() if name.startswith("ray::")]
        return max(workers, default=0)


def extraction(n: int, lock: Path | None) -> dict[str, Any]:
    import localgenie
    from localgenie.scale.cluster import connect
    from localgenie.scale.extract import extract_batch_ray

    items = texts(n)
    rows: dict[str, Any] = {}
    with holding(lock):
        started = time.perf_counter()
        answers = [localgenie.extract_details(t, SCHEMA, model="tiny") for t in items]
        seconds = time.perf_counter() - started
    local = [a.value for a in answers]
    rows["local loop"] = {
        "seconds": seconds,
        "items_s": n / seconds,
        "worker_s": seconds / n,
        "prompt_tokens": sum(a.usage.prompt_tokens for a in answers) / n,
        "completion_tokens": sum(a.usage.completion_tokens for a in answers) / n,
        "attempts": sum(a.attempts for a in answers) / n,
    }
    print("local loop", json.dumps(rows["local loop"]), flush=True)
    started = time.perf_counter()
    connect(num_cpus=2)
    rows["ray start"] = time.perf_counter() - started
    for actors in (1, 2):
        with holding(lock):
            started = time.perf_counter()
            results = extract_batch_ray(items, SCHEMA, model="tiny", actors=actors, threads_per_actor=1)
            seconds = time.perf_counter() - started
        worker_s = sum(r.seconds for r in results) / n
        same = sum(r.value == v for r, v in zip(results, local, strict=True))
        rows[f"ray {actors} actor"] = {
            "seconds": seconds,
            "items_s": n / seconds,
            "worker_s": worker_s,
            "overhead_s": seconds * actors / n - worker_s,
            "same_as_local": same,
            "workers": len({r.worker for r in results}),
        }
        print(f"ray {actors} actor", json.dumps(rows[f"ray {actors} actor"]), flush=True)
    return rows


def http_overhead(n: int) -> dict[str, Any]:
    """What Genie and Ray cost per item when the model costs nothing: HTTP workers against a loopback
    server that answers at once (tests/llm/fake_server.py), 2 actors x 8 requests in flight."""
    sys.path.insert(0, str(ROOT))
    from tests.llm.fake_server import completion, fake_server

    from localgenie.scale.cluster import connect
    from localgenie.scale.extract import extract_batch_ray

    connect(num_cpus=2)
    answer = completion(json.dumps({"name": "Ann", "age": 30, "city": "Oslo"}))
    seconds = {}
    with fake_server(lambda path, body: answer) as (url, requests):
        extract_batch_ray(texts(8), SCHEMA, base_url=url, model="fake", actors=2)  # warm-up: Ray's own actors
        for size in (n // 4, n):  # two sizes: the fixed cost (actors starting) and the cost per item
            started = time.perf_counter()
            results = extract_batch_ray(
                texts(size), SCHEMA, base_url=url, model="fake", actors=2, threads_per_actor=8
            )
            seconds[size] = time.perf_counter() - started
            assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
            latency = sum(r.seconds for r in results) / size
    per_item = (seconds[n] - seconds[n // 4]) / (n - n // 4)
    figures = {
        "items": n,
        "seconds": seconds[n],
        "items_s": n / seconds[n],
        "per_item_s": per_item,
        "fixed_s": seconds[n] - per_item * n,
        "requests": len(requests) - 8,
        "latency_s": latency,
    }
    print("http overhead", json.dumps(figures), flush=True)
    return figures


def build_copies(copies: int, folder: Path) -> Path:
    source = ROOT.parent / "shared" / "data" / "youtube-comments" / "YoutubeCommentsDataSet.csv"
    if os.environ.get("GENIE_SHARED_DATA"):
        source = Path(os.environ["GENIE_SHARED_DATA"]) / "youtube-comments" / "YoutubeCommentsDataSet.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    out = [header]
    for copy in range(1, copies + 1):
        out += [[text if copy == 1 else f"{text} (copy {copy})", *rest] for text, *rest in body]
    path = folder / f"comments-x{copies}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(out)
    return path


def tubetalk_child(engine: str, path: str) -> None:
    """One TubeTalk run in this (fresh) process; prints its figures as JSON."""
    from localgenie import tubetalk

    loaded = tubetalk.load(path, max_comments=10_000_000)
    with MemorySampler() as sampler:
        started = time.perf_counter()
        if engine == "ray":
            from localgenie.scale.cluster import connect
            from localgenie.scale.tubetalk import analyze_ray

            connect(num_cpus=2)
            ready = time.perf_counter()
            report = analyze_ray(loaded, workers=2)
        else:
            ready = started
            report = tubetalk.analyze(loaded)
        seconds = time.perf_counter() - started
    figures = {
        "comments": len(loaded.comments),
        "analysed": report.counts.analysed,
        "themes": len(report.themes),
        "seconds": seconds,
        "start_s": ready - started,
        "stages": report.stage_seconds,
        "driver_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "largest_worker_mb": sampler.largest_worker() / 2**20,
        "all_processes_peak_mb": sampler.peak_total / 2**20,
        "report": json.loads(tubetalk.to_json(report)),
    }
    print(json.dumps(figures))


def clustering_child(path: str, sample: int) -> None:
    """The themes stage alone on the corpus's vectors: the full fit vs a fit on ``sample`` comments
    assigned to the rest; prints times and the agreement (adjusted Rand index, themed rows only)."""
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    from localgenie import tubetalk
    from localgenie.tubetalk.clean import clean_and_dedupe
    from localgenie.tubetalk.embed import load_embedder
    from localgenie.tubetalk.themes import cluster

    texts = [c.text for c in clean_and_dedupe(tubetalk.load(path, max_comments=10_000_000).comments).comments]
    vectors = load_embedder().encode(texts)
    weights = np.ones(len(texts))
    started = time.perf_counter()
    full_themes, full = cluster(vectors, weights)
    full_s = time.perf_counter() - started
    started = time.perf_counter()
    sampled_themes, sampled = cluster(vectors, weights, sample=sample)
    sampled_s = time.perf_counter() - started
    both = (full >= 0) & (sampled >= 0)
    _, reseeded = cluster(vectors, weights, seed=1)  # k-means's own run-to-run agreement, for scale
    again = (full >= 0) & (reseeded >= 0)
    figures = {
        "comments": len(texts),
        "sample": sample,
        "full_s": full_s,
        "sample_s": sampled_s,
        "ari": float(adjusted_rand_score(full[both], sampled[both])),
        "ari_other_seed": float(adjusted_rand_score(full[again], reseeded[again])),
        "themed_full": int((full >= 0).sum()),
        "themed_sample": int((sampled >= 0).sum()),
        "themes": [len(full_themes), len(sampled_themes)],
    }
    print(json.dumps(figures))


def tubetalk_runs(
    copies: int, lock: Path | None, engines: tuple[str, ...] = ("local", "ray")
) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        path = build_copies(copies, Path(folder))
        for engine in engines:
            with holding(lock):
                done = subprocess.run(
                    [sys.executable, __file__, "--tubetalk-child", engine, str(path)],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                )
            if done.returncode != 0:
                raise SystemExit(f"tubetalk {engine} failed:\n{done.stderr[-3000:]}")
            runs[engine] = json.loads(done.stdout.strip().splitlines()[-1])
            print(engine, json.dumps({k: v for k, v in runs[engine].items() if k != "report"}), flush=True)
    if "ray" in runs:
        runs["same_report"] = _comparable(runs["local"]["report"]) == _comparable(runs["ray"]["report"])
    for run in runs.values():
        if isinstance(run, dict):
            run.pop("report", None)
    return runs


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("generated_at", "stage_seconds")}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--items", type=int, default=200, help="tiny extractions per variant (default 200; fewer: quicker)"
    )
    parser.add_argument("--copies", type=int, default=4, help="copies of the 18k-comment CSV (default 4)")
    parser.add_argument("--lock", type=Path, default=None, help="a lock file held for the whole run")
    parser.add_argument("--skip-extraction", action="store_true", help="TubeTalk only")
    parser.add_argument("--skip-tubetalk", action="store_true", help="only the clustering comparison")
    parser.add_argument("--cluster-sample", type=int, default=20_000)
    parser.add_argument("--http-items", type=int, default=4000, help="items against the instant server")
    parser.add_argument("--tubetalk-child", nargs=2, metavar=("ENGINE", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tubetalk_child:
        engine, path = args.tubetalk_child
        if engine.startswith("cluster"):
            clustering_child(path, int(engine.removeprefix("cluster")))
        else:
            tubetalk_child(engine, path)
        return
    os.environ.setdefault("GENIE_LOG", "0")
    os.environ["PYTHONPATH"] = str(ROOT / "src")  # Ray's workers import this checkout
    # The lock is held for the whole run: the variants compared must see the same machine.
    with holding(args.lock):
        run(args)


def run(args: argparse.Namespace) -> None:
    args.lock = None
    rows: list[tuple[str, str]] = []
    if not args.skip_extraction:
        ext = extraction(args.items, args.lock)
        print(json.dumps(ext, indent=1))
        rows.append((f"{args.items} tiny extractions", "items/s | s/item in extract_details | Ray s/item"))
        for name in ("local loop", "ray 1 actor", "ray 2 actor"):
            r = ext[name]
            extra = (
                f" | {r['overhead_s']:.3f} | same values {r['same_as_local']}/{args.items}"
                if "overhead_s" in r
                else ""
            )
            rows.append((name, f"{r['items_s']:.2f} | {r['worker_s']:.3f}{extra}"))
        efficiency = ext["ray 2 actor"]["items_s"] / (2 * ext["ray 1 actor"]["items_s"])
        rows.append(("scaling efficiency 1 -> 2 actors", f"{efficiency:.2f}"))
        rows.append(
            (
                "ray 2 actors vs local loop",
                f"{ext['ray 2 actor']['items_s'] / ext['local loop']['items_s']:.2f}x",
            )
        )
        rows.append(("ray.init (local cluster)", f"{ext['ray start']:.1f} s"))
    if args.http_items:
        http = http_overhead(args.http_items)
        rows.append(
            (
                f"{args.http_items} items, instant server",
                f"{http['items_s']:.1f} items/s on 2 actors x 8 requests; per item "
                f"{http['per_item_s'] * 1000:.1f} ms wall ({2 * http['per_item_s'] * 1000:.1f} ms of the "
                f"2 CPUs), fixed {http['fixed_s']:.1f} s (actors starting); "
                f"{http['latency_s'] * 1000:.1f} ms in extract_details per item",
            )
        )
    if args.copies and not args.skip_tubetalk:
        tt = tubetalk_runs(args.copies, args.lock)
        print(json.dumps(tt, indent=1))
        for engine in ("local", "ray"):
            r = tt[engine]
            rows.append(
                (
                    f"tubetalk x{args.copies} {engine}",
                    f"{r['comments']} comments, {r['seconds']:.1f} s (cluster start {r['start_s']:.1f} s), "
                    f"driver peak {r['driver_peak_mb']:.0f} MB, "
                    f"largest worker {r['largest_worker_mb']:.0f} MB, "
                    f"all processes {r['all_processes_peak_mb']:.0f} MB",
                )
            )
            rows.append((f"  stages {engine}", " ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())))
        rows.append(("same report (timings aside)", str(tt["same_report"])))
    if args.copies and args.cluster_sample:
        fit = tubetalk_runs(args.copies, args.lock, (f"cluster{args.cluster_sample}",))
        c = next(iter(fit.values()))
        print(json.dumps(c, indent=1))
        rows.append(
            (
                f"themes on {c['comments']} comments",
                f"full k-means {c['full_s']:.1f} s, fit on {c['sample']} + assign {c['sample_s']:.1f} s, "
                f"ARI {c['ari']:.3f} (full fit with another seed: {c['ari_other_seed']:.3f}), "
                f"themed {c['themed_full']} vs {c['themed_sample']}, "
                f"themes {c['themes'][0]} vs {c['themes'][1]}",
            )
        )
    summary("scale", rows)


if __name__ == "__main__":
    main()
