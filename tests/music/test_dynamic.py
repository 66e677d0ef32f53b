import numpy as np
import pytest
import torch

from affectlab.music.attributes import ATTRIBUTES
from affectlab.music.dynamic import (
    BarScaler,
    DualScaleRegressor,
    DynamicConfig,
    DynamicMusicEmotion,
    band_mask,
)

F = len(ATTRIBUTES)


def test_band_mask():
    m = band_mask(5, 1)
    assert not m[2, 1] and not m[2, 3] and m[2, 0] and m[2, 4]
    assert not band_mask(5, None).any()


def test_local_branch_sees_only_its_band():
    torch.manual_seed(0)
    model = DualScaleRegressor(F + 1, DynamicConfig(scales="local", local_width=1, dropout=0.0))
    model.eval()
    x = torch.randn(1, 12, F + 1)
    y = x.clone()
    y[0, 11] += 5.0  # far from bar 0
    with torch.no_grad():
        a, b = model(x), model(y)
    assert torch.allclose(a[0, :9], b[0, :9], atol=1e-6)  # one layer, width 1: bars <= 9 unaffected
    glob = DualScaleRegressor(F + 1, DynamicConfig(scales="global", dropout=0.0)).eval()
    with torch.no_grad():
        assert not torch.allclose(glob(x)[0, 0], glob(y)[0, 0])
    assert (a.abs() <= 1).all()


def _toy(n=40, seed=0):
    rng = np.random.default_rng(seed)
    feats, curves = [], []
    for _ in range(n):
        t = int(rng.integers(8, 20))
        f = rng.normal(size=(t, F))
        f[rng.random(t) < 0.1, 1:] = np.nan  # silent bars
        curves.append(np.stack([np.tanh(np.nan_to_num(f[:, 3])), np.tanh(f[:, 0])], axis=1) * 0.8)
        feats.append(f)
    return feats, curves


def test_fits_a_learnable_curve_and_round_trips(tmp_path):
    feats, curves = _toy()
    est = DynamicMusicEmotion(DynamicConfig(epochs=40, lr=1e-2)).fit(feats, curves)
    test_f, test_c = _toy(10, seed=1)
    scores = est.score(test_f, test_c)
    assert scores["arousal_r"] > 0.8 and scores["arousal_rmse"] < 0.3
    est.save(tmp_path / "d")
    again = DynamicMusicEmotion.load(tmp_path / "d")
    np.testing.assert_allclose(again.predict(test_f[0]), est.predict(test_f[0]), atol=1e-6)
    with pytest.raises(ValueError, match="scales"):
        DynamicConfig(scales="wide")


def test_scaler_adds_silent_flag():
    rows = np.array([[0.0, *[np.nan] * (F - 1)], [2.0, *range(F - 1)]])
    z = BarScaler().fit(rows).transform(rows)
    assert z.shape == (2, F + 1) and np.isfinite(z).all()
    assert z[:, -1].tolist() == [1.0, 0.0]
