"""The trained part: a softmax classifier over the 1280 backbone features, stored as a small ``.npz``.

A linear head on frozen features is what the data supports (2,640 training photos, 81 classes): it
trains in seconds, is reproducible, and its file is a few hundred kilobytes of plain arrays (loaded
with ``allow_pickle=False``).  Coarse probabilities are sums of their fine classes' probabilities, so
the fine and coarse answers can never contradict each other.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from localgenie.errors import BadInput, ModelError
from localgenie.vision.backbone import FEATURE_DIM

HEAD_FILE = "grocery_head.npz"
FORMAT_VERSION = 3
TTA_VIEWS = ("full", "flip")  # the test-time views `recognise` knows how to make

Array = npt.NDArray[np.float32]


def embed(features: Array) -> Array:
    """Square root, then unit length: tames the few very large ReLU6 averages that otherwise decide
    the class, and makes the centroid similarity a cosine.  (+3.7 points coarse top-1 on val.)"""
    rooted = np.sqrt(np.maximum(features, 0.0))
    return np.asarray(rooted / (np.linalg.norm(rooted, axis=1, keepdims=True) + 1e-6), dtype=np.float32)


@dataclass(frozen=True)
class Head:
    weights: Array  # (FEATURE_DIM, n_fine), applied to `embed`-ded features
    bias: Array  # (n_fine,)
    fine: tuple[str, ...]
    coarse: tuple[str, ...]
    fine_to_coarse: npt.NDArray[np.int64]
    ingredients: tuple[str, ...]  # per fine class
    centroids: Array  # (n_fine, FEATURE_DIM), unit length: how "grocery-like" a region is
    typicality: Array  # (n_fine,): a low percentile of training cosine to the own centroid
    temperature: float = 1.0  # logits are divided by it (fitted on out-of-fold train logits)
    # Test-time views of each region whose logits are averaged: "full" (as is) and "flip" (mirrored).
    tta: tuple[str, ...] = ("full",)

    def fine_probabilities(self, features: Array) -> Array:
        """Class probabilities of regions seen once (features of the regions as they are)."""
        return self.fine_probabilities_tta([features])

    def fine_probabilities_tta(self, views: Sequence[Array]) -> Array:
        """Class probabilities from the features of the same regions in several views (`tta`)."""
        logits = np.mean([embed(f) @ self.weights + self.bias for f in views], axis=0) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float32)

    def coarse_probabilities(self, fine_probs: Array) -> Array:
        out = np.zeros((fine_probs.shape[0], len(self.coarse)), dtype=np.float32)
        np.add.at(out.T, self.fine_to_coarse, fine_probs.T)
        return out

    def similarity(self, features: Array, fine_ids: npt.NDArray[np.int64]) -> Array:
        """Cosine of each feature to the centroid of its predicted class (1 = typical photo of it)."""
        return np.asarray(np.sum(embed(features) * self.centroids[fine_ids], axis=1), dtype=np.float32)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            format_version=np.array(FORMAT_VERSION),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            fine=np.array(self.fine),
            coarse=np.array(self.coarse),
            fine_to_coarse=self.fine_to_coarse.astype(np.int64),
            ingredients=np.array(self.ingredients),
            centroids=self.centroids.astype(np.float16),
            typicality=self.typicality.astype(np.float32),
            temperature=np.array(self.temperature, dtype=np.float32),
            tta=np.array(self.tta),
        )


def load_head(path: Path | None = None) -> Head:
    """The committed head (``localgenie/vision/data``), or one written by ``genie vision train --out``."""
    if path is None:
        ref = resources.files("localgenie.vision") / "data" / HEAD_FILE
        with resources.as_file(ref) as packaged:
            return _read(Path(packaged))
    if not path.is_file():
        raise BadInput(f"{path}: no such head file; train one with `genie vision train`")
    return _read(path)


def _read(path: Path) -> Head:
    try:
        with np.load(path, allow_pickle=False) as data:
            version = int(data["format_version"])
            if version not in (2, FORMAT_VERSION):  # 2: before test-time views, read as ("full",)
                raise ModelError(f"{path}: head format {version}, expected {FORMAT_VERSION}")
            head = Head(
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
                fine=tuple(str(x) for x in data["fine"]),
                coarse=tuple(str(x) for x in data["coarse"]),
                fine_to_coarse=data["fine_to_coarse"].astype(np.int64),
                ingredients=tuple(str(x) for x in data["ingredients"]),
                centroids=data["centroids"].astype(np.float32),
                typicality=data["typicality"].astype(np.float32),
                temperature=float(data["temperature"]),
                tta=tuple(str(x) for x in data["tta"]) if version >= 3 else ("full",),
            )
    except FileNotFoundError:
        raise ModelError(
            f"{path}: the vision head is missing; reinstall Genie or run `genie vision train`"
        ) from None
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{path}: not a usable vision head ({exc}); run `genie vision train`") from None
    if head.weights.shape != (FEATURE_DIM, len(head.fine)) or len(head.ingredients) != len(head.fine):
        raise ModelError(f"{path}: the head's shapes do not match ({head.weights.shape}); retrain it")
    if not head.tta or not set(head.tta) <= set(TTA_VIEWS):
        raise ModelError(f"{path}: unknown test-time views {head.tta}; retrain it with this version")
    return head
