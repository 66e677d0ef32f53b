"""Metrics for continuous targets (valence, arousal, empathy traces): CCC, correlations, errors.

Undefined cases return nan or a documented value rather than warning; bad input raises
ValueError (see docs/metrics.md).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from affectlab.metrics._validation import NanPolicy, check_continuous


def _is_constant(a: np.ndarray) -> bool:
    return bool(np.all(a == a[0]))


def ccc(x: ArrayLike, y: ArrayLike, nan_policy: NanPolicy = "raise") -> float:
    """Lin's concordance correlation coefficient with population (1/n) moments.

    ``2 cov(x, y) / (var x + var y + (mean x - mean y)^2)``; the denominator is 0 only for two
    identical constant series, which agree perfectly, so that case is 1.0.
    """
    pair = check_continuous(x, y, nan_policy)
    if pair is None:
        return float("nan")
    a, b = pair
    const_a, const_b = _is_constant(a), _is_constant(b)
    if const_a and const_b:
        return 1.0 if a[0] == b[0] else 0.0
    if const_a or const_b:
        return 0.0  # covariance is exactly 0, denominator > 0
    scale = max(np.abs(a).max(), np.abs(b).max())  # CCC is invariant to a common scale;
    a, b = a / scale, b / scale  # dividing first keeps squares of huge values finite
    da, db = a - a.mean(), b - b.mean()
    cov = np.mean(da * db)
    den = np.mean(da * da) + np.mean(db * db) + (a.mean() - b.mean()) ** 2
    return float(np.clip(2.0 * cov / den, -1.0, 1.0))


def pearson(x: ArrayLike, y: ArrayLike, nan_policy: NanPolicy = "raise") -> float:
    """Pearson correlation; nan when either series is constant (including a single value)."""
    pair = check_continuous(x, y, nan_policy)
    if pair is None:
        return float("nan")
    return _pearson(*pair)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if _is_constant(a) or _is_constant(b):
        return float("nan")
    da, db = a - a.mean(), b - b.mean()
    # Scale to max |value| 1, then to unit length, so huge values cannot overflow.
    da, db = da / np.abs(da).max(), db / np.abs(db).max()
    r = np.dot(da / np.linalg.norm(da), db / np.linalg.norm(db))
    return float(np.clip(r, -1.0, 1.0))


def average_ranks(a: ArrayLike) -> np.ndarray:
    """1-based ranks with ties given the mean of the ranks they span (scipy's 'average')."""
    v = np.asarray(a)
    if v.ndim != 1:
        raise ValueError(f"average_ranks needs a 1-D array, got shape {v.shape}")
    order = np.argsort(v, kind="mergesort")
    s = v[order]
    new = np.ones(v.size, dtype=bool)
    new[1:] = s[1:] != s[:-1]
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], v.size)
    group_rank = (starts + ends + 1) / 2.0  # mean of positions start+1 .. end
    ranks = np.empty(v.size)
    ranks[order] = group_rank[np.cumsum(new) - 1]
    return ranks


def spearman(x: ArrayLike, y: ArrayLike, nan_policy: NanPolicy = "raise") -> float:
    """Spearman rank correlation (Pearson on average ranks); nan when either is constant."""
    pair = check_continuous(x, y, nan_policy)
    if pair is None:
        return float("nan")
    a, b = pair
    return _pearson(average_ranks(a), average_ranks(b))


def mse(x: ArrayLike, y: ArrayLike, nan_policy: NanPolicy = "raise") -> float:
    """Mean squared error between two series."""
    pair = check_continuous(x, y, nan_policy)
    if pair is None:
        return float("nan")
    a, b = pair
    return float(np.mean((a - b) ** 2))


def rmse(x: ArrayLike, y: ArrayLike, nan_policy: NanPolicy = "raise") -> float:
    """Root mean squared error, in the units of the target."""
    return float(np.sqrt(mse(x, y, nan_policy)))


def mae(x: ArrayLike, y: ArrayLike, nan_policy: NanPolicy = "raise") -> float:
    """Mean absolute error."""
    pair = check_continuous(x, y, nan_policy)
    if pair is None:
        return float("nan")
    a, b = pair
    return float(np.mean(np.abs(a - b)))
