"""The common table every loader returns, and small reading helpers shared by the loaders."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from affectlab.datasets.errors import DatasetFormatError

COMMON_COLUMNS: tuple[str, ...] = ("id", "text", "path", "labels", "split", "subject")
SPLITS: tuple[str, ...] = ("train", "dev", "test")
_SPLIT_ALIASES = {"train": "train", "dev": "dev", "val": "dev", "valid": "dev",
                  "validation": "dev", "test": "test"}  # fmt: skip


def normalise_split(split: str | None) -> str | None:
    """'train'/'dev'/'test' (accepting 'val'/'validation' for dev) or None for all rows."""
    if split is None:
        return None
    key = str(split).strip().lower()
    if key not in _SPLIT_ALIASES:
        raise ValueError(f"unknown split {split!r}: use one of {', '.join(SPLITS)} (or None)")
    return _SPLIT_ALIASES[key]


def wanted_splits(split: str | None) -> tuple[str, ...]:
    """The official splits a loader has to read for `split` (all three when None)."""
    norm = normalise_split(split)
    return SPLITS if norm is None else (norm,)


def _optional_str(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    return str(value)


def finalize(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Order columns (common first), coerce dtypes, check ids are unique; returns a new frame."""
    out = frame.copy()
    for column in COMMON_COLUMNS:
        if column not in out.columns:
            out[column] = [[] for _ in range(len(out))] if column == "labels" else None
    out["id"] = out["id"].map(str).astype("str")
    for column in ("text", "path", "split", "subject"):
        out[column] = pd.Series(
            [_optional_str(v) for v in out[column]], index=out.index, dtype=object
        )
    out["labels"] = pd.Series([list(v) for v in out["labels"]], index=out.index, dtype=object)
    duplicated = out["id"].duplicated()
    if duplicated.any():
        examples = ", ".join(out.loc[duplicated, "id"].head(3))
        raise DatasetFormatError(f"corpus {name!r}: duplicated ids ({examples})")
    rest = [c for c in out.columns if c not in COMMON_COLUMNS]
    return out[list(COMMON_COLUMNS) + rest].reset_index(drop=True)


def read_text(path: Path, name: str, encoding: str = "utf-8", fallback: str | None = None) -> str:
    """Whole file as text; with `fallback`, lines that are not `encoding` are decoded with it.

    A decoding error (without fallback) becomes a DatasetFormatError naming the file.
    """
    data = path.read_bytes()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        if fallback is not None:  # mixed files: decode line by line
            lines = []
            for line in data.split(b"\n"):
                try:
                    lines.append(line.decode(encoding))
                except UnicodeDecodeError:
                    lines.append(line.decode(fallback, errors="replace"))
            return "\n".join(lines)
        raise DatasetFormatError(
            f"corpus {name!r}: {path} is not valid {encoding} text ({err.reason} at byte "
            f"{err.start})"
        ) from err


def read_table(
    path: Path | io.StringIO,
    name: str,
    expected: Iterable[str] = (),
    source: Path | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """pandas.read_csv with errors naming the file (`source` when reading from a buffer)."""
    where = source if source is not None else path
    try:
        frame = pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error, ValueError) as err:
        raise DatasetFormatError(f"corpus {name!r}: cannot parse {where}: {err}") from err
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise DatasetFormatError(
            f"corpus {name!r}: {where} lacks column(s) {missing}; found {list(frame.columns)}"
        )
    return frame


def check_labels(labels: Iterable[str], allowed: Iterable[str], path: Path, name: str) -> None:
    """Raise DatasetFormatError if any label is outside the corpus's label set."""
    unknown = sorted(set(labels) - set(allowed))
    if unknown:
        raise DatasetFormatError(
            f"corpus {name!r}: {path} has unexpected label(s) {unknown[:5]}; "
            f"expected one of {sorted(allowed)}"
        )
