"""CrowdFlower 'Emotion in Text' loader: 40k tweets with 13 noisy labels, no split."""

from __future__ import annotations

import os

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import check_labels, finalize, read_table
from affectlab.datasets.registry import CROWDFLOWER_LABELS
from affectlab.datasets.text_repair import fix_mojibake

NAME = "crowdflower"


def load_crowdflower(
    path: str | os.PathLike[str] | None = None, split: str | None = None
) -> pd.DataFrame:
    """CrowdFlower as the common table; subject is the tweet author, text gets mojibake repair."""
    del split  # no official split; load() rejects a split before calling
    folder = corpus_dir(NAME, path)
    file = require_file(folder, "text_emotion.csv", NAME)
    raw = read_table(
        file,
        NAME,
        expected=("tweet_id", "sentiment", "content"),
        dtype=str,
        keep_default_na=False,
        encoding="utf-8",
    )
    labels = raw["sentiment"].str.strip().str.lower()
    check_labels(labels, CROWDFLOWER_LABELS, file, NAME)
    authors = raw["author"] if "author" in raw.columns else pd.Series([""] * len(raw))
    return finalize(
        pd.DataFrame(
            {
                "id": raw["tweet_id"],
                "text": raw["content"].map(fix_mojibake),
                "labels": [[label] for label in labels],
                "split": None,
                "subject": [a.strip() or None for a in authors],
            }
        ),
        NAME,
    )
