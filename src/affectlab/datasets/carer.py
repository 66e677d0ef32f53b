"""CARER (dair-ai emotion) loader: English tweets, one of six emotions, `text;label` files."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import check_labels, finalize, read_text, wanted_splits
from affectlab.datasets.errors import DatasetFormatError
from affectlab.datasets.registry import CARER_LABELS

NAME = "carer"
_FILES = {"train": "train.txt", "dev": "val.txt", "test": "test.txt"}


def _parse(text: str, file: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    lines = text.splitlines()
    if lines and lines[0].strip().lower() in ("text;label", "text;label_name"):
        lines = lines[1:]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        body, sep, label = line.rpartition(";")  # the label never holds ';', the text might
        if not sep:
            raise DatasetFormatError(f"corpus {NAME!r}: {file} line {number} has no ';' separator")
        label = label.strip()
        if label.isdigit():  # the Hugging Face copy stores class ids in this order
            label = CARER_LABELS[int(label)]
        texts.append(body)
        labels.append(label)
    return texts, labels


def load_carer(
    path: str | os.PathLike[str] | None = None, split: str | None = None
) -> pd.DataFrame:
    """CARER as the common table (train/dev/test = train.txt/val.txt/test.txt)."""
    folder = corpus_dir(NAME, path)
    frames = []
    for part in wanted_splits(split):
        file = require_file(folder, _FILES[part], NAME)
        texts, labels = _parse(read_text(file, NAME), file)
        check_labels(labels, CARER_LABELS, file, NAME)
        frames.append(
            pd.DataFrame(
                {
                    "id": [f"{part}-{i:05d}" for i in range(len(texts))],
                    "text": texts,
                    "labels": [[label] for label in labels],
                    "split": part,
                }
            )
        )
    return finalize(pd.concat(frames, ignore_index=True), NAME)
