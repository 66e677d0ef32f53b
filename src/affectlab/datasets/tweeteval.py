"""TweetEval emotion loader: SemEval-2018 tweets, one of anger/joy/optimism/sadness."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import check_labels, finalize, read_text, wanted_splits
from affectlab.datasets.errors import DatasetFormatError
from affectlab.datasets.registry import TWEETEVAL_LABELS

NAME = "tweeteval"
_PREFIX = {"train": "train", "dev": "val", "test": "test"}


def _mapping(folder: Path) -> dict[str, str]:
    file = require_file(folder, "mapping.txt", NAME)
    mapping = {}
    for line in read_text(file, NAME).splitlines():
        if line.strip():
            key, _, label = line.strip().partition("\t")
            mapping[key.strip()] = label.strip()
    check_labels(mapping.values(), TWEETEVAL_LABELS, file, NAME)
    return mapping


def load_tweeteval(
    path: str | os.PathLike[str] | None = None, split: str | None = None
) -> pd.DataFrame:
    """TweetEval emotion as the common table; texts lose the trailing space of the files."""
    folder = corpus_dir(NAME, path)
    mapping = _mapping(folder)
    frames = []
    for part in wanted_splits(split):
        text_file = require_file(folder, f"{_PREFIX[part]}_text.txt", NAME)
        label_file = require_file(folder, f"{_PREFIX[part]}_labels.txt", NAME)
        texts = read_text(text_file, NAME).rstrip("\n").split("\n")
        ids = [x.strip() for x in read_text(label_file, NAME).rstrip("\n").split("\n")]
        if len(texts) != len(ids):
            raise DatasetFormatError(
                f"corpus {NAME!r}: {text_file} has {len(texts)} lines but {label_file} has "
                f"{len(ids)}"
            )
        unknown = sorted(set(ids) - set(mapping))
        if unknown:
            raise DatasetFormatError(f"corpus {NAME!r}: {label_file} has unknown ids {unknown}")
        frames.append(
            pd.DataFrame(
                {
                    "id": [f"{part}-{i:05d}" for i in range(len(texts))],
                    "text": [t.strip() for t in texts],
                    "labels": [[mapping[i]] for i in ids],
                    "split": part,
                }
            )
        )
    return finalize(pd.concat(frames, ignore_index=True), NAME)
