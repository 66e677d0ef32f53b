"""`describe(name)` and `overview()`: registry facts plus what the local copy actually holds."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from affectlab.datasets._paths import corpus_dir
from affectlab.datasets.errors import DatasetNotFoundError
from affectlab.datasets.loading import load
from affectlab.datasets.registry import info, list_datasets


def locate(name: str, path: str | os.PathLike[str] | None = None) -> str | None:
    """Folder of the corpus as a string when it is present with its required files, else None."""
    entry = info(name)
    try:
        folder = corpus_dir(entry.name, path)
    except DatasetNotFoundError:
        return None
    if all((folder / f).exists() for f in entry.required_files):
        return str(folder)
    return None


def split_sizes(frame: pd.DataFrame) -> dict[str, int]:
    """Rows per split in train/dev/test order; rows without a split count under 'all'."""
    counts = frame["split"].fillna("all").value_counts()
    order = [s for s in ("train", "dev", "test", "all") if s in counts.index]
    return {s: int(counts[s]) for s in order}


def label_counts(frame: pd.DataFrame, column: str = "labels") -> dict[str, int]:
    """Rows per label (a multi-label row counts once per label), most frequent first."""
    values = frame[column].explode().dropna() if column == "labels" else frame[column].dropna()
    return {str(k): int(v) for k, v in values.value_counts().items()}


def describe(name: str, path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Registry fields plus measured sizes, label counts and dimension ranges when data is present.

    Without data, `splits` holds the published sizes and `available` is False.
    """
    entry = info(name)
    out = entry.to_dict()
    folder = locate(entry.name, path)
    out["available"] = folder is not None
    out["location"] = folder
    if folder is None:
        out["splits"] = dict(entry.expected_splits)
        out["rows"] = entry.expected_rows
        return out
    frame = load(entry.name, path=path)
    out["splits"] = split_sizes(frame)
    out["rows"] = len(frame)
    out["matches_expected"] = out["splits"] == dict(entry.expected_splits)
    out["columns"] = list(frame.columns)
    out["label_counts"] = label_counts(frame) if entry.label_names else {}
    if entry.category_column and entry.category_column in frame.columns:
        out["category_counts"] = {entry.category_column: label_counts(frame, entry.category_column)}
    out["dimension_stats"] = {
        dim: {"min": float(frame[dim].min()), "max": float(frame[dim].max()),
              "mean": round(float(frame[dim].mean()), 4)}
        for dim in entry.dimensions if dim in frame.columns
    }  # fmt: skip
    if frame["subject"].notna().any():
        out["subjects"] = int(frame["subject"].nunique())
    return out


_COUNT_OPTIONS: dict[str, dict[str, Any]] = {"vgmidi": {"extract": False}}  # no side effects


def overview() -> list[dict[str, Any]]:
    """One row per corpus: name, task, modality, availability, measured (or expected) rows."""
    rows = []
    for name in list_datasets():
        entry = info(name)
        folder = locate(name)
        rows.append({
            "name": name, "title": entry.title, "task": entry.task, "modality": entry.modality,
            "scheme": entry.scheme, "available": folder is not None,
            "rows": len(load(name, **_COUNT_OPTIONS.get(name, {}))) if folder else None,
            "expected_rows": entry.expected_rows,
        })  # fmt: skip
    return rows
