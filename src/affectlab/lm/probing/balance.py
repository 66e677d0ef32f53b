"""Class balancing for emotion probes, following "Decoding Emotion in the Deep".

The paper balances the *training* split by oversampling minority emotion classes (with
replacement) up to the largest emotion class and downsampling the over-represented neutral class
to that same size; the *test* split is undersampled to its smallest class, so accuracy there is
not inflated by a majority class. Both rules are pure functions from labels to row indices, so one
result can index texts, label arrays and activation matrices alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["balance_train", "undersample_test"]


def _check_labels(labels: ArrayLike | Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels as a 1-D array, plus its classes (sorted) and each row's class index."""
    if hasattr(labels, "to_numpy") and not isinstance(labels, np.ndarray):
        labels = labels.to_numpy()  # pandas Series / Index
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise ValueError(f"labels must be 1-D (one label per row), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("labels is empty: nothing to balance")
    try:
        classes, codes = np.unique(arr, return_inverse=True)
    except TypeError as exc:  # e.g. str mixed with None in an object array
        raise ValueError(f"labels could not be compared with each other: {exc}") from exc
    if classes.size < 2:
        raise ValueError(
            f"labels hold a single class ({classes[0]!r}): balancing needs at least 2 classes"
        )
    return arr, classes, codes.ravel()


def _resample(rows: np.ndarray, target: int, rng: np.random.Generator) -> np.ndarray:
    """`target` rows of one class: a draw without replacement when the class is larger, else every
    row once plus `target - len(rows)` extra draws with replacement."""
    if rows.size > target:
        return rng.choice(rows, size=target, replace=False)
    extra = rng.choice(rows, size=target - rows.size, replace=True)
    return np.concatenate([rows, extra])


def balance_train(
    labels: ArrayLike | Sequence[Any], *, neutral: Any = "neutral", seed: int = 0
) -> np.ndarray:
    """Row indices of a balanced training set: every class brought to the size of the largest
    emotion (non-`neutral`) class, so probes do not learn the majority-neutral prior.

    Minority classes keep all their rows and are topped up by draws with replacement; the neutral
    class is downsampled without replacement (a neutral class smaller than the target is topped up
    like any other). Without a `neutral` class (or with ``neutral=None``) every class is
    oversampled to the largest class. The result is shuffled and depends only on `seed`.
    """
    _, classes, codes = _check_labels(labels)
    counts = np.bincount(codes, minlength=classes.size)
    is_neutral = np.zeros(classes.size, dtype=bool)
    if neutral is not None:
        is_neutral = np.array([_same_label(c, neutral) for c in classes], dtype=bool)
    target = int(counts[~is_neutral].max())
    rng = np.random.default_rng(seed)
    parts = [_resample(np.flatnonzero(codes == k), target, rng) for k in range(classes.size)]
    return rng.permutation(np.concatenate(parts)).astype(np.intp)


def undersample_test(labels: ArrayLike | Sequence[Any], *, seed: int = 0) -> np.ndarray:
    """Row indices of a test set undersampled (without replacement) to its smallest class, so
    accuracy is not inflated by a majority class. Indices come back sorted (original row order);
    which rows are kept depends only on `seed`."""
    _, classes, codes = _check_labels(labels)
    target = int(np.bincount(codes, minlength=classes.size).min())
    rng = np.random.default_rng(seed)
    parts = [
        rng.choice(np.flatnonzero(codes == k), size=target, replace=False)
        for k in range(classes.size)
    ]
    return np.sort(np.concatenate(parts)).astype(np.intp)


def _same_label(a: Any, b: Any) -> bool:
    """Label equality that never raises or broadcasts (e.g. int class vs str `neutral`)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
