"""CCC, correlations and errors against scipy, scikit-learn and the textbook formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics as skm

from affectlab import metrics as M

pytestmark = pytest.mark.filterwarnings("error")


def _ccc_reference(x, y):
    """Lin (1989) from numpy's population moments."""
    cov = np.cov(x, y, bias=True)
    return 2 * cov[0, 1] / (cov[0, 0] + cov[1, 1] + (np.mean(x) - np.mean(y)) ** 2)


def _random_series(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 300))
    x = rng.normal(rng.uniform(-1, 1), rng.uniform(0.1, 2), n)
    y = rng.uniform(-1, 1) * x + rng.normal(rng.uniform(-1, 1), rng.uniform(0.1, 2), n)
    return x, y


@pytest.mark.parametrize("seed", range(15))
def test_against_scipy_sklearn_and_formula(seed):
    x, y = _random_series(seed)
    assert M.pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
    assert M.spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    assert M.ccc(x, y) == pytest.approx(_ccc_reference(x, y), abs=1e-12)
    # OMG-Empathy's script writes the same quantity as 2 rho sd_x sd_y / (...).
    omg = (
        2
        * stats.pearsonr(x, y)[0]
        * np.std(x)
        * np.std(y)
        / (np.var(x) + np.var(y) + (x.mean() - y.mean()) ** 2)
    )
    assert M.ccc(x, y) == pytest.approx(omg, abs=1e-12)
    assert M.mse(x, y) == pytest.approx(skm.mean_squared_error(x, y))
    assert M.rmse(x, y) == pytest.approx(np.sqrt(skm.mean_squared_error(x, y)))
    assert M.mae(x, y) == pytest.approx(skm.mean_absolute_error(x, y))
    # Properties: symmetric, bounded by |Pearson|, equal to Pearson only without bias.
    assert M.ccc(x, y) == pytest.approx(M.ccc(y, x))
    assert abs(M.ccc(x, y)) <= abs(M.pearson(x, y)) + 1e-12
    xc, yc = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
    assert M.ccc(xc, yc) == pytest.approx(M.pearson(x, y), abs=1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_spearman_with_ties_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, 40).astype(float)
    y = np.round(x + rng.normal(0, 2, 40))
    assert M.spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    np.testing.assert_allclose(M.average_ranks(x), stats.rankdata(x, method="average"))


def test_ccc_hand_examples():
    # means 2 and 3, variances 2/3, covariance 2/3: 2(2/3) / (4/3 + 1) = 4/7
    assert M.ccc([1, 2, 3], [2, 3, 4]) == pytest.approx(4 / 7)
    assert M.ccc([1, 2, 3], [1, 2, 3]) == 1.0
    assert M.ccc([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # Perfectly correlated but scaled and shifted: 2(4/3) / (2/3 + 8/3 + (2 - 4)^2) = 4/11
    assert M.ccc([1, 2, 3], [2, 4, 6]) == pytest.approx(4 / 11)


def test_constant_series():
    # CCC: identical constants agree perfectly (0/0 resolved as 1); otherwise cov = 0 -> 0.
    assert M.ccc([0.1, 0.1, 0.1], [0.1, 0.1, 0.1]) == 1.0
    assert M.ccc([2, 2, 2], [3, 3, 3]) == 0.0
    assert M.ccc([1, 2, 3], [5, 5, 5]) == 0.0
    assert M.ccc([5, 5, 5], [1, 2, 3]) == 0.0
    # Correlations are undefined for a constant series: nan, silently.
    assert np.isnan(M.pearson([1, 1, 1], [1, 2, 3]))
    assert np.isnan(M.pearson([1, 2, 3], [4, 4, 4]))
    assert np.isnan(M.spearman([1, 1, 1], [1, 2, 3]))
    # One sample: a constant series of length 1.
    assert np.isnan(M.pearson([1.0], [2.0]))
    assert M.ccc([1.0], [1.0]) == 1.0
    assert M.ccc([1.0], [2.0]) == 0.0
    assert M.rmse([1.0], [3.0]) == 2.0


def test_large_values_do_not_overflow():
    x = np.array([1e200, 2e200, 3e200])
    assert M.pearson(x, 2 * x) == pytest.approx(1.0)
    assert M.spearman(x, -x) == pytest.approx(-1.0)
    assert M.ccc(x, x + 1e199) == pytest.approx(_ccc_reference(x / 1e200, x / 1e200 + 0.1))


def test_nan_policy():
    x = [1.0, 2.0, np.nan, 4.0, 5.0]
    y = [1.5, 2.5, 3.0, np.nan, 4.0]
    for fn in (M.ccc, M.pearson, M.spearman, M.rmse, M.mae, M.mse):
        with pytest.raises(ValueError, match="NaN"):
            fn(x, y)
        assert np.isnan(fn(x, y, nan_policy="propagate"))
        assert fn(x, y, nan_policy="omit") == pytest.approx(fn([1, 2, 5], [1.5, 2.5, 4.0]))
    with pytest.raises(ValueError, match="no pairs left"):
        M.ccc([np.nan], [1.0], nan_policy="omit")
    with pytest.raises(ValueError, match="nan_policy"):
        M.ccc([1, 2], [1, 2], nan_policy="ignore")


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([1, 2, 3], [1, 2], "length mismatch"),
        ([], [], "empty"),
        ([1, np.inf], [1, 2], "infinite"),
        (["a", "b"], [1, 2], "numeric"),
        ([[1, 2], [3, 4]], [[1, 2], [3, 4]], "1-D"),
    ],
)
def test_invalid_input(x, y, match):
    for fn in (M.ccc, M.pearson, M.spearman, M.rmse, M.mae):
        with pytest.raises(ValueError, match=match):
            fn(x, y)


def test_accepts_lists_and_pandas():
    x, y = _random_series(0)
    ref = M.ccc(x, y)
    assert M.ccc(list(x), list(y)) == ref
    assert M.ccc(pd.Series(x), pd.Series(y)) == ref
    assert M.ccc(pd.Series(x, dtype=object), y) == ref
