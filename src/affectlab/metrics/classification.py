"""Classification metrics in plain numpy: F1 family, accuracy, UAR, present-only scores.

Conventions follow scikit-learn with ``zero_division=0``: a ratio whose denominator is zero
counts as 0 (see docs/metrics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from affectlab.metrics._validation import (
    TargetKind,
    check_classification,
    check_multiclass,
    index_in,
    resolve_labels,
)

Average = Literal["macro", "weighted", "micro", "samples"] | None
_AVERAGES = ("macro", "weighted", "micro", "samples", None)


@dataclass(frozen=True)
class _Counts:
    kind: TargetKind
    classes: np.ndarray
    t: np.ndarray
    p: np.ndarray
    tp: np.ndarray
    n_pred: np.ndarray
    n_true: np.ndarray


def _class_counts(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None) -> _Counts:
    """Per-class true positives, predicted counts and true counts over the resolved classes."""
    kind, t, p = check_classification(y_true, y_pred)
    classes = resolve_labels(kind, t, p, labels)
    if kind == "multilabel":
        tc, pc = t[:, classes], p[:, classes]
        tp, n_pred, n_true = (tc & pc).sum(0), pc.sum(0), tc.sum(0)
    else:
        k = classes.size
        it, ip = index_in(classes, t), index_in(classes, p)
        n_true = np.bincount(it[it >= 0], minlength=k)
        n_pred = np.bincount(ip[ip >= 0], minlength=k)
        tp = np.bincount(it[(it >= 0) & (it == ip)], minlength=k)
    return _Counts(
        kind, classes, t, p, tp.astype(np.int64), n_pred.astype(np.int64), n_true.astype(np.int64)
    )


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den elementwise, with 0 where den == 0 (scikit-learn's zero_division=0)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _prf(tp: np.ndarray, n_pred: np.ndarray, n_true: np.ndarray) -> tuple[np.ndarray, ...]:
    return _ratio(tp, n_pred), _ratio(tp, n_true), _ratio(2 * tp, n_pred + n_true)


def precision_recall_f1(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    average: Average = None,
    labels: ArrayLike | None = None,
) -> dict[str, Any]:
    """Precision, recall, F1 and support, per class (``average=None``) or averaged.

    Returns a dict with keys ``labels``, ``precision``, ``recall``, ``f1``, ``support``;
    per-class values are arrays ordered like ``labels``, averaged values are floats.
    """
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}")
    c = _class_counts(y_true, y_pred, labels)
    prec, rec, f = _prf(c.tp, c.n_pred, c.n_true)
    out: dict[str, Any] = {"labels": c.classes, "support": c.n_true}
    if average is None:
        out.update(precision=prec, recall=rec, f1=f)
        return out
    out["support"] = int(c.n_true.sum())
    if average == "macro":
        vals = (prec.mean(), rec.mean(), f.mean())
    elif average == "weighted":
        w = c.n_true.astype(np.float64)
        total = w.sum()
        vals = (
            (0.0, 0.0, 0.0) if total == 0 else tuple((w * v).sum() / total for v in (prec, rec, f))
        )
    elif average == "micro":
        vals = tuple(float(v) for v in _prf(c.tp.sum(), c.n_pred.sum(), c.n_true.sum()))
    else:  # samples
        if c.kind != "multilabel":
            raise ValueError("average='samples' is only defined for multi-label input")
        tc, pc = c.t[:, c.classes], c.p[:, c.classes]
        rows = _prf((tc & pc).sum(1), pc.sum(1), tc.sum(1))
        vals = tuple(r.mean() for r in rows)
    out.update(precision=float(vals[0]), recall=float(vals[1]), f1=float(vals[2]))
    return out


def f1(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    average: Average = "macro",
    labels: ArrayLike | None = None,
) -> float | np.ndarray:
    """F1 score for multi-class labels or multi-label indicator matrices.

    ``average=None`` returns per-class scores ordered like ``labels`` (default: sorted union of
    the classes in both arrays; column order for multi-label input).
    """
    return precision_recall_f1(y_true, y_pred, average=average, labels=labels)["f1"]


def macro_f1(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None) -> float:
    """Unweighted mean of per-class F1: every class counts the same, however rare."""
    return float(f1(y_true, y_pred, average="macro", labels=labels))


def weighted_f1(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None) -> float:
    """Mean of per-class F1 weighted by each class's true support."""
    return float(f1(y_true, y_pred, average="weighted", labels=labels))


def micro_f1(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None) -> float:
    """F1 of the pooled counts; equals accuracy for multi-class input without ``labels``."""
    return float(f1(y_true, y_pred, average="micro", labels=labels))


def per_class_f1(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> dict[Any, float]:
    """Per-class F1 as a ``{label: score}`` dict, convenient for reports."""
    res = precision_recall_f1(y_true, y_pred, average=None, labels=labels)
    return {_scalar(k): float(v) for k, v in zip(res["labels"], res["f1"], strict=True)}


def _scalar(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Fraction of correct samples; for multi-label input, of rows matched exactly."""
    kind, t, p = check_classification(y_true, y_pred)
    hit = (t == p) if kind == "multiclass" else (t == p).all(axis=1)
    return float(hit.mean())


def weighted_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Speech-emotion "WA": plain accuracy (= support-weighted mean of per-class recall)."""
    check_multiclass(y_true, y_pred)
    return accuracy(y_true, y_pred)


def balanced_accuracy(y_true: ArrayLike, y_pred: ArrayLike, adjusted: bool = False) -> float:
    """Unweighted mean of per-class recall over the classes present in ``y_true`` (UAR).

    ``adjusted=True`` rescales so chance (1 / number of true classes) scores 0 and perfect 1;
    with a single true class that rescaling is undefined and gives nan.
    """
    t, p = check_multiclass(y_true, y_pred)
    classes = np.unique(t)
    score = float(_present_recalls(t, p, classes).mean())
    if not adjusted:
        return score
    if classes.size == 1:
        return float("nan")
    chance = 1.0 / classes.size
    return (score - chance) / (1.0 - chance)


def uar(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Unweighted average recall, the speech-emotion name for balanced accuracy."""
    return balanced_accuracy(y_true, y_pred)


def _present_recalls(t: np.ndarray, p: np.ndarray, classes: np.ndarray) -> np.ndarray:
    it = index_in(classes, t)
    n_true = np.bincount(it[it >= 0], minlength=classes.size)
    tp = np.bincount(it[(it >= 0) & (t == p)], minlength=classes.size)
    return tp / n_true


def _present_mask(c: _Counts) -> np.ndarray:
    mask = c.n_true > 0
    if not mask.any():
        raise ValueError("none of the candidate classes occurs in y_true")
    return mask


def present_only_macro_f1(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> float:
    """Macro-F1 averaged only over classes that occur in ``y_true`` (label-set mismatch).

    Candidates are ``labels`` (default: every class seen); classes absent from ``y_true`` are
    left out of the mean, but predicting them still costs the true class a false negative.
    Multi-label input: averages over columns with at least one positive.
    """
    c = _class_counts(y_true, y_pred, labels)
    mask = _present_mask(c)
    _, _, f = _prf(c.tp, c.n_pred, c.n_true)
    return float(f[mask].mean())


def present_only_balanced_accuracy(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> float:
    """Mean recall over classes that occur in ``y_true`` (and in ``labels``, if given).

    Any prediction other than the true class is an error, including classes outside the set.
    With ``labels=None`` this equals :func:`balanced_accuracy`.
    """
    t, p = check_multiclass(y_true, y_pred)
    c = _class_counts(t, p, labels)
    mask = _present_mask(c)
    return float((c.tp[mask] / c.n_true[mask]).mean())


def confusion_matrix(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> np.ndarray:
    """Counts ``C[i, j]`` of samples with true class ``labels[i]`` predicted as ``labels[j]``.

    Samples whose true or predicted label is not in ``labels`` are left out, as in scikit-learn.
    """
    t, p = check_multiclass(y_true, y_pred)
    classes = resolve_labels("multiclass", t, p, labels)
    k = classes.size
    it, ip = index_in(classes, t), index_in(classes, p)
    keep = (it >= 0) & (ip >= 0)
    return np.bincount(it[keep] * k + ip[keep], minlength=k * k).reshape(k, k).astype(np.int64)
