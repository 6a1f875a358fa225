"""Fitting the head and choosing how, on the train split only: val stays unseen until it is scored.

The choice (which head, which views, the temperature) is made by cross-validation inside train.  The
dataset's train photos of a class are mostly near-twins from a few shopping sessions (median cosine
0.90 to the nearest other train photo, against 0.80 from a val photo), and their file numbers do not
follow the sessions, so a random or file-order split scores 96-97% whatever the head.
`session_folds` finds the sessions from the features and keeps each one inside a single fold; the
held-out photos are then about as far from the rest of train as val photos are (see the model card)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from localgenie.vision.backbone import FEATURE_DIM
from localgenie.vision.head import Head, embed
from localgenie.vision.labels import GroceryClasses, Sample, ingredient_for

HeadKind = Literal["lda", "logistic"]
Array = npt.NDArray[np.float32]
Labels = npt.NDArray[np.int64]

FOLDS = 5
# Photos of one class less alike than this (cosine distance, averaged) are from different sessions.
SESSION_CUT = 0.2


@dataclass(frozen=True)
class Recipe:
    """How a head is trained: everything here is chosen by `cross_validate` on train, never on val."""

    kind: HeadKind = "logistic"
    views: tuple[str, ...] = ("full", "flip", "zoom", "zoom2", "zoom3")
    # Logistic regression: inverse L2 strength (scikit-learn's C).  LDA: covariance shrinkage
    # (None = the Ledoit-Wolf estimate).
    strength: float | None = None
    tta: tuple[str, ...] = ("full",)  # views of a test photo whose logits are averaged


# What `genie vision train` builds: the best of the recipes compared by `cross_validate` on train
# (MODEL_CARD.md has the table).  LDA beat logistic regression (C 0.01-1) and a small MLP; each extra
# view and the mirrored test-time view added a little.
RECIPE = Recipe(
    kind="lda",
    views=("full", "flip", "zoom", "zoom2", "zoom3", "tile", "jitter", "small"),
    tta=("full", "flip"),
)


@dataclass(frozen=True)
class Accuracy:
    fine_top1: float
    fine_top3: float
    coarse_top1: float
    coarse_top3: float
    count: int


def session_folds(
    samples: Sequence[Sample], full: Array, folds: int = FOLDS, cut: float = SESSION_CUT
) -> Labels:
    """The fold of each training photo, keeping each class's photo sessions together.

    Sessions are found from the photos themselves (``full``: their backbone features): within a class,
    average-linkage clusters of `embed`-ded features, cut where photos are on average less than
    ``1 - cut`` alike.  Each class's sessions are dealt to the folds largest first, each to the fold
    that holds the fewest photos of that class so far.  Deterministic: no random numbers.
    """
    embedded = embed(full)
    out = np.zeros(len(samples), dtype=np.int64)
    by_class: dict[int, list[int]] = {}
    for i, sample in enumerate(samples):
        by_class.setdefault(sample.fine, []).append(i)
    for members in by_class.values():
        rows = np.array(sorted(members, key=lambda i: str(samples[i].path)))
        if len(rows) == 1:
            continue
        groups = _sessions(embedded[rows], cut)
        sessions = sorted((rows[groups == g] for g in np.unique(groups)), key=lambda r: (-len(r), int(r[0])))
        filled = [0] * folds
        for session in sessions:
            fold = min(range(folds), key=lambda f: (filled[f], f))
            out[session] = fold
            filled[fold] += len(session)
    return out


def _sessions(embedded: Array, cut: float) -> Labels:
    """Session of each photo of one class; a class shot in one session is cut into its two most
    different halves, so that every fold still sees it."""
    from sklearn.cluster import AgglomerativeClustering

    def clusters(**how: float) -> Labels:
        model = AgglomerativeClustering(metric="cosine", linkage="average", **how)  # type: ignore[arg-type]
        return np.asarray(model.fit_predict(embedded), dtype=np.int64)

    groups = clusters(n_clusters=None, distance_threshold=cut)  # type: ignore[arg-type]
    return groups if groups.max() > 0 else clusters(n_clusters=2)


def fit_linear(embedded: Array, labels: Labels, n_fine: int, recipe: Recipe) -> tuple[Array, Array]:
    """Weights (FEATURE_DIM, n_fine) and bias (n_fine,) over `embed`-ded features; classes absent
    from ``labels`` get a bias that means "never"."""
    if recipe.kind == "lda":
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

        shrinkage = "auto" if recipe.strength is None else recipe.strength
        model = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=shrinkage)
        model.fit(embedded, labels)
        coef, intercept = model.coef_, model.intercept_
    else:
        coef, intercept = _logistic(embedded, labels, 1.0 if recipe.strength is None else recipe.strength)
    fitted = np.unique(labels)
    weights = np.zeros((FEATURE_DIM, n_fine), dtype=np.float32)
    bias = np.full(n_fine, -1e4, dtype=np.float32)
    weights[:, fitted] = coef.T
    bias[fitted] = intercept
    return weights, bias


def _logistic(embedded: Array, labels: Labels, strength: float) -> tuple[Array, Array]:
    """Multinomial logistic regression on standardised features, folded back into one affine map.

    Standardising matters: the `embed`ded features are unit vectors whose dimensions differ in spread
    by two orders of magnitude, and one L2 penalty over unscaled dimensions silences the small ones.
    """
    from sklearn.linear_model import LogisticRegression

    mean = embedded.mean(axis=0)
    scale = embedded.std(axis=0) + 1e-6
    model = LogisticRegression(C=strength, max_iter=500, tol=1e-4)
    model.fit((embedded - mean) / scale, labels)
    coef = model.coef_ / scale  # (x - m) / s @ w = x @ (w / s) - (m / s) @ w
    intercept = model.intercept_ - coef @ mean
    return coef.astype(np.float32), intercept.astype(np.float32)


def build_head(
    weights: Array,
    bias: Array,
    embedded: Array,
    labels: Labels,
    classes: GroceryClasses,
    temperature: float,
    tta: tuple[str, ...] = ("full",),
) -> Head:
    """The head with its class centroids and typicality (how far a region may be from its class's
    typical training photo before it counts as background)."""
    n_fine = len(classes.fine)
    centroids = np.zeros((n_fine, FEATURE_DIM), dtype=np.float32)
    typicality = np.zeros(n_fine, dtype=np.float32)
    for k in np.unique(labels):
        own = embedded[labels == k]
        centre = own.mean(axis=0)
        centre /= np.linalg.norm(centre) + 1e-6
        centroids[k] = centre
        typicality[k] = np.percentile(own @ centre, 5)
    return Head(
        weights=weights,
        bias=bias,
        fine=classes.fine,
        coarse=classes.coarse,
        fine_to_coarse=np.array(classes.fine_to_coarse, dtype=np.int64),
        ingredients=tuple(ingredient_for(name) for name in classes.fine),
        centroids=centroids,
        typicality=typicality,
        temperature=temperature,
        tta=tta,
    )


def stacked(blocks: Mapping[str, Array], views: Sequence[str], rows: npt.NDArray[np.int64]) -> Array:
    """The embedded features of photos ``rows`` in each of ``views``, one block after another."""
    return np.concatenate([embed(blocks[view][rows]) for view in views])


def tta_logits(weights: Array, bias: Array, blocks: Mapping[str, Array], tta: Sequence[str]) -> Array:
    """Raw logits averaged over the test-time views (for a linear head: the mean embedded feature)."""
    return np.asarray(np.mean([embed(blocks[v]) @ weights + bias for v in tta], axis=0), dtype=np.float32)


@dataclass(frozen=True)
class CrossValidation:
    accuracy: Accuracy
    temperature: float
    logits: Array  # out-of-fold raw logits, one row per training photo


def cross_validate(
    blocks: Mapping[str, Array], samples: Sequence[Sample], classes: GroceryClasses, recipe: Recipe
) -> CrossValidation:
    """Out-of-fold logits of every training photo under `session_folds`, and what they say: accuracy
    and the temperature that makes the confidences honest."""
    folds = session_folds(samples, blocks["full"])
    labels = np.array([s.fine for s in samples], dtype=np.int64)
    logits = np.zeros((len(samples), len(classes.fine)), dtype=np.float32)
    for fold in range(FOLDS):
        inside = np.flatnonzero(folds != fold)
        held = np.flatnonzero(folds == fold)
        weights, bias = fit_linear(
            stacked(blocks, recipe.views, inside),
            np.tile(labels[inside], len(recipe.views)),
            len(classes.fine),
            recipe,
        )
        logits[held] = tta_logits(weights, bias, {v: blocks[v][held] for v in recipe.tta}, recipe.tta)
    temperature = fit_temperature(logits, labels)
    return CrossValidation(score(softmax(logits / temperature), samples, classes), temperature, logits)


def softmax(logits: Array) -> Array:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float32)


def fit_temperature(logits: Array, truth: Labels) -> float:
    """The one scalar that makes confidences honest: least negative log-likelihood of ``truth``.

    It rescales logits, so it changes no ranking and no top-k accuracy; it only decides what "likely"
    and "maybe" mean.  Fitted on out-of-fold train logits, never on val.
    """
    best, best_loss = 1.0, float("inf")
    rows = np.arange(len(truth))
    for temperature in np.exp(np.linspace(np.log(0.05), np.log(50.0), 140)):
        probs = softmax(logits / float(temperature))
        loss = float(-np.mean(np.log(probs[rows, truth] + 1e-9)))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return round(best, 4)


def score(fine_probs: Array, samples: Sequence[Sample], classes: GroceryClasses) -> Accuracy:
    """Top-1 and top-3 at both levels; coarse probabilities are sums of their fine classes'."""
    coarse_probs = np.zeros((fine_probs.shape[0], len(classes.coarse)), dtype=np.float32)
    np.add.at(coarse_probs.T, np.array(classes.fine_to_coarse), fine_probs.T)
    fine = np.array([s.fine for s in samples])
    coarse = np.array([s.coarse for s in samples])

    def top(probs: Array, truth: npt.NDArray[np.int64], k: int) -> float:
        best = np.argsort(-probs, axis=1)[:, :k]
        return float(np.mean(np.any(best == truth[:, None], axis=1)))

    return Accuracy(
        fine_top1=top(fine_probs, fine, 1),
        fine_top3=top(fine_probs, fine, 3),
        coarse_top1=top(coarse_probs, coarse, 1),
        coarse_top3=top(coarse_probs, coarse, 3),
        count=len(samples),
    )
