"""TubeTalk on the 18k-comment CSV: per-stage times, peak memory, and the quality figures.

One run measures, side by side:
* every pipeline stage on the whole CSV (keyword labeller by default; ``--llm tiny|default`` labels
  the themes with a local model through ``localgenie.extract``, and prints LLM calls and tokens);
* the static (distilled) embedder against full all-MiniLM-L6-v2 on a sample: speed ratio,
  nearest-neighbour overlap and k-means agreement (ARI), with TF-IDF as a floor;
* sentiment (VADER) against the CSV's labels, intent on the shipped fixtures, the spam CV figures.

    python bench/tubetalk.py                            # ~1 min + MiniLM on 1000 comments
    python bench/tubetalk.py --quality-sample 0         # pipeline only
    python bench/tubetalk.py --llm default --show       # LLM labels too, and what they say
    python bench/tubetalk.py --llm default --naive 30   # the naive way: one LLM call per comment
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from _common import median, percentile, summary, timed
from localgenie.config import shared_data_dir
from localgenie.errors import GenieError
from localgenie.tubetalk import LLMOptions, analyze, embed, intent, load, sentiment, spam
from localgenie.tubetalk.labels import labelling_extract
from localgenie.tubetalk.report_model import LLMUsage, TubeTalkReport

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "tubetalk" / "fixtures"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def knn(x: np.ndarray, k: int = 10) -> np.ndarray:
    sims = x @ x.T
    np.fill_diagonal(sims, -np.inf)
    return np.argsort(-sims, axis=1)[:, :k]


def embedding_quality(texts: list[str], sample: int) -> list[tuple[str, str]]:
    """Static vs MiniLM vs TF-IDF on the same sample (neighbour overlap@10, k-means ARI at k=10)."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(0)
    chosen = [texts[i] for i in rng.choice(len(texts), size=min(sample, len(texts)), replace=False)]
    minilm_s, reference = timed(lambda: embed.MiniLMEmbedder().encode(chosen))
    static_s, static = timed(lambda: embed.load_embedder().encode(chosen))
    tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(chosen).toarray()
    tfidf /= np.maximum(np.linalg.norm(tfidf, axis=1, keepdims=True), 1e-12)
    ref_nn = knn(reference)
    ref_labels = KMeans(10, n_init=3, random_state=0).fit_predict(reference)
    rows = [
        (
            "MiniLM vs static speed",
            f"{minilm_s / static_s:.0f}x ({len(chosen) / minilm_s:.0f} vs "
            f"{len(chosen) / static_s:.0f} comments/s)",
        )
    ]
    for name, vectors in (("static", static), ("tf-idf", tfidf)):
        overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ref_nn, knn(vectors), strict=True)])
        ari = adjusted_rand_score(ref_labels, KMeans(10, n_init=3, random_state=0).fit_predict(vectors))
        rows.append(
            (f"{name} vs MiniLM (n={len(chosen)})", f"knn@10 overlap {overlap:.3f}, k-means ARI {ari:.3f}")
        )
    self_ari = adjusted_rand_score(ref_labels, KMeans(10, n_init=3, random_state=1).fit_predict(reference))
    rows.append(("MiniLM vs itself (other k-means seed)", f"ARI {self_ari:.3f}"))
    return rows


def sentiment_vs_labels(csv_path: Path) -> list[tuple[str, str]]:
    from sklearn.metrics import f1_score

    with csv_path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Comment"].strip()]
    gold = [r["Sentiment"] for r in rows]
    seconds, scores = timed(lambda: sentiment.compound_scores([r["Comment"] for r in rows]))
    predicted = sentiment.labels(scores)
    accuracy = np.mean([p == g for p, g in zip(predicted, gold, strict=True)])
    majority = Counter(gold).most_common(1)[0][1] / len(gold)
    macro = f1_score(gold, predicted, average="macro")
    return [
        (
            "sentiment VADER vs CSV labels",
            f"accuracy {accuracy:.3f} (majority class {majority:.3f}), "
            f"macro-F1 {macro:.3f}, {len(gold) / seconds:.0f} comments/s",
        )
    ]


def intent_accuracy() -> list[tuple[str, str]]:
    rows = []
    for name, note in (
        ("intent_labelled.jsonl", "dev set, rules tuned on it"),
        ("intent_holdout.jsonl", "held out"),
    ):
        items = [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]
        texts = [i["text"] for i in items]
        predicted = intent.classify_all(texts, list(sentiment.compound_scores(texts)))
        accuracy = np.mean([p == i["intent"] for p, i in zip(predicted, items, strict=True)])
        rows.append((f"intent accuracy ({note})", f"{accuracy:.3f} on {len(items)} (chance 0.2)"))
    return rows


def llm_rows(report: TubeTalkReport, load_model_s: float) -> list[tuple[str, str]]:
    llm = report.llm
    if llm is None:
        return []
    per_call = llm.seconds / llm.calls if llm.calls else 0.0
    return [
        ("model load", f"{load_model_s:.2f} s"),
        (
            "LLM calls",
            f"{llm.calls} ({per_call:.1f} s each; {llm.failed} failed, {llm.rejected} rejected, "
            f"{llm.skipped} themes keyword-labelled without a call)",
        ),
        (
            "LLM tokens",
            f"prompt {llm.prompt_tokens} ({llm.cached_prompt_tokens} from KV cache), "
            f"completion {llm.completion_tokens}",
        ),
    ]


def show(report: TubeTalkReport) -> None:
    """What a creator reads: to judge label quality by eye, not only by schema validity."""
    print(f"\nOverall: {report.overall_summary}\n")
    for t in report.themes:
        print(f"{t.index + 1:2}. [{t.size}] {t.label}  (keywords: {', '.join(t.keywords[:5])})")
        print(f"    {t.summary}")
        for q in t.quotes:
            print(f"    > {q.text[:100]}")
        if t.dropped_quotes:
            print(f"    ({t.dropped_quotes} quote(s) dropped: not verbatim)")
    print("\nQuestions asked most:")
    for q in report.top_questions[:5]:
        print(f"  x{q.asked} {q.text[:100]}")


class CommentReading(BaseModel):
    """What the naive approach asks of the LLM for every single comment."""

    sentiment: Literal["positive", "neutral", "negative"]
    intent: Literal["praise", "complaint", "question", "suggestion", "other"]
    topic: str = Field(description="the comment's topic in 1 to 3 words", json_schema_extra={"maxLength": 30})


def naive_cost(model: str, texts: list[str], n: int, total: int) -> list[tuple[str, str]]:
    """The LLM reads every comment: one classification call per comment, timed on ``n`` of them.

    Same call path as the pipeline's labels (``extract_details`` with a grammar, no drafting), model
    loaded and one warm-up call made before the clock starts, a fixed random sample; the per-comment
    time is then multiplied by the ``total`` comments the pipeline reads.
    """
    from localgenie.llm import get_backend

    get_backend(model)
    rng = np.random.default_rng(0)
    chosen = rng.choice(len(texts), size=min(n + 1, len(texts)), replace=False)
    warm_up, *sample = [texts[i] for i in chosen]
    # One untimed call first: it builds the grammar tokenizer and caches the system prompt, once per run.
    labelling_extract(warm_up, CommentReading, model=model, max_tokens=60, max_retries=0)
    seconds: list[float] = []
    prompt = completion = failed = 0
    for text in sample:
        started = time.perf_counter()
        try:
            result = labelling_extract(text, CommentReading, model=model, max_tokens=60, max_retries=0)
            prompt += result.usage.prompt_tokens
            completion += result.usage.completion_tokens
        except GenieError:
            failed += 1
        seconds.append(time.perf_counter() - started)
    mean = sum(seconds) / len(seconds)
    return [
        (
            f"naive: one call per comment ({model}, n={len(sample)})",
            f"{mean:.2f} s/comment (median {median(seconds):.2f}, p90 {percentile(seconds, 0.9):.2f}); "
            f"{prompt / len(sample):.0f} prompt + {completion / len(sample):.0f} completion tokens each; "
            f"{failed} failed",
        ),
        (
            f"naive: extrapolated to {total} comments",
            f"{mean * total:.0f} s = {mean * total / 3600:.1f} h",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, help="comments file (default: the shared 18k CSV)")
    parser.add_argument("--quality-sample", type=int, default=1000, help="comments for the MiniLM comparison")
    parser.add_argument("--llm", help="label themes with this local model (tiny, default)")
    parser.add_argument(
        "--llm-seconds", type=float, help="LLM time budget (default: the CLI's per-model budget; inf = none)"
    )
    parser.add_argument(
        "--drafting", action="store_true", help="keep prompt-lookup drafting on (the CLI turns it off)"
    )
    parser.add_argument("--themes", type=int, help="number of themes (default: by comment count)")
    parser.add_argument("--show", action="store_true", help="print the themes' labels, summaries, quotes")
    parser.add_argument(
        "--naive", type=int, metavar="N", help="only time the naive approach (one LLM call per comment) on N"
    )
    args = parser.parse_args()
    shared = shared_data_dir()
    source = args.source or (shared / "youtube-comments" / "YoutubeCommentsDataSet.csv" if shared else None)
    if source is None or not source.exists():
        sys.exit("no source: pass --source or provide ../shared/data")

    if args.naive:
        loaded = load(source)
        texts = [c.text for c in loaded.comments]
        summary("TubeTalk naive", naive_cost(args.llm or "default", texts, args.naive, len(texts)))
        return
    prepare_s, _ = timed(embed.prepare)
    load_s, loaded = timed(lambda: load(source))
    llm: LLMOptions | None = None
    load_model_s = 0.0
    if args.llm:
        from localgenie.llm import get_backend
        from localgenie.structured.extract import extract_details

        # Loaded before the clock starts only to report it apart; the CLI pays it inside "labels".
        load_model_s, _ = timed(lambda: get_backend(args.llm))
        ask = extract_details if args.drafting else labelling_extract
        llm = LLMOptions.from_extractor(ask, model=args.llm, seconds=args.llm_seconds, usage=LLMUsage())
    total_s, report = timed(lambda: analyze(loaded, llm=llm, k=args.themes))
    stage_rows = [(f"stage {name}", f"{seconds:.2f} s") for name, seconds in report.stage_seconds.items()]
    end_to_end = load_s + total_s
    rows = [
        (
            "source",
            f"{source.name}: {report.counts.loaded} comments, {report.counts.analysed} analysed, "
            f"{report.counts.spam} spam, {report.counts.duplicates_removed} duplicates, "
            f"{len(report.themes)} themes",
        ),
        ("embedding table (cached after first build)", f"{prepare_s:.2f} s"),
        ("stage load", f"{load_s:.2f} s"),
        *stage_rows,
        (
            "embedding + clustering",
            f"{report.stage_seconds['embed'] + report.stage_seconds['themes']:.2f} s (target ≤ 60 s)",
        ),
        *llm_rows(report, load_model_s),
        (f"end to end ({report.labeller})", f"{end_to_end + load_model_s:.2f} s (incl. model load)"),
        ("peak RSS", f"{peak_rss_mb():.0f} MB (target ≤ 3072 MB)"),
    ]
    metrics = spam.load_model().metrics
    rows.append(
        (
            "spam 5-fold CV (used: classifier AND promotion cue)",
            f"accuracy {metrics['cv_accuracy']:.3f}, MCC {metrics['cv_mcc']:.3f}; classifier alone "
            f"{metrics['classifier_only_accuracy']:.3f} / {metrics['classifier_only_mcc']:.3f}; keyword rule "
            f"{metrics['rule_baseline_accuracy']:.3f} / {metrics['rule_baseline_mcc']:.3f}",
        )
    )
    rows += intent_accuracy()
    if shared:
        rows += sentiment_vs_labels(shared / "youtube-comments" / "YoutubeCommentsDataSet.csv")
    if args.quality_sample:
        rows += embedding_quality([c.text for c in loaded.comments], args.quality_sample)
    if args.show:
        show(report)
    summary("TubeTalk", rows)


if __name__ == "__main__":
    main()
