"""Face-expression corpora: FER2013 (the copy's own split), CK+ peak frames, facial_expressions.

Each returns the common table with `path` to the image; `subject` is the CK+ subject or the
facial_expressions person (empty names become one group per image, so no rows are dropped).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import finalize, normalise_split, read_table
from affectlab.datasets.errors import DatasetFormatError

FER_LABELS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
CKPLUS_LABELS: tuple[str, ...] = (
    "anger", "contempt", "disgust", "fear", "happy", "sadness", "surprise",
)  # fmt: skip
FACIAL_EXPRESSIONS_LABELS: tuple[str, ...] = (
    "anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise",
)  # fmt: skip
_CK_NAME = re.compile(r"^(?P<subject>S\d{3})_(?P<sequence>\d{3})_(?P<frame>\d{8})$")
_FER_SPLITS = {"train": "train", "val": "dev", "test": "test"}


def load_fer2013(path: str | os.PathLike[str] | None = None,
                 split: str | None = None) -> pd.DataFrame:
    """FER2013 as 48x48 PNGs with the copy's own random 70/15/15 split (not the official one)."""
    name = "fer2013"
    folder = corpus_dir(name, path)
    table = require_file(folder, "labels.csv", name)
    wanted = normalise_split(split)
    records = []
    for i, row in enumerate(_rows(table, name, ("path", "emotion", "split"))):
        if row["emotion"] not in FER_LABELS or row["split"] not in _FER_SPLITS:
            raise DatasetFormatError(f"corpus {name!r}: row {i + 2} of {table} has emotion "
                                     f"{row['emotion']!r} and split {row['split']!r}")
        part = _FER_SPLITS[row["split"]]
        if wanted is not None and part != wanted:
            continue
        records.append({"id": Path(row["path"]).with_suffix("").as_posix(),
                        "path": str(folder / row["path"]), "labels": [row["emotion"]],
                        "split": part, "subject": None})
    return finalize(pd.DataFrame.from_records(records), name)


def load_ckplus(path: str | os.PathLike[str] | None = None,
                split: str | None = None) -> pd.DataFrame:
    """CK+ peak frames (48x48); subject and sequence from the file name, for grouped folds."""
    del split  # no official split: subject-wise folds
    name = "ckplus"
    folder = corpus_dir(name, path)
    records = []
    for label in CKPLUS_LABELS:
        for png in sorted(require_file(folder, label, name).glob("*.png")):
            match = _CK_NAME.match(png.stem)
            if match is None:
                raise DatasetFormatError(f"corpus {name!r}: {png} is not named S###_###_########")
            records.append({"id": png.stem, "path": str(png), "labels": [label], "split": None,
                            "subject": match["subject"],
                            "sequence": f"{match['subject']}_{match['sequence']}"})
    if not records:
        raise DatasetFormatError(f"corpus {name!r}: no images under {folder}")
    return finalize(pd.DataFrame.from_records(records), name)


def load_facial_expressions(path: str | os.PathLike[str] | None = None,
                            split: str | None = None) -> pd.DataFrame:
    """In-the-wild LFW-style photos with 8 noisy labels; a cross-dataset test set."""
    del split  # person-grouped evaluation only
    name = "facial_expressions"
    folder = corpus_dir(name, path)
    table = require_file(folder, "labels.csv", name)
    records, seen = [], {}
    for i, row in enumerate(_rows(table, name, ("path", "emotion", "person"))):
        if row["emotion"] not in FACIAL_EXPRESSIONS_LABELS:
            raise DatasetFormatError(f"corpus {name!r}: row {i + 2} of {table} has the unknown "
                                     f"emotion {row['emotion']!r}")
        ident = Path(row["path"]).stem
        seen[ident] = seen.get(ident, 0) + 1
        if seen[ident] > 1:  # a photo listed twice (with two labels) keeps both rows
            ident = f"{ident}#{seen[ident]}"
        records.append({"id": ident, "path": str(folder / row["path"]),
                        "labels": [row["emotion"]], "split": None,
                        "subject": row["person"] or f"unnamed:{Path(row['path']).stem}"})
    return finalize(pd.DataFrame.from_records(records), name)


def _rows(table: Path, name: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    frame = read_table(table, name, columns, dtype=str, keep_default_na=False)
    return frame[list(columns)].to_dict("records")
