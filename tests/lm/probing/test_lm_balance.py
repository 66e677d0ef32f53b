"""Class-balancing rules of "Decoding Emotion in the Deep": exact counts, determinism, errors."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from affectlab.lm.probing.balance import balance_train, undersample_test


def _labels(**counts: int) -> np.ndarray:
    return np.array([name for name, n in counts.items() for _ in range(n)])


def test_balance_train_counts_with_neutral() -> None:
    labels = _labels(neutral=50, joy=20, anger=5)
    idx = balance_train(labels, seed=0)
    assert idx.dtype.kind == "i"
    assert Counter(labels[idx].tolist()) == {"neutral": 20, "joy": 20, "anger": 20}


def test_balance_train_neutral_downsampled_without_replacement() -> None:
    labels = _labels(neutral=50, joy=20, anger=5)
    idx = balance_train(labels, seed=3)
    neutral_rows = idx[labels[idx] == "neutral"]
    assert len(set(neutral_rows.tolist())) == 20  # no repeats
    assert set(neutral_rows.tolist()) <= set(np.flatnonzero(labels == "neutral").tolist())


def test_balance_train_target_class_keeps_all_rows() -> None:
    labels = _labels(neutral=50, joy=20, anger=5)
    idx = balance_train(labels, seed=1)
    joy = idx[labels[idx] == "joy"]
    assert sorted(joy.tolist()) == np.flatnonzero(labels == "joy").tolist()


def test_balance_train_oversampling_keeps_every_original_row() -> None:
    labels = _labels(neutral=50, joy=20, anger=5)
    for seed in range(5):
        idx = balance_train(labels, seed=seed)
        anger = idx[labels[idx] == "anger"]
        assert len(anger) == 20
        assert set(anger.tolist()) == set(np.flatnonzero(labels == "anger").tolist())


def test_balance_train_small_neutral_is_topped_up() -> None:
    labels = _labels(neutral=3, joy=10, anger=6)
    idx = balance_train(labels)
    assert Counter(labels[idx].tolist()) == {"neutral": 10, "joy": 10, "anger": 10}


def test_balance_train_without_neutral_oversamples_to_largest() -> None:
    labels = _labels(joy=12, anger=4, fear=7)
    idx = balance_train(labels)
    assert Counter(labels[idx].tolist()) == {"joy": 12, "anger": 12, "fear": 12}
    # neutral=None treats a "neutral" label as an ordinary class
    labels = _labels(neutral=30, joy=8)
    idx = balance_train(labels, neutral=None)
    assert Counter(labels[idx].tolist()) == {"neutral": 30, "joy": 30}


def test_balance_train_custom_neutral_and_int_labels() -> None:
    labels = np.array([0] * 40 + [1] * 10 + [2] * 4)
    idx = balance_train(labels, neutral=0)
    assert Counter(labels[idx].tolist()) == {0: 10, 1: 10, 2: 10}
    # the default neutral="neutral" never matches int labels: everything goes to the largest
    idx = balance_train(labels.tolist())
    assert Counter(labels[idx].tolist()) == {0: 40, 1: 40, 2: 40}


def test_balance_train_is_deterministic_and_shuffled() -> None:
    labels = _labels(neutral=50, joy=20, anger=5)
    a, b = balance_train(labels, seed=7), balance_train(labels, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, balance_train(labels, seed=8))
    assert not np.array_equal(a, np.sort(a))  # shuffled, not grouped by class


def test_undersample_test_to_smallest_class() -> None:
    labels = _labels(neutral=50, joy=20, anger=5)
    idx = undersample_test(labels, seed=0)
    assert Counter(labels[idx].tolist()) == {"neutral": 5, "joy": 5, "anger": 5}
    assert len(set(idx.tolist())) == 15  # without replacement
    np.testing.assert_array_equal(idx, np.sort(idx))
    # the smallest class is kept whole
    assert set(idx[labels[idx] == "anger"].tolist()) == set(np.flatnonzero(labels == "anger"))


def test_undersample_test_deterministic() -> None:
    labels = list(_labels(a=30, b=10, c=12))
    np.testing.assert_array_equal(
        undersample_test(labels, seed=2), undersample_test(labels, seed=2)
    )
    assert not np.array_equal(undersample_test(labels, seed=2), undersample_test(labels, seed=5))


@pytest.mark.parametrize("func", [balance_train, undersample_test])
def test_errors(func) -> None:
    with pytest.raises(ValueError, match="empty"):
        func([])
    with pytest.raises(ValueError, match="single class"):
        func(["joy", "joy", "joy"])
    with pytest.raises(ValueError, match="1-D"):
        func(np.zeros((3, 2)))


def test_balance_train_only_neutral_and_one_emotion() -> None:
    labels = _labels(neutral=9, joy=2)
    idx = balance_train(labels)
    assert Counter(labels[idx].tolist()) == {"neutral": 2, "joy": 2}
