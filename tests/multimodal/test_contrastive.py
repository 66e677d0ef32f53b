"""Pairwise contrastive learning: the InfoNCE loss against its definition, the trainer aligning
two views of a shared latent (and three), seeds, clone, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

torch = pytest.importorskip("torch")

from affectlab.multimodal.contrastive import PairwiseContrastive, info_nce


def test_info_nce_matches_its_definition():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(8, 5, generator=g), torch.randn(8, 5, generator=g)
    an, bn = torch.nn.functional.normalize(a, dim=1), torch.nn.functional.normalize(b, dim=1)
    logits = an @ bn.T / 0.5
    manual = (-(torch.diag(logits) - torch.logsumexp(logits, 1)).mean()
              - (torch.diag(logits) - torch.logsumexp(logits, 0)).mean()) / 2
    assert float(info_nce(a, b, 0.5)) == pytest.approx(float(manual), rel=1e-5)
    assert float(info_nce(a, a, 0.05)) < 0.05 < float(info_nce(a, b, 0.05))


def _views(n: int, seed: int = 0, m: int = 2) -> tuple[np.ndarray, tuple[int, ...]]:
    maps = [np.random.default_rng(100 + d).standard_normal((4, d)) for d in (7, 5, 6)[:m]]
    rng = np.random.default_rng(seed)  # the items; the maps from latent to views stay fixed
    latent = rng.standard_normal((n, 4))
    views = [np.tanh(latent @ w) + 0.3 * rng.standard_normal((n, w.shape[1])) for w in maps]
    return np.hstack(views), tuple(v.shape[1] for v in views)


def test_contrastive_stage_aligns_the_modalities():
    X, splits = _views(400)
    trained = PairwiseContrastive(splits=splits, epochs=20, batch_size=128, seed=0).fit(X)
    frozen = PairwiseContrastive(splits=splits, epochs=20, pretrain=False, seed=0).fit(X)
    Xt, _ = _views(300, seed=1)
    assert trained.alignment(Xt) > 5 * max(frozen.alignment(Xt), 1 / 300)
    assert trained.loss_curve_[-1] < trained.loss_curve_[0]
    assert frozen.loss_curve_ == []
    z = trained.transform(Xt)
    assert z.shape == (300, 2 * trained.out_dim) and np.isfinite(z).all()
    again = PairwiseContrastive(splits=splits, epochs=20, batch_size=128, seed=0).fit(X)
    np.testing.assert_allclose(again.transform(Xt), z, atol=1e-5)  # the seed fixes the run


def test_three_modalities_and_clone():
    X, splits = _views(200, m=3)
    model = PairwiseContrastive(splits=splits, epochs=3, out_dim=8)
    assert model.fit(X).transform(X).shape == (200, 24)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "encoders_")


def test_bad_input():
    X, splits = _views(50)
    with pytest.raises(ValueError, match="at least two"):
        PairwiseContrastive(splits=(12,)).fit(X)
    with pytest.raises(ValueError, match="add up to"):
        PairwiseContrastive(splits=(7, 4)).fit(X)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PairwiseContrastive(splits=splits, epochs=1).fit(bad)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PairwiseContrastive(splits=splits).transform(X)
