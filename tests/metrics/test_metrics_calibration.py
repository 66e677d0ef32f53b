"""Expected calibration error against a hand computation, and temperature scaling recovering a
known temperature."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab.metrics import expected_calibration_error, fit_temperature


def test_ece_by_hand():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    y = np.array([0, 1, 1, 1])
    # 10 bins: each confidence (0.9, 0.8, 0.7, 0.6) alone in its bin, right, wrong, right,
    # right: (0.1 + 0.8 + 0.3 + 0.4) / 4
    assert expected_calibration_error(probs, y, bins=10) == pytest.approx(0.4)
    # 2 bins: all four in the upper bin, 3 of 4 right at mean confidence 0.75
    assert expected_calibration_error(probs, y, bins=2) == pytest.approx(0.0, abs=1e-12)
    perfect = expected_calibration_error(np.eye(3), np.arange(3))
    assert perfect == 0.0
    ml = expected_calibration_error(np.array([[0.9, 0.1]]), np.array([[1, 0]]), bins=10,
                                    multilabel=True)
    assert ml == pytest.approx(0.5 * 0.1 + 0.5 * 0.1)
    with pytest.raises(ValueError):
        expected_calibration_error(probs, y[:2])


@pytest.mark.parametrize("multilabel", [False, True])
def test_temperature_is_recovered(multilabel):
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, (4000, 5))
    true_t = 2.5
    if multilabel:
        y = (rng.random(z.shape) < 1 / (1 + np.exp(-z / true_t))).astype(int)
    else:
        p = np.exp(z / true_t)
        p /= p.sum(1, keepdims=True)
        y = np.array([rng.choice(5, p=row) for row in p])
    t = fit_temperature(z, y, multilabel=multilabel)
    assert t == pytest.approx(true_t, rel=0.1)
    before = expected_calibration_error(1 / (1 + np.exp(-z)), y, multilabel=True) if \
        multilabel else expected_calibration_error(_softmax(z), y)
    after = expected_calibration_error(1 / (1 + np.exp(-z / t)), y, multilabel=True) if \
        multilabel else expected_calibration_error(_softmax(z / t), y)
    assert after < before


def _softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)
