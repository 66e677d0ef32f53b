"""Ambivalence and hesitancy as cross-modal discord (after BAH): a per-segment score from how
much the modalities disagree, in their emotion distributions (Jensen-Shannon divergence,
base 2, in [0, 1]) and in their valence (half the absolute difference, in [0, 1]), averaged
over every pair of modalities present. A person's own baseline can be taken out
(`adapt_by_subject`: each score standardised with that person's unlabeled segments), and the
scores reported the way BAH reports them (`bah_report`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np


def js_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Row-wise Jensen-Shannon divergence of two (n, K) distributions, base 2 (0 equal, 1
    disjoint)."""
    p, q = np.clip(p, 0, None), np.clip(q, 0, None)
    m = (p + q) / 2

    def kl(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, a * np.log2(a / np.where(b > 0, b, 1)), 0.0).sum(1)

    return np.clip((kl(p, m) + kl(q, m)) / 2, 0, 1)


def discord_score(dists: Sequence[np.ndarray], valences: Sequence[np.ndarray],
                  valence_weight: float = 0.5) -> np.ndarray:
    """(n,) discord in [0, 1] from M modalities' (n, K) distributions and (n,) valences in
    [-1, 1]; NaN rows mark an absent modality. Fewer than two present: NaN (no discord can be
    seen with one modality)."""
    if len(dists) != len(valences) or len(dists) < 2:
        raise ValueError("discord needs the distributions and valences of at least two "
                         "modalities")
    P = [np.asarray(d, float) for d in dists]
    V = [np.asarray(v, float) for v in valences]
    total = np.zeros(len(P[0]))
    count = np.zeros(len(P[0]))
    for i, j in combinations(range(len(P)), 2):
        ok = np.isfinite(P[i]).all(1) & np.isfinite(P[j]).all(1) & np.isfinite(V[i]) & \
            np.isfinite(V[j])
        js = js_divergence(np.where(ok[:, None], P[i], 1), np.where(ok[:, None], P[j], 1))
        dv = np.abs(np.where(ok, V[i], 0) - np.where(ok, V[j], 0)) / 2
        total += np.where(ok, (1 - valence_weight) * js + valence_weight * dv, 0)
        count += ok
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def adapt_by_subject(scores: np.ndarray, subjects: Sequence[Any]) -> np.ndarray:
    """Each person's scores standardised with that person's own (unlabeled) scores: someone
    whose face and voice always disagree a little is not ambivalent all the time."""
    s = np.asarray(scores, float)
    out = np.full_like(s, np.nan)
    subj = np.asarray(subjects, dtype=object)
    for person in dict.fromkeys(subj.tolist()):
        idx = np.flatnonzero((subj == person) & np.isfinite(s))
        if len(idx) < 2:
            out[idx] = 0.0
            continue
        sd = s[idx].std()
        out[idx] = (s[idx] - s[idx].mean()) / (sd if sd > 1e-12 else 1.0)
    return out


def video_scores(y_true: np.ndarray, scores: np.ndarray,
                 videos: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Per video: its label (positive when any segment is) and its score (the highest)."""
    y, s = np.asarray(y_true, int), np.asarray(scores, float)
    vid = np.asarray(videos, dtype=object)
    keys = list(dict.fromkeys(vid.tolist()))
    return (np.array([y[vid == k].max() for k in keys]),
            np.array([s[vid == k].max() for k in keys]))


def best_threshold(y_true: np.ndarray, scores: np.ndarray) -> float:
    """The threshold with the best two-class macro F1 (for choosing on held-out people)."""
    from sklearn.metrics import f1_score

    grid = np.unique(np.quantile(scores, np.linspace(0.02, 0.98, 97)))
    return float(max(grid, key=lambda g: f1_score(y_true, scores >= g, average="macro")))


def bah_report(y_true: np.ndarray, scores: np.ndarray, threshold: float,
               videos: Sequence[Any] | None = None,
               video_threshold: float | None = None) -> dict[str, float]:
    """BAH's measures: frame (segment) level F1 averaged over the two classes and average
    precision of the positive class; with `videos`, the same per video (a video is positive
    when any of its segments is; its score is its highest segment score, compared with
    `video_threshold`, by default `threshold`)."""
    from sklearn.metrics import average_precision_score, f1_score

    y = np.asarray(y_true, int)
    s = np.asarray(scores, float)
    out = {"frame_f1_macro": float(f1_score(y, s >= threshold, average="macro")),
           "frame_ap": float(average_precision_score(y, s))}
    if videos is not None:
        vy, vs = video_scores(y, s, videos)
        vt = threshold if video_threshold is None else video_threshold
        out.update({"video_f1_macro": float(f1_score(vy, vs >= vt, average="macro")),
                    "video_ap": float(average_precision_score(vy, vs)), "videos": len(vy)})
    return out
