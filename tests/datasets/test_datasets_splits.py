"""Split helpers on synthetic tables: proportions, disjoint subjects, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from affectlab.datasets import (
    leave_one_subject_out,
    stratified_kfold,
    stratified_split,
    subject_split,
)


def _table(n: int = 1000, n_subjects: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    classes = np.array(["joy", "anger", "fear", "sadness"])
    first = rng.choice(classes, size=n, p=[0.55, 0.25, 0.15, 0.05])
    labels = [[a] if rng.random() < 0.7 else [a, "surprise"] for a in first]
    return pd.DataFrame({
        "id": [f"r{i}" for i in range(n)],
        "text": [f"text {i}" for i in range(n)],
        "labels": labels,
        "subject": [f"s{int(i)}" for i in rng.integers(0, n_subjects, size=n)],
        "emotion": first,
    })  # fmt: skip


def _first_label_share(df: pd.DataFrame) -> pd.Series:
    return df["labels"].map(lambda v: v[0]).value_counts(normalize=True)


def test_stratified_split_sizes_and_proportions() -> None:
    df = _table()
    out = stratified_split(df, test_size=0.2, dev_size=0.1, seed=3)
    assert out is not df and "split" in out.columns and "split" not in df.columns
    counts = out["split"].value_counts()
    assert counts["test"] == 200 and counts["dev"] == 100 and counts["train"] == 700
    whole = _first_label_share(df)
    for part in ("train", "dev", "test"):
        share = _first_label_share(out[out["split"] == part])
        assert (share - whole).abs().max() < 0.02, part


def test_stratified_split_is_reproducible_and_seed_dependent() -> None:
    df = _table()
    a = stratified_split(df, seed=1)["split"].tolist()
    b = stratified_split(df, seed=1)["split"].tolist()
    c = stratified_split(df, seed=2)["split"].tolist()
    assert a == b and a != c


def test_stratified_split_on_a_scalar_column_and_rare_classes() -> None:
    df = _table(200)
    df.loc[0, "emotion"] = "only-once"  # a class with one row cannot be stratified alone
    out = stratified_split(df, label_column="emotion", test_size=0.25, dev_size=0.0)
    assert set(out["split"]) == {"train", "test"}
    assert (out["split"] == "test").sum() == 50


def test_subject_split_keeps_subjects_disjoint() -> None:
    df = _table()
    out = subject_split(df, test_size=0.2, dev_size=0.2, seed=5)
    subjects = {p: set(out.loc[out["split"] == p, "subject"]) for p in ("train", "dev", "test")}
    assert all(subjects.values())
    assert not subjects["train"] & subjects["dev"]
    assert not subjects["train"] & subjects["test"]
    assert not subjects["dev"] & subjects["test"]
    assert len(subjects["test"]) == 8  # 20% of 40 subjects
    again = subject_split(df, test_size=0.2, dev_size=0.2, seed=5)
    assert again["split"].tolist() == out["split"].tolist()


def test_subject_split_needs_subjects() -> None:
    df = _table(50)
    df.loc[3, "subject"] = None
    with pytest.raises(ValueError, match="missing"):
        subject_split(df, test_size=0.2, dev_size=0.1, seed=0)


def test_subject_split_by_another_group_column() -> None:
    df = _table(100).assign(piece=lambda d: d["id"].str[-1])
    out = subject_split(df, test_size=0.3, dev_size=0.0, seed=0, group_column="piece")
    by_piece = out.groupby("piece")["split"].nunique()
    assert (by_piece == 1).all()


def test_stratified_kfold_covers_every_row_once() -> None:
    df = _table(300)
    folds = list(stratified_kfold(df, n_splits=5, seed=0))
    assert len(folds) == 5
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested.tolist()) == list(range(300))
    whole = _first_label_share(df)
    for train, test in folds:
        assert not set(train) & set(test)
        share = _first_label_share(df.iloc[test])
        assert (share - whole).abs().max() < 0.03
    again = [test.tolist() for _, test in stratified_kfold(df, n_splits=5, seed=0)]
    assert again == [test.tolist() for _, test in folds]


def test_leave_one_subject_out() -> None:
    df = _table(120, n_subjects=6)
    folds = list(leave_one_subject_out(df))
    assert len(folds) == df["subject"].nunique()
    for train, test in folds:
        held_out = set(df["subject"].iloc[test])
        assert len(held_out) == 1
        assert not held_out & set(df["subject"].iloc[train])
        assert len(train) + len(test) == len(df)
