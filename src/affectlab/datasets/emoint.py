"""EmoInt (WASSA-2017) loader: tweet emotion intensity in [0, 1] for anger, fear, joy, sadness."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from affectlab.datasets._paths import corpus_dir
from affectlab.datasets._table import finalize, read_text, wanted_splits
from affectlab.datasets.errors import DatasetFormatError, DatasetNotFoundError
from affectlab.datasets.registry import EMOINT_EMOTIONS, info

NAME = "emoint"
# train: <emotion>-ratings-0to1.train.tsv; dev and test: <emotion>-gold.txt (test = test-gold)
_PATTERNS = {"train": "{e}-ratings-0to1.train.*", "dev": "{e}-*gold*", "test": "{e}-*gold*"}


def _find(folder: Path, part: str, emotion: str) -> Path:
    matches = sorted((folder / part).glob(_PATTERNS[part].format(e=emotion)))
    if not matches:
        raise DatasetNotFoundError(
            f"corpus {NAME!r}: no {part} file for {emotion!r} in {folder / part} (expected "
            f"{_PATTERNS[part].format(e=emotion)}). Public source: {info(NAME).public_source}."
        )
    return matches[0]


def _parse(file: Path, emotion: str) -> list[tuple[str, str, float]]:
    rows = []
    for number, line in enumerate(read_text(file, NAME).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 4:
            raise DatasetFormatError(
                f"corpus {NAME!r}: {file} line {number}: expected 4 tab fields"
            )
        try:
            score = float(fields[-1])
        except ValueError:
            if number == 1:  # a header line
                continue
            raise DatasetFormatError(
                f"corpus {NAME!r}: {file} line {number}: bad score {fields[-1]!r}"
            ) from None
        if fields[-2].strip() != emotion:
            raise DatasetFormatError(
                f"corpus {NAME!r}: {file} line {number}: emotion {fields[-2]!r}, "
                f"expected {emotion!r}"
            )
        rows.append((fields[0].strip(), "\t".join(fields[1:-2]).strip(), score))
    return rows


def load_emoint(
    path: str | os.PathLike[str] | None = None, split: str | None = None
) -> pd.DataFrame:
    """EmoInt as the common table: one row per tweet per emotion file, `emotion` and `intensity`."""
    folder = corpus_dir(NAME, path)
    records = []
    for part in wanted_splits(split):
        for emotion in EMOINT_EMOTIONS:
            for tweet_id, text, score in _parse(_find(folder, part, emotion), emotion):
                records.append(
                    {
                        "id": tweet_id,
                        "text": text,
                        "split": part,
                        "emotion": emotion,
                        "intensity": score,
                    }
                )
    frame = pd.DataFrame.from_records(records)
    frame["intensity"] = frame["intensity"].astype(float)
    return finalize(frame, NAME)
