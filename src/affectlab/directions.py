"""Directions between emotions in any representation space: one piece of algebra for all modalities.

A `Direction` is a vector in a named space (a language model's residual stream at one site, a
standardised acoustic feature space, a learned encoder's output). The same operations serve
language-model steering (add ``alpha * v`` to a hidden state) and intensity editing of speech
embeddings (``e' = e_source + i * (mu_target - mu_source)``, after EmoReg).

Fitting:
- `class_means` / `mean_difference`: the direction from one class mean to another;
- `centroid_directions`: context-agnostic directions (after Wang et al. 2025, "Do LLMs Feel?"):
  remove each context group's mean over the classes, average per class, remove the mean of the
  class centroids, normalise;
- `direction_stability`: how consistently each class points the same way across groups, against
  the same measure with labels shuffled inside each group.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Direction", "centroid_directions", "class_means", "direction_stability",
           "group_centred", "mean_difference"]


def _vector(x: Any) -> np.ndarray:
    arr = np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"a direction is a non-empty 1-D vector, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("a direction must be finite")
    return arr


@dataclass(frozen=True, eq=False)
class Direction:
    """A vector in a named representation space (`space`), e.g. ``blocks.12.resid_post``."""

    vector: np.ndarray
    name: str = ""
    space: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "vector", _vector(self.vector))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Direction) and self.name == other.name
                and self.space == other.space and self.vector.shape == other.vector.shape
                and bool(np.array_equal(self.vector, other.vector)))

    __hash__ = None  # type: ignore[assignment]  # mutable array inside

    @classmethod
    def between(cls, source: Any, target: Any, *, name: str = "", space: str = "",
                meta: Mapping[str, Any] | None = None) -> Direction:
        """The direction from `source` to `target` (``target - source``)."""
        s, t = _vector(source), _vector(target)
        if s.shape != t.shape:
            raise ValueError(f"source and target differ in shape: {s.shape} vs {t.shape}")
        return cls(t - s, name=name, space=space, meta=dict(meta or {}))

    @property
    def dim(self) -> int:
        return int(self.vector.shape[0])

    @property
    def norm(self) -> float:
        return float(np.linalg.norm(self.vector))

    def unit(self) -> Direction:
        """The same direction with norm 1 (a zero vector cannot be normalised)."""
        n = self.norm
        if n == 0.0:
            raise ValueError(f"direction {self.name!r} is zero and has no unit vector")
        return Direction(self.vector / n, self.name, self.space, dict(self.meta))

    def _check(self, x: Any) -> None:
        if x.shape[-1] != self.dim:
            raise ValueError(f"direction {self.name!r} has dimension {self.dim}, "
                             f"input has {x.shape[-1]}")

    def project(self, x: Any) -> Any:
        """Scalar projection of `x` (..., dim) on the unit direction; numpy or torch in, same out."""
        self._check(x)
        u = self.unit().vector
        if hasattr(x, "detach"):
            import torch

            return x @ torch.as_tensor(u, dtype=x.dtype, device=x.device)
        return np.asarray(x) @ u

    def shift(self, x: Any, amount: Any = 1.0) -> Any:
        """``x + amount * vector``; `amount` may broadcast over the leading axes of `x`."""
        self._check(x)
        if hasattr(x, "detach"):
            import torch

            v = torch.as_tensor(self.vector, dtype=x.dtype, device=x.device)
            amount = torch.as_tensor(amount, dtype=x.dtype, device=x.device)
            return x + amount[..., None] * v if amount.ndim else x + amount * v
        amount = np.asarray(amount, dtype=np.float64)
        return np.asarray(x) + (amount[..., None] if amount.ndim else amount) * self.vector

    def interpolate(self, source: Any, intensity: float) -> Any:
        """The intensity edit ``source + intensity * vector`` for intensity in [0, 1]."""
        if not (np.isfinite(intensity) and 0.0 <= intensity <= 1.0):
            raise ValueError(f"intensity must be in [0, 1], got {intensity!r}")
        return self.shift(source, intensity)

    def cosine(self, other: Direction | Any) -> float:
        """Cosine similarity with another direction or vector."""
        b = other.vector if isinstance(other, Direction) else _vector(other)
        if b.shape != self.vector.shape:
            raise ValueError(f"dimensions differ: {self.dim} vs {b.shape[0]}")
        denom = self.norm * float(np.linalg.norm(b))
        return float(self.vector @ b / denom) if denom else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "space": self.space, "vector": self.vector.tolist(),
                "meta": self.meta}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Direction:
        return cls(np.asarray(data["vector"]), data.get("name", ""), data.get("space", ""),
                   dict(data.get("meta", {})))


def _xy(X: Any, y: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(list(y), dtype=object)
    if X.ndim != 2:
        raise ValueError(f"X must be (n_samples, dim), got shape {X.shape}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but there are {len(y)} labels")
    if len(X) == 0:
        raise ValueError("no samples")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values")
    return X, y


def _labels(y: np.ndarray, order: Sequence[Hashable] | None) -> list[Hashable]:
    present = list(dict.fromkeys(y.tolist()))
    if order is None:
        return present
    if len(set(order)) != len(order):
        raise ValueError(f"classes must be distinct, got {list(order)}")
    missing = [c for c in order if c not in set(present)]
    if missing:
        raise ValueError(f"no samples for classes {missing}")
    return list(order)


def class_means(X: Any, y: Sequence[Hashable],
                classes: Sequence[Hashable] | None = None) -> dict[Hashable, np.ndarray]:
    """Mean of X per class, in `classes` order (default: first appearance)."""
    X, y = _xy(X, y)
    return {c: X[y == c].mean(axis=0) for c in _labels(y, classes)}


def mean_difference(X: Any, y: Sequence[Hashable], source: Hashable, target: Hashable, *,
                    space: str = "") -> Direction:
    """The direction from the `source` class mean to the `target` class mean."""
    means = class_means(X, y, [source, target])
    return Direction.between(means[source], means[target], name=f"{source}->{target}",
                             space=space, meta={"source": str(source), "target": str(target)})


def group_centred(X: Any, y: Sequence[Hashable], groups: Sequence[Hashable],
                  classes: Sequence[Hashable] | None = None) -> np.ndarray:
    """X minus, for each group, the mean over the classes of the group's class means.

    Within a group (one context, e.g. one scenario and valence) every class is present; what is
    left after removing the group's mean is what differs between classes in that context.
    """
    X, y = _xy(X, y)
    g = np.asarray(list(groups), dtype=object)
    if len(g) != len(y):
        raise ValueError(f"{len(g)} group ids for {len(y)} samples")
    labels = _labels(y, classes)
    return X - _group_class_means(X, y, g, labels).mean(axis=1)[_codes(g)[0]]


def _codes(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Integer codes of `values` in order of first appearance."""
    uniques = list(dict.fromkeys(values.tolist()))
    index = {u: k for k, u in enumerate(uniques)}
    return np.fromiter((index[v] for v in values.tolist()), np.int64, len(values)), uniques


def _group_class_means(X: np.ndarray, y: np.ndarray, g: np.ndarray,
                       labels: Sequence[Hashable]) -> np.ndarray:
    """(n_groups, n_classes, dim) mean of X per (group, class) in one sparse product; every
    group must hold every class."""
    from scipy import sparse

    gc, gids = _codes(g)
    lab = {c: k for k, c in enumerate(labels)}
    keep = np.fromiter((v in lab for v in y.tolist()), bool, len(y))
    cc = np.fromiter((lab.get(v, 0) for v in y.tolist()), np.int64, len(y))
    cell = gc * len(labels) + cc
    n_cells = len(gids) * len(labels)
    onehot = sparse.csr_matrix((keep.astype(np.float64), (cell, np.arange(len(y)))),
                               shape=(n_cells, len(y)))
    counts = np.asarray(onehot.sum(axis=1)).ravel()
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        k = int(empty[0])
        absent = [labels[j] for j in range(len(labels)) if counts[(k // len(labels)) *
                                                                  len(labels) + j] == 0]
        raise ValueError(f"group {gids[k // len(labels)]!r} has no samples of classes {absent}")
    means = (onehot @ X) / counts[:, None]
    return means.reshape(len(gids), len(labels), X.shape[1])


def centroid_directions(X: Any, y: Sequence[Hashable], groups: Sequence[Hashable] | None = None,
                        classes: Sequence[Hashable] | None = None, *, normalize: bool = True,
                        space: str = "") -> dict[Hashable, Direction]:
    """One direction per class: group-centre (if `groups`), average per class, remove the mean of
    the class centroids, and normalise to unit length (unless `normalize=False`)."""
    X, y = _xy(X, y)
    labels = _labels(y, classes)
    if len(labels) < 2:
        raise ValueError("directions need at least two classes")
    Z = group_centred(X, y, groups, labels) if groups is not None else X
    cents = np.stack([Z[y == c].mean(axis=0) for c in labels])
    cents = cents - cents.mean(axis=0, keepdims=True)
    out = {}
    for c, v in zip(labels, cents, strict=True):
        d = Direction(v, name=str(c), space=space, meta={"n": int((y == c).sum())})
        out[c] = d.unit() if normalize else d
    return out


def _mean_pairwise_cosine(V: np.ndarray) -> float:
    """Mean cosine over all pairs of rows (O(n d): |sum of unit rows|^2 = n + sum over pairs)."""
    n = len(V)
    if n < 2:
        return float("nan")
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    U = np.divide(V, norms, out=np.zeros_like(V), where=norms > 0)
    s = U.sum(axis=0)
    return float((s @ s - (norms[:, 0] > 0).sum()) / (n * (n - 1)))


def direction_stability(X: Any, y: Sequence[Hashable], groups: Sequence[Hashable],
                        classes: Sequence[Hashable] | None = None, *, n_shuffles: int = 5,
                        seed: int = 0) -> dict[str, Any]:
    """Mean cross-group cosine of each class's group-centred vectors, and the shuffled baseline.

    For class c, the vector of group g is the mean group-centred activation of c in g; stability
    is the mean cosine between the vectors of different groups. The baseline shuffles labels
    inside each group (`n_shuffles` times), which keeps group structure but breaks emotion.
    """
    X, y = _xy(X, y)
    g = np.asarray(list(groups), dtype=object)
    if len(g) != len(y):
        raise ValueError(f"{len(g)} group ids for {len(y)} samples")
    labels = _labels(y, classes)

    def score(labels_y: np.ndarray) -> dict[Hashable, float]:
        means = _group_class_means(X, labels_y, g, labels)  # (groups, classes, dim)
        centred = means - means.mean(axis=1, keepdims=True)
        return {c: _mean_pairwise_cosine(centred[:, k]) for k, c in enumerate(labels)}

    real = score(y)
    rng = np.random.default_rng(seed)
    shuffled = []
    for _ in range(n_shuffles):
        ys = y.copy()
        for gid in dict.fromkeys(g.tolist()):
            rows = np.flatnonzero(g == gid)
            ys[rows] = ys[rng.permutation(rows)]
        shuffled.append(score(ys))
    base = {c: float(np.mean([s[c] for s in shuffled])) for c in labels} if shuffled else {}
    return {"per_class": {str(c): v for c, v in real.items()},
            "mean": float(np.mean(list(real.values()))),
            "shuffled_per_class": {str(c): v for c, v in base.items()},
            "shuffled_mean": float(np.mean(list(base.values()))) if base else float("nan")}
