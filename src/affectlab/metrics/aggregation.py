"""Aggregating a metric over subjects, sequences or videos (OMG-Empathy style evaluation)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from affectlab.metrics import classification as _cls
from affectlab.metrics import continuous as _cont
from affectlab.metrics._validation import to_numpy

MetricFn = Callable[[Any, Any], float]
MetricLike = MetricFn | str

_REGISTRY: dict[str, MetricFn] = {
    "ccc": _cont.ccc,
    "pearson": _cont.pearson,
    "spearman": _cont.spearman,
    "mse": _cont.mse,
    "rmse": _cont.rmse,
    "mae": _cont.mae,
    "accuracy": _cls.accuracy,
    "weighted_accuracy": _cls.weighted_accuracy,
    "balanced_accuracy": _cls.balanced_accuracy,
    "uar": _cls.uar,
    "macro_f1": _cls.macro_f1,
    "weighted_f1": _cls.weighted_f1,
    "micro_f1": _cls.micro_f1,
    "present_only_macro_f1": _cls.present_only_macro_f1,
    "present_only_balanced_accuracy": _cls.present_only_balanced_accuracy,
}


def get_metric(metric: MetricLike) -> MetricFn:
    """A metric callable ``fn(y_true, y_pred) -> float``, from itself or from its name."""
    if callable(metric):
        return metric
    if isinstance(metric, str) and metric in _REGISTRY:
        return _REGISTRY[metric]
    raise ValueError(f"unknown metric {metric!r}; pass a callable or one of {sorted(_REGISTRY)}")


def _pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t, p = to_numpy(y_true, "y_true"), to_numpy(y_pred, "y_pred")
    if t.ndim == 0 or p.ndim == 0:
        raise ValueError("y_true and y_pred must be arrays, not scalars")
    if len(t) != len(p):
        raise ValueError(f"length mismatch: y_true has {len(t)} samples, y_pred has {len(p)}")
    if len(t) == 0:
        raise ValueError("empty input: y_true and y_pred need at least one sample")
    return t, p


def _groups(groups: ArrayLike, n: int, name: str) -> tuple[list[Any], list[np.ndarray]]:
    """Group keys in order of first appearance and the sample indices of each group."""
    g = to_numpy(groups, name)
    if g.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {g.shape}")
    if g.size != n:
        raise ValueError(f"length mismatch: {name} has {g.size} entries for {n} samples")
    codes, uniques = pd.factorize(g, sort=False)
    if (codes < 0).any():
        raise ValueError(f"{name} contains missing ids (None or NaN)")
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(uniques)))[:-1]
    keys = [u.item() if isinstance(u, np.generic) else u for u in uniques]
    return keys, np.split(order, bounds)


def _mean(values: Sequence[float], ignore_nan: bool) -> float:
    arr = np.asarray(values, dtype=np.float64)
    if ignore_nan:
        arr = arr[~np.isnan(arr)]
    return float(arr.mean()) if arr.size else float("nan")


def per_subject(
    metric: MetricLike, y_true: ArrayLike, y_pred: ArrayLike, subjects: ArrayLike
) -> dict[Any, float]:
    """The metric computed separately on each subject's samples: ``{subject: value}``."""
    fn = get_metric(metric)
    t, p = _pair(y_true, y_pred)
    keys, idx = _groups(subjects, len(t), "subjects")
    return {k: float(fn(t[i], p[i])) for k, i in zip(keys, idx, strict=True)}


def mean_over_subjects(
    metric: MetricLike,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    subjects: ArrayLike,
    ignore_nan: bool = False,
) -> float:
    """Unweighted mean of the per-subject values: each subject counts once, however long.

    A nan for any subject (e.g. Pearson on a constant trace) propagates unless ``ignore_nan``.
    """
    return _mean(list(per_subject(metric, y_true, y_pred, subjects).values()), ignore_nan)


def _sequences(
    y_true_seqs: Sequence[ArrayLike], y_pred_seqs: Sequence[ArrayLike]
) -> list[tuple[np.ndarray, np.ndarray]]:
    if len(y_true_seqs) != len(y_pred_seqs):
        raise ValueError(
            f"got {len(y_true_seqs)} true sequences and {len(y_pred_seqs)} predicted ones"
        )
    if len(y_true_seqs) == 0:
        raise ValueError("empty input: no sequences")
    out = []
    for i, (t, p) in enumerate(zip(y_true_seqs, y_pred_seqs, strict=True)):
        try:
            out.append(_pair(t, p))
        except ValueError as exc:
            raise ValueError(f"sequence {i}: {exc}") from exc
    return out


def per_sequence(
    metric: MetricLike, y_true_seqs: Sequence[ArrayLike], y_pred_seqs: Sequence[ArrayLike]
) -> list[float]:
    """The metric on each (true, predicted) sequence pair, in order."""
    fn = get_metric(metric)
    return [float(fn(t, p)) for t, p in _sequences(y_true_seqs, y_pred_seqs)]


def mean_over_sequences(
    metric: MetricLike,
    y_true_seqs: Sequence[ArrayLike],
    y_pred_seqs: Sequence[ArrayLike],
    ignore_nan: bool = False,
) -> float:
    """Unweighted mean of the per-sequence values (each video or story counts once)."""
    return _mean(per_sequence(metric, y_true_seqs, y_pred_seqs), ignore_nan)


def pooled(
    metric: MetricLike, y_true_seqs: Sequence[ArrayLike], y_pred_seqs: Sequence[ArrayLike]
) -> float:
    """The metric on all sequences concatenated (long sequences weigh more)."""
    pairs = _sequences(y_true_seqs, y_pred_seqs)
    t = np.concatenate([a for a, _ in pairs])
    p = np.concatenate([b for _, b in pairs])
    return float(get_metric(metric)(t, p))


def omg_empathy_scores(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    subjects: ArrayLike,
    stories: ArrayLike,
    metric: MetricLike = "ccc",
) -> dict[str, Any]:
    """OMG-Empathy evaluation: the metric per (subject, story) video, then the two track means.

    ``personalised`` = mean over subjects of each subject's mean over stories; ``generalised`` =
    mean over stories of each story's mean over subjects (as the challenge's scoring script).
    """
    fn = get_metric(metric)
    t, p = _pair(y_true, y_pred)
    subj_keys, subj_idx = _groups(subjects, len(t), "subjects")
    story = to_numpy(stories, "stories")
    _groups(story, len(t), "stories")  # validates length and missing ids
    per_video: dict[tuple[Any, Any], float] = {}
    for s_key, rows in zip(subj_keys, subj_idx, strict=True):
        st_keys, st_idx = _groups(story[rows], len(rows), "stories")
        for st_key, sub in zip(st_keys, st_idx, strict=True):
            r = rows[sub]
            per_video[(s_key, st_key)] = float(fn(t[r], p[r]))
    by_subject: dict[Any, list[float]] = {}
    by_story: dict[Any, list[float]] = {}
    for (s_key, st_key), v in per_video.items():
        by_subject.setdefault(s_key, []).append(v)
        by_story.setdefault(st_key, []).append(v)
    per_subj = {k: _mean(v, False) for k, v in by_subject.items()}
    per_story = {k: _mean(v, False) for k, v in by_story.items()}
    return {
        "per_video": per_video,
        "per_subject": per_subj,
        "per_story": per_story,
        "personalised": _mean(list(per_subj.values()), False),
        "generalised": _mean(list(per_story.values()), False),
    }
