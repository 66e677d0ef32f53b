"""MELD loader: utterances from Friends with one of 7 emotions, a sentiment and the speaker."""

from __future__ import annotations

import io
import os

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import (
    check_labels,
    finalize,
    read_table,
    read_text,
    wanted_splits,
)
from affectlab.datasets.registry import MELD_LABELS
from affectlab.datasets.text_repair import fix_mojibake

NAME = "meld"
_COLUMNS = ("Utterance", "Speaker", "Emotion", "Sentiment", "Dialogue_ID", "Utterance_ID")


def load_meld(path: str | os.PathLike[str] | None = None, split: str | None = None) -> pd.DataFrame:
    """MELD as the common table; id = '<split>_dia<D>_utt<U>' (the file's 'Sr No.' repeats)."""
    folder = corpus_dir(NAME, path)
    frames = []
    for part in wanted_splits(split):
        file = require_file(folder, f"{part}_sent_emo.csv", NAME)
        text = read_text(file, NAME, fallback="cp1252")  # stray cp1252 bytes are repaired below
        raw = read_table(
            io.StringIO(text),
            NAME,
            expected=_COLUMNS,
            dtype=str,
            keep_default_na=False,
            source=file,
        )
        labels = raw["Emotion"].str.strip().str.lower()
        check_labels(labels, MELD_LABELS, file, NAME)
        dialogue = raw["Dialogue_ID"].astype(int)
        utterance = raw["Utterance_ID"].astype(int)
        frame = pd.DataFrame(
            {
                "id": [f"{part}_dia{d}_utt{u}" for d, u in zip(dialogue, utterance, strict=True)],
                "text": raw["Utterance"].map(fix_mojibake).str.strip(),
                "labels": [[label] for label in labels],
                "split": part,
                "subject": raw["Speaker"].str.strip(),
                "sentiment": raw["Sentiment"].str.strip().str.lower(),
                "dialogue": dialogue,
                "utterance": utterance,
            }
        )
        for column, new in (("Season", "season"), ("Episode", "episode")):
            if column in raw.columns:
                frame[new] = pd.to_numeric(raw[column], errors="coerce").astype("Int64")
        for column, new in (("StartTime", "start_time"), ("EndTime", "end_time")):
            if column in raw.columns:
                frame[new] = raw[column]
        frames.append(frame)
    return finalize(pd.concat(frames, ignore_index=True), NAME)
