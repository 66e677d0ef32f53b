"""Classification metrics against scikit-learn and hand-computed examples."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from affectlab import metrics as M

# Our functions must never warn; scikit-learn calls that do are wrapped explicitly.
pytestmark = pytest.mark.filterwarnings("error")

EMOTIONS = np.array(
    ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise", "love", "pride"]
)


def _sk_balanced(y_true, y_pred, adjusted=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "y_pred contains classes not in y_true"
        return skm.balanced_accuracy_score(y_true, y_pred, adjusted=adjusted)


def _random_pair(seed: int, strings: bool = False):
    """Labels where y_pred may use classes y_true never has, and vice versa."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    k = int(rng.integers(2, 7))
    y_true = rng.integers(0, k, n)
    y_pred = np.where(rng.random(n) < 0.5, y_true, rng.integers(0, k + 2, n))
    if strings:
        return EMOTIONS[y_true], EMOTIONS[y_pred]
    return y_true, y_pred


SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("strings", [False, True])
def test_f1_matches_sklearn_all_averages(seed, strings):
    y_true, y_pred = _random_pair(seed, strings)
    for average in ("macro", "weighted", "micro"):
        ref = skm.f1_score(y_true, y_pred, average=average, zero_division=0)
        assert M.f1(y_true, y_pred, average=average) == pytest.approx(ref, abs=1e-12)
    np.testing.assert_allclose(
        M.f1(y_true, y_pred, average=None),
        skm.f1_score(y_true, y_pred, average=None, zero_division=0),
        atol=1e-12,
    )
    assert M.macro_f1(y_true, y_pred) == pytest.approx(
        skm.f1_score(y_true, y_pred, average="macro", zero_division=0)
    )
    assert M.weighted_f1(y_true, y_pred) == pytest.approx(
        skm.f1_score(y_true, y_pred, average="weighted", zero_division=0)
    )
    assert M.micro_f1(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))


@pytest.mark.parametrize("seed", SEEDS)
def test_precision_recall_f1_matches_sklearn(seed):
    y_true, y_pred = _random_pair(seed)
    for average in (None, "macro", "weighted", "micro"):
        ours = M.precision_recall_f1(y_true, y_pred, average=average)
        p, r, f, s = skm.precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=0
        )
        np.testing.assert_allclose(ours["precision"], p, atol=1e-12)
        np.testing.assert_allclose(ours["recall"], r, atol=1e-12)
        np.testing.assert_allclose(ours["f1"], f, atol=1e-12)
        if average is None:
            np.testing.assert_array_equal(ours["support"], s)
            np.testing.assert_array_equal(ours["labels"], np.union1d(y_true, y_pred))
        else:
            assert ours["support"] == len(y_true)


@pytest.mark.parametrize("seed", SEEDS)
def test_labels_argument_matches_sklearn(seed):
    y_true, y_pred = _random_pair(seed)
    rng = np.random.default_rng(100 + seed)
    present = np.union1d(y_true, y_pred)
    # A shuffled subset plus a class that occurs in neither array.
    labels = list(rng.permutation(present)[: max(1, present.size - 1)]) + [99]
    for average in (None, "macro", "weighted", "micro"):
        np.testing.assert_allclose(
            M.f1(y_true, y_pred, average=average, labels=labels),
            skm.f1_score(y_true, y_pred, average=average, labels=labels, zero_division=0),
            atol=1e-12,
        )
    np.testing.assert_array_equal(
        M.confusion_matrix(y_true, y_pred, labels=labels),
        skm.confusion_matrix(y_true, y_pred, labels=labels),
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("strings", [False, True])
def test_confusion_accuracy_balanced_match_sklearn(seed, strings):
    y_true, y_pred = _random_pair(seed, strings)
    np.testing.assert_array_equal(
        M.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred)
    )
    assert M.accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert M.weighted_accuracy(y_true, y_pred) == M.accuracy(y_true, y_pred)
    ref = _sk_balanced(y_true, y_pred)
    assert M.balanced_accuracy(y_true, y_pred) == pytest.approx(ref, abs=1e-12)
    assert M.uar(y_true, y_pred) == pytest.approx(ref, abs=1e-12)
    if np.unique(y_true).size > 1:
        assert M.balanced_accuracy(y_true, y_pred, adjusted=True) == pytest.approx(
            _sk_balanced(y_true, y_pred, adjusted=True), abs=1e-12
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_present_only_matches_sklearn_with_present_labels(seed):
    y_true, y_pred = _random_pair(seed, strings=True)
    present = np.unique(y_true)
    ref = skm.f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)
    assert M.present_only_macro_f1(y_true, y_pred) == pytest.approx(ref, abs=1e-12)
    assert M.present_only_balanced_accuracy(y_true, y_pred) == pytest.approx(
        _sk_balanced(y_true, y_pred), abs=1e-12
    )


def test_present_only_hand_example():
    y_true = ["a", "a", "b", "b"]
    y_pred = ["a", "c", "b", "a"]  # "c" is outside the target label set
    # a: tp=1, predicted 2, true 2 -> F1 0.5;  b: tp=1, predicted 1, true 2 -> F1 2/3;
    # c: never true -> left out of the present-only mean (but costs "a" a false negative).
    assert M.present_only_macro_f1(y_true, y_pred) == pytest.approx((0.5 + 2 / 3) / 2)
    assert M.macro_f1(y_true, y_pred) == pytest.approx((0.5 + 2 / 3 + 0) / 3)
    assert M.present_only_balanced_accuracy(y_true, y_pred) == pytest.approx(0.5)
    # A candidate set with a class absent from both arrays changes nothing ...
    assert M.present_only_macro_f1(y_true, y_pred, labels=["a", "b", "d"]) == pytest.approx(
        (0.5 + 2 / 3) / 2
    )
    # ... while plain macro-F1 over the same labels counts "d" as 0.
    assert M.macro_f1(y_true, y_pred, labels=["a", "b", "d"]) == pytest.approx((0.5 + 2 / 3) / 3)
    assert M.present_only_macro_f1(y_true, y_pred, labels=["a"]) == pytest.approx(0.5)
    assert M.present_only_balanced_accuracy(y_true, y_pred, labels=["b"]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="none of the candidate classes"):
        M.present_only_macro_f1(y_true, y_pred, labels=["c", "d"])


def test_class_never_predicted_and_class_only_predicted():
    y_true = [0, 0, 1, 1, 2]
    y_pred = [0, 0, 0, 3, 2]  # 1 never predicted, 3 only predicted
    per = M.per_class_f1(y_true, y_pred)
    assert per == pytest.approx({0: 0.8, 1: 0.0, 2: 1.0, 3: 0.0})
    assert list(per) == [0, 1, 2, 3]
    res = M.precision_recall_f1(y_true, y_pred)
    np.testing.assert_allclose(res["precision"], [2 / 3, 0, 1, 0])
    np.testing.assert_allclose(res["recall"], [1, 0, 1, 0])
    assert M.macro_f1(y_true, y_pred) == pytest.approx(0.45)
    assert M.balanced_accuracy(y_true, y_pred) == pytest.approx((1 + 0 + 1) / 3)


def test_labels_with_absent_class_scores_zero():
    y_true, y_pred = ["joy", "fear"], ["joy", "fear"]
    np.testing.assert_allclose(
        M.f1(y_true, y_pred, average=None, labels=["fear", "joy", "anger"]), [1, 1, 0]
    )
    assert M.macro_f1(y_true, y_pred, labels=["fear", "joy", "anger"]) == pytest.approx(2 / 3)
    assert M.weighted_f1(y_true, y_pred, labels=["fear", "joy", "anger"]) == 1.0
    # Only absent labels: every ratio is 0/0 -> 0 (scikit-learn's zero_division=0).
    assert M.weighted_f1(y_true, y_pred, labels=["anger"]) == 0.0
    assert M.micro_f1(y_true, y_pred, labels=["anger"]) == 0.0
    cm = M.confusion_matrix(y_true, y_pred, labels=["joy", "anger"])
    np.testing.assert_array_equal(cm, [[1, 0], [0, 0]])


def test_all_correct_all_wrong_one_sample():
    y = ["joy", "sadness", "joy", "anger"]
    for fn in (
        M.macro_f1,
        M.weighted_f1,
        M.micro_f1,
        M.accuracy,
        M.balanced_accuracy,
        M.present_only_macro_f1,
        M.present_only_balanced_accuracy,
    ):
        assert fn(y, y) == 1.0
    wrong = ["sadness", "joy", "anger", "joy"]
    for fn in (M.macro_f1, M.weighted_f1, M.micro_f1, M.accuracy, M.balanced_accuracy):
        assert fn(y, wrong) == 0.0
    assert M.macro_f1([3], [3]) == 1.0
    assert M.macro_f1([3], [4]) == 0.0
    assert M.balanced_accuracy([3], [3]) == 1.0
    assert np.isnan(M.balanced_accuracy([3], [3], adjusted=True))
    np.testing.assert_array_equal(M.confusion_matrix([3], [4]), [[0, 1], [0, 0]])


def test_input_types_agree():
    y_true = ["joy", "fear", "joy", "anger"]
    y_pred = ["joy", "joy", "joy", "anger"]
    ref = M.macro_f1(y_true, y_pred)
    assert M.macro_f1(np.array(y_true), np.array(y_pred)) == ref
    assert M.macro_f1(pd.Series(y_true), pd.Series(y_pred)) == ref
    assert M.macro_f1(pd.Series(y_true, dtype="string"), tuple(y_pred)) == ref
    assert M.macro_f1(pd.Series(y_true, dtype="category"), y_pred) == ref
    assert M.macro_f1(pd.Series([1, 2, 2], dtype=object), [1, 2, 1]) == M.macro_f1(
        [1, 2, 2], [1, 2, 1]
    )


@pytest.mark.parametrize(
    ("y_true", "y_pred", "kwargs", "match"),
    [
        ([0, 1], [0, 1, 1], {}, "shape mismatch"),
        ([], [], {}, "empty"),
        ([0, 1], [[0, 1], [1, 0]], {}, "cannot mix multi-class"),
        (["a", "b"], [0, 1], {}, "mix string and numeric"),
        ([1, "a"], [1, 1], {}, "mixes string and non-string"),
        ([0.0, np.nan], [0, 1], {}, "NaN"),
        ([0, None], [0, 1], {}, "missing"),
        ([[0, 2], [1, 0]], [[0, 1], [1, 0]], {}, "0/1 indicator"),
        ([0, 1], [0, 1], {"average": "binary"}, "average must be"),
        ([0, 1], [0, 1], {"average": "samples"}, "only defined for multi-label"),
        ([0, 1], [0, 1], {"labels": [0, 0]}, "duplicates"),
        ([0, 1], [0, 1], {"labels": []}, "non-empty"),
        (["a"], ["a"], {"labels": [1]}, "mix string and numeric"),
    ],
)
def test_invalid_input_raises_clear_errors(y_true, y_pred, kwargs, match):
    with pytest.raises(ValueError, match=match):
        M.f1(y_true, y_pred, **kwargs)


def test_multiclass_only_functions_refuse_indicator_matrices():
    Y = [[0, 1], [1, 0]]
    for fn in (
        M.balanced_accuracy,
        M.confusion_matrix,
        M.weighted_accuracy,
        M.present_only_balanced_accuracy,
    ):
        with pytest.raises(ValueError, match="multi-class"):
            fn(Y, Y)
