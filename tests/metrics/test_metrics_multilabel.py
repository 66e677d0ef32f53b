"""Multi-label F1, thresholding and threshold tuning against scikit-learn and brute force."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from affectlab import metrics as M

pytestmark = pytest.mark.filterwarnings("error")

AVERAGES = (None, "macro", "weighted", "micro", "samples")


def _random_indicators(seed: int):
    rng = np.random.default_rng(seed)
    n, n_labels = int(rng.integers(1, 40)), int(rng.integers(2, 8))
    density = rng.uniform(0.05, 0.5)
    Y_true = (rng.random((n, n_labels)) < density).astype(int)
    Y_pred = (rng.random((n, n_labels)) < density).astype(int)
    Y_true[:, 0] = 0  # a label that never occurs
    Y_pred[0] = 0  # a row with no predicted labels
    return Y_true, Y_pred


@pytest.mark.parametrize("seed", range(12))
def test_multilabel_f1_matches_sklearn(seed):
    Y_true, Y_pred = _random_indicators(seed)
    for average in AVERAGES:
        ref = skm.f1_score(Y_true, Y_pred, average=average, zero_division=0)
        np.testing.assert_allclose(M.f1(Y_true, Y_pred, average=average), ref, atol=1e-12)
        np.testing.assert_allclose(
            M.multilabel_f1(Y_true, Y_pred, average=average), ref, atol=1e-12
        )
        p, r, f, _ = skm.precision_recall_fscore_support(
            Y_true, Y_pred, average=average, zero_division=0
        )
        ours = M.precision_recall_f1(Y_true, Y_pred, average=average)
        np.testing.assert_allclose(ours["precision"], p, atol=1e-12)
        np.testing.assert_allclose(ours["recall"], r, atol=1e-12)
        np.testing.assert_allclose(ours["f1"], f, atol=1e-12)
    assert M.accuracy(Y_true, Y_pred) == pytest.approx(skm.accuracy_score(Y_true, Y_pred))
    labels = [Y_true.shape[1] - 1, 0]
    for average in AVERAGES:
        np.testing.assert_allclose(
            M.f1(Y_true, Y_pred, average=average, labels=labels),
            skm.f1_score(Y_true, Y_pred, average=average, labels=labels, zero_division=0),
            atol=1e-12,
        )
    present = np.flatnonzero(Y_true.sum(0))
    if present.size:
        assert M.present_only_macro_f1(Y_true, Y_pred) == pytest.approx(
            skm.f1_score(Y_true, Y_pred, labels=present, average="macro", zero_division=0)
        )


def test_rows_without_positive_labels():
    Y_true = np.array([[0, 0, 0], [1, 0, 1], [0, 0, 0]])
    Y_pred = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]])
    # samples: row 0 empty/empty -> 0, row 1 2*1/(2+1), row 2 0 true 1 pred -> 0
    assert M.f1(Y_true, Y_pred, average="samples") == pytest.approx((2 / 3) / 3)
    np.testing.assert_allclose(M.f1(Y_true, Y_pred, average=None), [1, 0, 0])
    assert M.present_only_macro_f1(Y_true, Y_pred) == pytest.approx(0.5)  # columns 0 and 2
    assert M.accuracy(Y_true, Y_pred) == pytest.approx(1 / 3)
    assert M.f1(np.zeros((2, 3)), np.zeros((2, 3)), average="macro") == 0.0


def test_multilabel_input_errors():
    with pytest.raises(ValueError, match="indicator"):
        M.multilabel_f1([0, 1], [0, 1])
    with pytest.raises(ValueError, match="column indices outside"):
        M.f1([[0, 1]], [[0, 1]], labels=[2])
    with pytest.raises(ValueError, match="column indices"):
        M.f1([[0, 1]], [[0, 1]], labels=["a"])
    with pytest.raises(ValueError, match="at least one label column"):
        M.f1(np.zeros((2, 0)), np.zeros((2, 0)))


def test_apply_thresholds():
    probs = np.array([[0.2, 0.5, 0.9], [0.6, 0.49, 0.1]])
    np.testing.assert_array_equal(M.apply_thresholds(probs), [[0, 1, 1], [1, 0, 0]])
    np.testing.assert_array_equal(
        M.apply_thresholds(probs, [0.1, 0.6, 0.95]), [[1, 0, 0], [1, 0, 0]]
    )
    with pytest.raises(ValueError, match="thresholds"):
        M.apply_thresholds(probs, [0.5, 0.5])
    with pytest.raises(ValueError, match="NaN or infinite"):
        M.apply_thresholds([[np.nan, 0.1]])
    with pytest.raises(ValueError, match="2-D"):
        M.apply_thresholds([0.1, 0.2])


@pytest.mark.parametrize("seed", range(6))
def test_tune_thresholds_maximises_per_label_f1(seed):
    rng = np.random.default_rng(seed)
    n, n_labels = 80, 5
    Y = (rng.random((n, n_labels)) < 0.3).astype(int)
    probs = np.clip(0.35 * Y + rng.random((n, n_labels)) * 0.7, 0, 1)
    grid = np.linspace(0.05, 0.95, 19)
    th = M.tune_thresholds(Y, probs)
    assert th.shape == (n_labels,)
    for j in range(n_labels):
        scores = [skm.f1_score(Y[:, j], probs[:, j] >= g, zero_division=0) for g in grid]
        chosen = skm.f1_score(Y[:, j], probs[:, j] >= th[j], zero_division=0)
        assert chosen == pytest.approx(max(scores))
        assert np.isclose(grid, th[j]).any()
    tuned = M.f1(Y, M.apply_thresholds(probs, th), average="macro")
    assert tuned >= M.f1(Y, M.apply_thresholds(probs, 0.5), average="macro") - 1e-12


def test_tune_thresholds_tie_breaking():
    Y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    probs = np.array([[0.9, 0.8], [0.3, 0.2], [0.7, 0.1], [0.1, 0.6]])
    th = M.tune_thresholds(Y, probs, grid=[0.2, 0.4, 0.6, 0.8])
    # Label 0: 0.4 and 0.6 both give F1 = 1; equally close to 0.5 -> the smaller.
    # Label 1: no positives, F1 = 0 everywhere -> fall back to the value nearest 0.5.
    np.testing.assert_allclose(th, [0.4, 0.4])
    th = M.tune_thresholds(Y, probs, grid=[0.2, 0.4, 0.6, 0.8], default=0.8)
    np.testing.assert_allclose(th, [0.6, 0.8])
    with pytest.raises(ValueError, match="shape mismatch"):
        M.tune_thresholds(Y[:3], probs)
    with pytest.raises(ValueError, match="indicator"):
        M.tune_thresholds([0, 1, 0, 1], probs)
    with pytest.raises(ValueError, match="grid"):
        M.tune_thresholds(Y, probs, grid=[])
