"""Calibration: how far a model's confidence is from how often it is right.

`expected_calibration_error` bins predictions by confidence (equal-width bins) and averages
|accuracy - confidence| over the bins, weighted by their size (Guo et al. 2017). For a
single-label model the confidence is the top probability and "right" means the top label is
the gold one; for a multi-label model every (item, label) probability is a prediction of that
label's presence. `fit_temperature` finds the one temperature T that makes softmax(z / T) or
sigmoid(z / T) fit held-out labels best (negative log-likelihood).
"""

from __future__ import annotations

import numpy as np


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 15,
                               multilabel: bool = False) -> float:
    """ECE in [0, 1]. `probs` (n, K); `y` gold class indices (n,) or, with `multilabel`, an
    (n, K) 0/1 indicator matrix."""
    p = np.asarray(probs, float)
    if multilabel:
        conf = p.ravel()
        right = np.asarray(y, float).ravel()
        if right.shape != conf.shape:
            raise ValueError("multilabel y must have the shape of probs")
    else:
        yy = np.asarray(y, int)
        if yy.shape != (len(p),):
            raise ValueError("y must hold one class index per row of probs")
        conf = p.max(1)
        right = (p.argmax(1) == yy).astype(float)
    if not np.isfinite(conf).all():
        raise ValueError("probs hold NaN or infinite values")
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            ece += sel.mean() * abs(right[sel].mean() - conf[sel].mean())
    return float(ece)


def fit_temperature(logits: np.ndarray, y: np.ndarray, multilabel: bool = False) -> float:
    """The temperature (0.05-20) minimising held-out negative log-likelihood."""
    from scipy.optimize import minimize_scalar

    z = np.asarray(logits, float)

    def nll(log_t: float) -> float:
        s = z / np.exp(log_t)
        if multilabel:
            t = np.asarray(y, float)
            return float(np.mean(np.logaddexp(0, s) - t * s))
        s = s - s.max(1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(1, keepdims=True))
        return float(-logp[np.arange(len(z)), np.asarray(y, int)].mean())

    res = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(res.x))
