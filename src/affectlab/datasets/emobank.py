"""EmoBank loader: English sentences rated for valence, arousal and dominance on 1-5."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import finalize, normalise_split, read_table
from affectlab.datasets.errors import DatasetFormatError

NAME = "emobank"


def _splits(values: pd.Series, file: Path) -> list[str | None]:
    try:
        return [normalise_split(v) for v in values]
    except ValueError as err:
        raise DatasetFormatError(f"corpus {NAME!r}: {file}: {err}") from err


def load_emobank(
    path: str | os.PathLike[str] | None = None, split: str | None = None
) -> pd.DataFrame:
    """EmoBank as the common table: `valence`/`arousal`/`dominance` floats, `genre` (meta.tsv)."""
    folder = corpus_dir(NAME, path)
    file = require_file(folder, "emobank.csv", NAME)
    raw = read_table(
        file,
        NAME,
        expected=("id", "split", "V", "A", "D", "text"),
        dtype={"id": str, "split": str, "text": str},
        keep_default_na=False,
    )
    frame = pd.DataFrame(
        {
            "id": raw["id"],
            "text": raw["text"],
            "split": _splits(raw["split"], file),
            "valence": raw["V"].astype(float),
            "arousal": raw["A"].astype(float),
            "dominance": raw["D"].astype(float),
        }
    )
    meta_file = folder / "meta.tsv"
    if meta_file.exists():  # optional: genre ("category") and document of each sentence
        meta = read_table(
            meta_file,
            NAME,
            expected=("id", "document", "category"),
            sep="\t",
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_NONE,
        )
        meta = meta.drop_duplicates("id").set_index("id")
        frame["genre"] = frame["id"].map(meta["category"].str.strip())
        frame["document"] = frame["id"].map(meta["document"].str.strip())
    else:
        frame["genre"] = None
        frame["document"] = None
    wanted = normalise_split(split)
    if wanted is not None:
        frame = frame[frame["split"] == wanted]
    return finalize(frame, NAME)
