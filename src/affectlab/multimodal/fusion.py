"""Late fusion: one emotion distribution from several modalities' distributions over the same
labels. A modality that is absent for an item (a NaN row: no face in the frame, no speech) is
left out of that item's fusion, never filled in; an item with no modality at all stays NaN.

Rules: `mean` (the average), `product` (product of experts: the normalised product),
`reliability` (an average weighted by each modality's own confidence, one minus its normalised
entropy), and `learned` (log-linear pooling: a weight per modality and a bias per label, fitted
by `LateFusion` on labelled items).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

RULES = ("mean", "product", "reliability", "learned")


def _stack(dists: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(modalities, n, K) distributions and the (modalities, n) mask of present rows."""
    if not len(dists):
        raise ValueError("fuse needs at least one modality")
    arr = np.stack([np.asarray(d, float) for d in dists])
    if arr.ndim != 3:
        raise ValueError("each modality's distributions must be a (items, labels) array of the "
                         "same shape")
    present = np.isfinite(arr).all(2)
    bad = present & ((arr < -1e-9).any(2) | (np.abs(arr.sum(2) - 1) > 1e-3))
    if bad.any():
        m, i = np.argwhere(bad)[0]
        raise ValueError(f"modality {m}, item {i}: not a probability distribution (it must be "
                         "non-negative and sum to 1; absent rows are NaN)")
    return arr, present


def reliability(p: np.ndarray) -> np.ndarray:
    """Confidence of each distribution (rows): 1 - entropy / log(labels), in [0, 1]."""
    p = np.clip(np.asarray(p, float), 1e-12, 1.0)
    return 1.0 - (-(p * np.log(p)).sum(-1)) / np.log(p.shape[-1])


def fuse(dists: Sequence[np.ndarray], rule: str = "mean", *,
         weights: Sequence[float] | None = None, bias: np.ndarray | None = None,
         eps: float = 1e-3) -> np.ndarray:
    """(n, K) fused distributions from M (n, K) ones. `weights` (one per modality) scale the
    mean and the product's exponents (`learned` is the product with weights and `bias`); `eps`
    floors probabilities in the product so one zero cannot veto a label."""
    if rule not in RULES:
        from affectlab.core.errors import UnknownNameError

        raise UnknownNameError("fusion rule", rule, RULES)
    arr, present = _stack(dists)
    w = np.ones(len(arr)) if weights is None else np.asarray(weights, float)
    if w.shape != (len(arr),):
        raise ValueError(f"{len(arr)} modalities but {w.size} weights")
    mask = present[..., None]
    safe = np.where(mask, arr, 0.0)
    if rule in ("mean", "reliability"):
        ww = w[:, None] * present
        if rule == "reliability":
            ww = ww * np.where(present, reliability(np.where(mask, arr, 1.0)), 0.0)
            # all modalities uninformative (uniform): fall back to the plain mean
            ww = np.where(ww.sum(0) > 0, ww, w[:, None] * present)
        total = ww.sum(0)[:, None]
        out = (ww[..., None] * safe).sum(0) / np.where(total > 0, total, 1.0)
    else:
        with np.errstate(divide="ignore"):
            logp = np.log(np.clip(safe, 0, 1) * (1 - eps * safe.shape[-1]) + eps)
        z = (w[:, None, None] * np.where(mask, logp, 0.0)).sum(0)
        if bias is not None:
            z = z + np.asarray(bias, float)
        z = z - z.max(1, keepdims=True)
        out = np.exp(z)
        out /= out.sum(1, keepdims=True)
    out[~present.any(0)] = np.nan
    return out


class LateFusion(ClassifierMixin, BaseEstimator):
    """Fuse M modalities' distributions over K labels, scikit-learn style.

    `X` is (n, M*K): the modalities' distributions side by side (NaN rows for an absent
    modality); `y` the label index (0..K-1) of each item. Only `rule="learned"` learns: a
    weight per modality and a bias per label (log-linear pooling), by L-BFGS on the
    cross-entropy with an L2 penalty `l2`. The other rules are fixed; `fit` only checks shapes.
    """

    def __init__(self, rule: str = "learned", n_modalities: int = 2, eps: float = 1e-3,
                 l2: float = 1e-2) -> None:
        self.rule = rule
        self.n_modalities = n_modalities
        self.eps = eps
        self.l2 = l2

    def _split(self, X: np.ndarray) -> list[np.ndarray]:
        X = np.asarray(X, float)
        if X.ndim != 2 or X.shape[1] % self.n_modalities:
            raise ValueError(f"X must be (items, {self.n_modalities} x labels), got {X.shape}")
        k = X.shape[1] // self.n_modalities
        return [X[:, m * k:(m + 1) * k] for m in range(self.n_modalities)]

    def fit(self, X: np.ndarray, y: np.ndarray) -> LateFusion:
        parts = self._split(X)
        k = parts[0].shape[1]
        y = np.asarray(y)
        if y.shape != (len(parts[0]),) or not np.issubdtype(y.dtype, np.integer) or \
                y.min() < 0 or y.max() >= k:
            raise ValueError(f"y must be one label index in 0..{k - 1} per item")
        self.classes_ = np.arange(k)
        self.n_features_in_ = parts[0].shape[1] * self.n_modalities
        self.weights_ = np.ones(self.n_modalities)
        self.bias_ = np.zeros(k)
        if self.rule == "learned":
            self._fit_pooling(parts, y, k)
        elif self.rule not in RULES:
            fuse(parts, self.rule)  # raises with the valid names
        return self

    def _fit_pooling(self, parts: list[np.ndarray], y: np.ndarray, k: int) -> None:
        from scipy.optimize import minimize

        arr, present = _stack(parts)
        safe = np.where(present[..., None], arr, 0.0)
        logp = np.log(np.clip(safe, 0, 1) * (1 - self.eps * k) + self.eps) * present[..., None]
        onehot = np.eye(k)[y]
        m = len(parts)

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = theta[:m], theta[m:]
            z = np.einsum("m,mnk->nk", w, logp) + b
            z -= z.max(1, keepdims=True)
            q = np.exp(z)
            q /= q.sum(1, keepdims=True)
            nll = -(onehot * np.log(q + 1e-12)).sum() / len(y)
            g = (q - onehot) / len(y)
            grad_w = np.einsum("nk,mnk->m", g, logp) + 2 * self.l2 * (w - 1)
            grad_b = g.sum(0) + 2 * self.l2 * b
            return nll + self.l2 * (((w - 1) ** 2).sum() + (b ** 2).sum()), np.r_[grad_w, grad_b]

        res = minimize(loss, np.r_[np.ones(m), np.zeros(k)], jac=True, method="L-BFGS-B")
        self.weights_, self.bias_ = res.x[:m], res.x[m:]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "classes_")
        parts = self._split(X)
        if self.rule == "learned":
            return fuse(parts, "product", weights=self.weights_, bias=self.bias_, eps=self.eps)
        return fuse(parts, self.rule, eps=self.eps)

    def predict(self, X: np.ndarray) -> np.ndarray:
        p = self.predict_proba(X)
        out = np.full(len(p), -1)
        ok = np.isfinite(p).all(1)
        out[ok] = p[ok].argmax(1)
        return out
