"""Facebook valence/arousal loader: 2,894 posts rated 1-9 by two annotators, no split."""

from __future__ import annotations

import os

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import finalize, read_table
from affectlab.datasets.text_repair import fix_mojibake

NAME = "fb_va"
_FILE = "dataset-fb-valence-arousal-anon.csv"
_COLUMNS = ("Anonymized Message", "Valence1", "Valence2", "Arousal1", "Arousal2")


def load_fb_va(
    path: str | os.PathLike[str] | None = None, split: str | None = None
) -> pd.DataFrame:
    """FB-VA as the common table: per-annotator ratings plus their mean as `valence`/`arousal`.

    The posts carry double-encoded mojibake (e.g. 'Ã¢â‚¬â„¢' for '’'); it is repaired.
    """
    del split  # no official split
    folder = corpus_dir(NAME, path)
    file = require_file(folder, _FILE, NAME)
    raw = read_table(
        file,
        NAME,
        expected=_COLUMNS,
        dtype={"Anonymized Message": str},
        keep_default_na=False,
        encoding="utf-8",
    )
    frame = pd.DataFrame(
        {
            "id": [f"fb{i:04d}" for i in range(len(raw))],  # row number in the published file
            "text": raw["Anonymized Message"].map(fix_mojibake).str.strip(),
            "split": None,
        }
    )
    for dim in ("Valence", "Arousal"):
        first = raw[f"{dim}1"].astype(float)
        second = raw[f"{dim}2"].astype(float)
        frame[dim.lower()] = (first + second) / 2.0
        frame[f"{dim.lower()}_1"] = first
        frame[f"{dim.lower()}_2"] = second
    return finalize(frame, NAME)
