"""Input checking shared by the metric functions: arrays in, clear ValueErrors out."""

from __future__ import annotations

import numbers
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

NanPolicy = Literal["raise", "omit", "propagate"]
TargetKind = Literal["multiclass", "multilabel"]


def to_numpy(x: Any, name: str) -> np.ndarray:
    """Turn a list, tuple, numpy array or pandas object into a numpy array."""
    if x is None:
        raise ValueError(f"{name} is None")
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
        x = x.to_numpy()
    if isinstance(x, (list, tuple)):
        try:
            arr = np.asarray(x)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"{name} is ragged: rows of different lengths") from exc
        if arr.dtype.kind in "US":
            # np.asarray([1, "a"]) silently turns the 1 into "1": refuse such mixes.
            _check_uniform_types(np.asarray(x, dtype=object), name)
        return arr
    return np.asarray(x)


def _check_uniform_types(obj: np.ndarray, name: str) -> None:
    flat = obj.ravel()
    n_str = sum(isinstance(v, (str, np.str_, bytes)) for v in flat)
    if 0 < n_str < flat.size:
        raise ValueError(f"{name} mixes string and non-string labels")


def _object_to_typed(arr: np.ndarray, name: str) -> np.ndarray:
    """Convert an object array (e.g. from pandas) holding only str or only numbers."""
    flat = arr.ravel()
    if flat.size == 0:
        return arr.astype(float)
    if all(isinstance(v, (str, np.str_)) for v in flat):
        return arr.astype(str)
    if all(isinstance(v, numbers.Number) for v in flat):
        out = arr.astype(float)
        if np.all(out == np.round(out)):
            return out.astype(np.int64) if np.all(np.isfinite(out)) else out
        return out
    if any(v is None or type(v).__name__ == "NAType" for v in flat):
        raise ValueError(f"{name} contains missing values (None / pd.NA)")
    raise ValueError(f"{name} mixes string and non-string labels, or holds unsupported objects")


def label_array(x: Any, name: str) -> np.ndarray:
    """A label array (strings or numbers) with no missing values."""
    arr = to_numpy(x, name)
    if arr.dtype.kind == "O":
        arr = _object_to_typed(arr, name)
    if arr.dtype.kind not in "biufUS":
        raise ValueError(f"{name} has unsupported dtype {arr.dtype}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN labels")
    return arr


def _kind(arr: np.ndarray) -> str:
    return "str" if arr.dtype.kind in "US" else "num"


def check_classification(
    y_true: ArrayLike, y_pred: ArrayLike
) -> tuple[TargetKind, np.ndarray, np.ndarray]:
    """Validate a pair of classification targets: 1-D labels or 2-D 0/1 indicator matrices."""
    t = label_array(y_true, "y_true")
    p = label_array(y_pred, "y_pred")
    for arr, name in ((t, "y_true"), (p, "y_pred")):
        if arr.ndim not in (1, 2):
            raise ValueError(
                f"{name} must be 1-D labels or a 2-D indicator matrix, got {arr.ndim}-D"
            )
    if t.ndim != p.ndim:
        raise ValueError(
            f"y_true is {t.ndim}-D and y_pred is {p.ndim}-D: cannot mix multi-class "
            "(1-D labels) and multi-label (2-D 0/1 indicator) input"
        )
    if t.shape[0] == 0 or p.shape[0] == 0:
        raise ValueError("empty input: y_true and y_pred need at least one sample")
    if t.shape != p.shape:
        raise ValueError(f"shape mismatch: y_true has shape {t.shape}, y_pred has shape {p.shape}")
    if t.ndim == 2:
        if t.shape[1] == 0:
            raise ValueError("multi-label input needs at least one label column")
        for arr, name in ((t, "y_true"), (p, "y_pred")):
            if _kind(arr) != "num" or not np.isin(arr, (0, 1)).all():
                raise ValueError(
                    f"2-D {name} must be a 0/1 indicator matrix (multi-label); "
                    "pass multi-class labels as a 1-D array"
                )
        return "multilabel", t.astype(bool), p.astype(bool)
    if _kind(t) != _kind(p):
        raise ValueError("y_true and y_pred mix string and numeric labels")
    return "multiclass", t, p


def check_multiclass(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Like check_classification, but refuses multi-label input."""
    kind, t, p = check_classification(y_true, y_pred)
    if kind != "multiclass":
        raise ValueError("this metric needs 1-D multi-class labels, not a multi-label matrix")
    return t, p


def resolve_labels(
    kind: TargetKind, t: np.ndarray, p: np.ndarray, labels: ArrayLike | None
) -> np.ndarray:
    """The ordered classes to score: `labels` if given, else the sorted union of both arrays.

    For multi-label input the classes are column indices.
    """
    if kind == "multilabel":
        n_cols = t.shape[1]
        if labels is None:
            return np.arange(n_cols)
        idx = to_numpy(labels, "labels")
        if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
            raise ValueError(
                "for multi-label input, labels must be a non-empty list of column indices"
            )
        if idx.min() < 0 or idx.max() >= n_cols:
            raise ValueError(f"labels holds column indices outside [0, {n_cols})")
        if np.unique(idx).size != idx.size:
            raise ValueError("labels contains duplicates")
        return idx
    if labels is None:
        return np.union1d(t, p)
    lab = label_array(labels, "labels")
    if lab.ndim != 1 or lab.size == 0:
        raise ValueError("labels must be a non-empty 1-D list of classes")
    if _kind(lab) != _kind(t):
        raise ValueError("labels and y_true mix string and numeric labels")
    if np.unique(lab).size != lab.size:
        raise ValueError("labels contains duplicates")
    return lab


def index_in(classes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position of each value in `classes` (any order), or -1 where it is not a class."""
    sorter = np.argsort(classes, kind="mergesort")
    pos = np.searchsorted(classes, values, sorter=sorter)
    pos = np.clip(pos, 0, classes.size - 1)
    idx = sorter[pos]
    return np.where(classes[idx] == values, idx, -1)


def check_continuous(
    x: ArrayLike, y: ArrayLike, nan_policy: NanPolicy = "raise"
) -> tuple[np.ndarray, np.ndarray] | None:
    """Validate two equal-length 1-D numeric series; returns None if NaN should propagate."""
    if nan_policy not in ("raise", "omit", "propagate"):
        raise ValueError(f"nan_policy must be 'raise', 'omit' or 'propagate', got {nan_policy!r}")
    arrs = []
    for v, name in ((x, "x"), (y, "y")):
        a = to_numpy(v, name)
        if a.dtype.kind == "O":
            a = _object_to_typed(a, name)
        if a.dtype.kind not in "biuf":
            raise ValueError(f"{name} must be numeric, got dtype {a.dtype}")
        if a.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
        arrs.append(a.astype(np.float64))
    a, b = arrs
    if a.size != b.size:
        raise ValueError(f"length mismatch: x has {a.size} values, y has {b.size}")
    if a.size == 0:
        raise ValueError("empty input: x and y need at least one value")
    if np.isinf(a).any() or np.isinf(b).any():
        raise ValueError("x or y contains infinite values")
    nan = np.isnan(a) | np.isnan(b)
    if nan.any():
        if nan_policy == "raise":
            raise ValueError(
                f"x or y contains NaN ({int(nan.sum())} of {a.size} pairs); "
                "pass nan_policy='omit' to drop those pairs or 'propagate' to return nan"
            )
        if nan_policy == "propagate":
            return None
        a, b = a[~nan], b[~nan]
        if a.size == 0:
            raise ValueError("no pairs left after omitting NaN")
    return a, b
