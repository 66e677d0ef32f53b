"""Split helpers for corpora without an official split (thin wrappers over scikit-learn).

All take the common table and a seed, so the same call always gives the same split.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

# scikit-learn is imported inside the functions: it costs ~0.7 s and `affectlab datasets list`
# should not pay for it.

_RARE = "__rare__"


def _strata(df: pd.DataFrame, label_column: str) -> np.ndarray:
    """One stratum per row: the label (the first one for multi-label rows, '' when none)."""
    if label_column not in df.columns:
        raise KeyError(f"no column {label_column!r} to stratify on")

    def first(value: object) -> str:
        if isinstance(value, list | tuple | np.ndarray):
            return str(value[0]) if len(value) else ""
        return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)

    return np.asarray([first(v) for v in df[label_column]], dtype=object)


def _merge_rare(strata: np.ndarray, minimum: int) -> np.ndarray:
    """Pool strata with fewer than `minimum` rows so scikit-learn can stratify."""
    values, counts = np.unique(strata, return_counts=True)
    rare = set(values[counts < minimum])
    if not rare:
        return strata
    pooled = _RARE
    if counts[counts < minimum].sum() < minimum:  # still too small: join the largest class
        pooled = values[np.argmax(counts)]
    return np.asarray([pooled if s in rare else s for s in strata], dtype=object)


def _check_sizes(test_size: float, dev_size: float) -> None:
    if not (0 <= test_size < 1 and 0 <= dev_size < 1 and test_size + dev_size < 1):
        raise ValueError("test_size and dev_size must be fractions in [0, 1) summing below 1")


def stratified_split(
    df: pd.DataFrame,
    test_size: float = 0.1,
    dev_size: float = 0.1,
    seed: int = 0,
    label_column: str = "labels",
) -> pd.DataFrame:
    """Copy of `df` with a `split` column (train/dev/test) whose label proportions match the whole.

    Multi-label rows are stratified on their first label; classes too small to split are pooled.
    """
    from sklearn.model_selection import train_test_split

    _check_sizes(test_size, dev_size)
    out = df.copy()
    positions = np.arange(len(out))
    strata = _merge_rare(_strata(out, label_column), 2)
    split = np.full(len(out), "train", dtype=object)
    rest = positions
    if test_size > 0:
        rest, test = train_test_split(
            positions, test_size=test_size, random_state=seed, stratify=strata
        )
        split[test] = "test"
    if dev_size > 0:
        inner = _merge_rare(strata[rest], 2)
        _, dev = train_test_split(
            rest, test_size=dev_size / (1 - test_size), random_state=seed + 1, stratify=inner
        )
        split[dev] = "dev"
    out["split"] = split
    return out


def subject_split(
    df: pd.DataFrame,
    test_size: float = 0.1,
    dev_size: float = 0.1,
    seed: int = 0,
    group_column: str = "subject",
) -> pd.DataFrame:
    """Copy of `df` with a `split` column such that no subject (group) is in two splits.

    Sizes are fractions of subjects, not rows. Use group_column='piece' for VGMIDI, for example.
    """
    from sklearn.model_selection import GroupShuffleSplit

    _check_sizes(test_size, dev_size)
    groups = df[group_column]
    if groups.isna().any():
        raise ValueError(f"column {group_column!r} has missing values: every row needs a subject")
    out = df.copy()
    positions = np.arange(len(out))
    group_values = groups.astype(str).to_numpy()
    split = np.full(len(out), "train", dtype=object)
    rest = positions
    if test_size > 0:
        splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
        train_pos, test_pos = next(splitter.split(positions, groups=group_values))
        split[test_pos] = "test"
        rest = positions[train_pos]
    if dev_size > 0:
        splitter = GroupShuffleSplit(
            n_splits=1, test_size=dev_size / (1 - test_size), random_state=seed + 1
        )
        _, dev_pos = next(splitter.split(rest, groups=group_values[rest]))
        split[rest[dev_pos]] = "dev"
    out["split"] = split
    return out


def stratified_kfold(
    df: pd.DataFrame, n_splits: int = 5, seed: int = 0, label_column: str = "labels"
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (train_idx, test_idx) positional indices of `n_splits` label-stratified folds."""
    from sklearn.model_selection import StratifiedKFold

    strata = _merge_rare(_strata(df, label_column), n_splits)
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    yield from folds.split(np.zeros(len(df)), strata)


def leave_one_subject_out(
    df: pd.DataFrame, group_column: str = "subject"
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (train_idx, test_idx) positional indices, one fold per subject (EmoDB speakers)."""
    from sklearn.model_selection import LeaveOneGroupOut

    groups = df[group_column]
    if groups.isna().any():
        raise ValueError(f"column {group_column!r} has missing values: every row needs a subject")
    yield from LeaveOneGroupOut().split(np.zeros(len(df)), groups=groups.astype(str).to_numpy())
