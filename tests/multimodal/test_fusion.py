"""Late fusion: the rules against hand computations, absent modalities left out (never
guessed), bad distributions refused, the learned pooling recovering known weights."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from affectlab.core.errors import UnknownNameError
from affectlab.multimodal.fusion import LateFusion, fuse, reliability

A = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3]])
B = np.array([[0.4, 0.4, 0.2], [1 / 3, 1 / 3, 1 / 3]])


def test_mean_product_reliability_by_hand():
    np.testing.assert_allclose(fuse([A, B], "mean"), (A + B) / 2)
    prod = fuse([A, B], "product", eps=0.0)
    manual = A * B / (A * B).sum(1, keepdims=True)
    np.testing.assert_allclose(prod, manual)
    r = reliability(np.vstack([A, B]))
    assert r[3] == pytest.approx(0.0, abs=1e-9) and 0 < r[2] < r[0] < 1  # uniform: none
    rel = fuse([A, B], "reliability")
    np.testing.assert_allclose(rel[1], A[1])  # B's second row is uniform: it carries no weight
    wa, wb = reliability(A[:1])[0], reliability(B[:1])[0]
    np.testing.assert_allclose(rel[0], (wa * A[0] + wb * B[0]) / (wa + wb))
    both_uniform = fuse([B[1:], B[1:]], "reliability")
    np.testing.assert_allclose(both_uniform, B[1:])  # falls back to the mean


@pytest.mark.parametrize("rule", ["mean", "product", "reliability"])
def test_absent_modality_is_left_out(rule):
    missing = B.copy()
    missing[0] = np.nan
    out = fuse([A, missing], rule, eps=0.0)
    np.testing.assert_allclose(out[0], A[0], atol=1e-9)
    gone = fuse([np.full_like(A, np.nan), np.full_like(B, np.nan)], rule)
    assert np.isnan(gone).all()


def test_bad_input():
    with pytest.raises(ValueError, match="not a probability"):
        fuse([A, np.array([[0.5, 0.5, 0.5], [0.2, 0.3, 0.5]])])
    with pytest.raises(ValueError, match="not a probability"):
        fuse([A, np.array([[-0.1, 0.6, 0.5], [0.2, 0.3, 0.5]])])
    with pytest.raises(UnknownNameError, match="product"):
        fuse([A, B], "prodcut")
    with pytest.raises(ValueError, match="weights"):
        fuse([A, B], weights=[1.0])
    with pytest.raises(ValueError):
        fuse([])


def _pooled(rng, n, w, bias):
    p = rng.dirichlet(np.ones(4), size=(2, n))
    z = w[0] * np.log(p[0]) + w[1] * np.log(p[1]) + bias
    q = np.exp(z - z.max(1, keepdims=True))
    q /= q.sum(1, keepdims=True)
    y = np.array([rng.choice(4, p=row) for row in q])
    return np.hstack([p[0], p[1]]), y


def test_learned_pooling_recovers_weights_and_clones():
    rng = np.random.default_rng(0)
    X, y = _pooled(rng, 4000, (1.5, 0.3), np.array([0.5, 0.0, 0.0, -0.5]))
    model = LateFusion("learned", l2=1e-4).fit(X, y)
    assert model.weights_ == pytest.approx([1.5, 0.3], abs=0.15)
    Xt, yt = _pooled(np.random.default_rng(1), 2000, (1.5, 0.3), np.array([0.5, 0, 0, -0.5]))
    nll = {r: -np.log(LateFusion(r).fit(X, y).predict_proba(Xt)[np.arange(len(yt)), yt]).mean()
           for r in ("mean", "product", "learned")}
    assert nll["learned"] < nll["product"] and nll["learned"] < nll["mean"]
    assert model.score(Xt, yt) > LateFusion("mean").fit(X, y).score(Xt, yt)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "weights_")


def test_estimator_checks_its_input():
    with pytest.raises(ValueError, match="items, 2 x labels"):
        LateFusion().fit(np.ones((3, 5)), np.zeros(3, int))
    with pytest.raises(ValueError, match="label index"):
        LateFusion().fit(np.hstack([A, B]), np.array([0, 3]))
    with pytest.raises(UnknownNameError):
        LateFusion("vote").fit(np.hstack([A, B]), np.array([0, 1]))
    absent = np.hstack([A, np.full_like(B, np.nan)])
    pred = LateFusion("mean").fit(np.hstack([A, B]), np.array([0, 1])).predict(absent)
    assert pred.tolist() == [0, 1]
