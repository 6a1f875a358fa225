"""Group comments into themes and pick the comments that represent each theme.

Why k-means on unit vectors (spherical k-means): HDBSCAN on 18k × 384-d took 485 s and called 87–96 %
of comments noise, agglomerative ward took 109 s and 2.8 GB (MEASURED.md); k-means takes seconds with
flat memory, and a creator wants a handful of themes that cover most comments, not a noise bucket.
Comments far from every centroid (cosine below :data:`MIN_SIMILARITY`) and themes too small to matter
are left unthemed rather than forced into a theme they would only muddy.

Per theme: the most *central* comments (closest to the centroid: what the theme is about) and the
most *liked* ones (what viewers endorsed), plus keywords by class-based TF-IDF for a fallback label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

MIN_SIMILARITY = 0.2
MAX_THEMES = 12
REPRESENTATIVES = 5


@dataclass
class Theme:
    """One cluster: member indices (into the analysed comment list) and its best examples."""

    index: int
    members: list[int]
    central: list[int] = field(default_factory=list)
    most_liked: list[int] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    cohesion: float = 0.0


def choose_k(n: int) -> int:
    """Roughly one theme per ~150 comments for small sets, capped so a report stays readable."""
    if n < 6:
        return 1
    return max(2, min(MAX_THEMES, round(math.sqrt(n / 4))))


def cluster(
    vectors: NDArray[np.float32],
    weights: NDArray[np.float64],
    *,
    k: int | None = None,
    min_size: int | None = None,
    seed: int = 0,
    sample: int | None = None,
) -> tuple[list[Theme], NDArray[np.int64]]:
    """Themes over unit ``vectors``; ``weights`` (e.g. 1 + copies + likes) break ties in representatives.

    Returns the themes, largest first, and a label per row (-1 = unthemed).  Zero vectors (text with no
    known token, e.g. emoji only) are never themed.  ``sample``: past that many usable vectors, fit the
    centroids on a seeded random sample of that size and assign every vector to its nearest centroid
    (one pass instead of up to 100 over all of them; ``bench/scale.py`` measures the agreement).
    """
    from sklearn.cluster import KMeans  # type: ignore[import-untyped]

    n = len(vectors)
    labels = np.full(n, -1, dtype=np.int64)
    usable = np.flatnonzero(np.linalg.norm(vectors, axis=1) > 0)
    if len(usable) == 0:
        return [], labels
    k = min(k or choose_k(len(usable)), len(usable))
    if min_size is None:
        # Tiny inputs: every comment may be its own theme; larger ones: drop themes under 0.5 %.
        min_size = 1 if len(usable) < 20 else max(3, len(usable) // 200)
    data = vectors[usable].astype(np.float32)
    # One k-means++ start: on the 18k CSV, three starts gave the same partition (ARI 1.0) at 4.5x the time.
    model = KMeans(n_clusters=k, n_init=1, random_state=seed, max_iter=100)
    if sample is not None and len(usable) > sample:
        fit_rows = np.sort(np.random.default_rng(seed).choice(len(usable), size=sample, replace=False))
        nearest = model.fit(data[fit_rows]).predict(data)
    else:
        nearest = model.fit(data).labels_
    centroids = model.cluster_centers_
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    similarity = (data @ centroids.T)[np.arange(len(usable)), nearest]
    assigned = np.where(similarity >= MIN_SIMILARITY, nearest, -1)
    labels[usable] = assigned
    themes: list[Theme] = []
    for cluster_id in range(k):
        rows = np.flatnonzero(assigned == cluster_id)
        if len(rows) < min_size or len(rows) == 0:
            labels[usable[rows]] = -1
            continue
        members = usable[rows]
        sims = similarity[rows]
        central = members[np.argsort(-sims, kind="stable")][:REPRESENTATIVES]
        # Likes matter, but a liked off-topic joke should not represent the theme: rank by
        # log-likes among the more central half only.
        core = members[sims >= np.median(sims)]
        liked = core[np.argsort(-np.log1p(weights[core]), kind="stable")][:REPRESENTATIVES]
        themes.append(
            Theme(
                index=0,
                members=members.tolist(),
                central=central.tolist(),
                most_liked=liked.tolist(),
                cohesion=round(float(sims.mean()), 4),
            )
        )
    themes.sort(key=lambda t: -len(t.members))
    relabelled = np.full(n, -1, dtype=np.int64)
    for new_index, theme in enumerate(themes):
        theme.index = new_index
        relabelled[theme.members] = new_index
    return themes, relabelled


def add_keywords(themes: list[Theme], texts: list[str], top: int = 6) -> None:
    """Class-based TF-IDF: words frequent in a theme and rare in the others."""
    if not themes:
        return
    from sklearn.feature_extraction.text import CountVectorizer  # type: ignore[import-untyped]

    docs = [" ".join(texts[i] for i in theme.members) for theme in themes]
    try:
        vectorizer = CountVectorizer(
            stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{3,}\b", max_features=20000
        )
        counts = vectorizer.fit_transform(docs).toarray().astype(np.float64)
    except ValueError:  # no words at all (emoji-only themes)
        return
    vocabulary = np.asarray(vectorizer.get_feature_names_out())
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    idf = np.log(1 + counts.sum() / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    for theme, row in zip(themes, scores, strict=True):
        best = np.argsort(-row, kind="stable")[:top]
        theme.keywords = [str(vocabulary[i]) for i in best if row[i] > 0]
