"""Multi-label helpers: F1 on indicator matrices, thresholding, per-label threshold tuning."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from affectlab.metrics._validation import check_classification, label_array, to_numpy
from affectlab.metrics.classification import Average, f1

DEFAULT_GRID = np.linspace(0.05, 0.95, 19)


def multilabel_f1(
    Y_true: ArrayLike,
    Y_pred: ArrayLike,
    average: Average = "macro",
    labels: ArrayLike | None = None,
) -> float | np.ndarray:
    """F1 for 0/1 indicator matrices (rows = samples, columns = labels); refuses 1-D input."""
    kind, _, _ = check_classification(Y_true, Y_pred)
    if kind != "multilabel":
        raise ValueError("multilabel_f1 needs 2-D 0/1 indicator matrices; use f1 for 1-D labels")
    return f1(Y_true, Y_pred, average=average, labels=labels)


def _scores(probs: ArrayLike, name: str = "probs") -> np.ndarray:
    s = to_numpy(probs, name)
    if s.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {s.dtype}")
    if s.ndim != 2 or s.shape[0] == 0 or s.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D (samples x labels) array, got {s.shape}")
    s = s.astype(np.float64)
    if not np.isfinite(s).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return s


def apply_thresholds(probs: ArrayLike, thresholds: float | ArrayLike = 0.5) -> np.ndarray:
    """0/1 predictions: label ``j`` is on where ``probs[:, j] >= thresholds[j]``.

    ``thresholds`` is one number for every label or one per column.
    """
    s = _scores(probs)
    th = np.asarray(thresholds, dtype=np.float64)
    if th.ndim == 0:
        th = np.full(s.shape[1], float(th))
    if th.shape != (s.shape[1],):
        raise ValueError(f"need one threshold or {s.shape[1]} thresholds, got shape {th.shape}")
    if np.isnan(th).any():
        raise ValueError("thresholds contain NaN")
    return (s >= th).astype(np.int64)


def tune_thresholds(
    Y_true: ArrayLike,
    probs: ArrayLike,
    grid: ArrayLike | None = None,
    default: float = 0.5,
) -> np.ndarray:
    """Per-label thresholds from ``grid`` that maximise each label's F1 (tune on dev, not test).

    Ties (including labels with no positives, where F1 is 0 everywhere) go to the grid value
    closest to ``default``, then to the smaller one.
    """
    s = _scores(probs)
    t = label_array(Y_true, "Y_true")
    if t.ndim != 2 or t.dtype.kind not in "biuf" or not np.isin(t, (0, 1)).all():
        raise ValueError("Y_true must be a 2-D 0/1 indicator matrix")
    if t.shape != s.shape:
        raise ValueError(f"shape mismatch: Y_true has shape {t.shape}, probs has shape {s.shape}")
    t = t.astype(bool)
    g = DEFAULT_GRID if grid is None else np.asarray(grid, dtype=np.float64).ravel()
    if g.size == 0 or not np.isfinite(g).all():
        raise ValueError("grid must be a non-empty list of finite thresholds")
    g = np.unique(g)  # sorted, so equal distances to `default` resolve to the smaller value
    n_true = t.sum(0)
    f = np.zeros((g.size, s.shape[1]))
    for i, th in enumerate(g):  # one pass per grid value keeps memory at samples x labels
        pred = s >= th
        den = (pred.sum(0) + n_true).astype(np.float64)
        np.divide(2.0 * (pred & t).sum(0), den, out=f[i], where=den > 0)
    best = f.max(0)
    # Among the maximising grid values, the one nearest `default`.
    dist = np.where(
        np.isclose(f, best[None], rtol=0, atol=1e-12), np.abs(g - default)[:, None], np.inf
    )
    return g[dist.argmin(0)]
