"""GoEmotions loader: Reddit comments, multi-label over 27 emotions + neutral."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import finalize, read_table, read_text, wanted_splits
from affectlab.datasets.errors import DatasetFormatError
from affectlab.datasets.registry import GOEMOTIONS_LABELS

NAME = "goemotions"
_VARIANTS = {"original": ("", "emotions.txt"), "ekman": ("ekman", "labels.txt"),
             "group": ("group", "labels.txt")}  # fmt: skip


def _label_names(folder: Path, variant: str) -> tuple[str, ...]:
    sub, filename = _VARIANTS[variant]
    path = folder / sub / filename
    if variant == "original" and not path.exists():
        return GOEMOTIONS_LABELS  # the label order is fixed by the paper
    path = require_file(folder, f"{sub}/{filename}".lstrip("/"), NAME)
    names = tuple(line.strip() for line in read_text(path, NAME).splitlines() if line.strip())
    if variant == "original" and names != GOEMOTIONS_LABELS:
        raise DatasetFormatError(f"corpus {NAME!r}: {path} does not list the 28 GoEmotions labels")
    return names


def load_goemotions(
    path: str | os.PathLike[str] | None = None, split: str | None = None, variant: str = "original"
) -> pd.DataFrame:
    """GoEmotions as the common table; `variant` 'ekman' or 'group' reads the coarser labels."""
    if variant not in _VARIANTS:
        raise ValueError(f"variant must be one of {sorted(_VARIANTS)}, not {variant!r}")
    folder = corpus_dir(NAME, path)
    names = _label_names(folder, variant)
    frames = []
    for part in wanted_splits(split):
        file = require_file(folder, f"{_VARIANTS[variant][0]}/{part}.tsv".lstrip("/"), NAME)
        raw = read_table(
            file,
            NAME,
            sep="\t",
            header=None,
            names=["text", "ids", "id"],
            dtype=str,
            quoting=csv.QUOTE_NONE,
            keep_default_na=False,
        )
        try:
            labels = [[names[int(i)] for i in ids.split(",")] for ids in raw["ids"]]
        except (ValueError, IndexError) as err:
            raise DatasetFormatError(f"corpus {NAME!r}: bad label ids in {file}: {err}") from err
        frames.append(
            pd.DataFrame({"id": raw["id"], "text": raw["text"], "labels": labels, "split": part})
        )
    return finalize(pd.concat(frames, ignore_index=True), NAME)
