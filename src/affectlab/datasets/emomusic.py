"""Emotion in Music (1000 songs) loader: static V/A per song and the 2 Hz dynamic V/A curves."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import finalize, read_table
from affectlab.datasets.errors import DatasetFormatError

NAME = "emomusic"
_STATIC = ("song_id", "mean_arousal", "std_arousal", "mean_valence", "std_valence")
_SAMPLE = re.compile(r"^sample_(\d+)ms$")


def _seconds(value: object) -> float:
    """'1.33' (minutes.seconds, trailing zero dropped: '0.2' is 0:20) -> 93.0 seconds."""
    text = str(value).strip()
    if not text or text.lower() == "nan":
        return float("nan")
    minutes, _, seconds = text.partition(".")
    return 60.0 * int(minutes or 0) + int((seconds or "0").ljust(2, "0")[:2])


def _song_info(folder: Path) -> pd.DataFrame | None:
    file = folder / "songs_info.csv"
    if not file.exists():
        return None
    raw = read_table(file, NAME, expected=("song_id",), dtype=str, keep_default_na=False)
    raw = raw.apply(lambda col: col.str.strip())  # cells are padded with tabs
    rename = {"Artist": "artist", "Song title": "title", "Genre": "genre",
              "Mediaeval 2013 set": "mediaeval_set"}  # fmt: skip
    info = raw.rename(columns=rename).set_index("song_id")
    for column, new in (
        ("start of the segment (min.sec)", "segment_start_s"),
        ("end of the segment (min.sec)", "segment_end_s"),
    ):
        if column in info.columns:
            info[new] = info[column].map(_seconds)
    keep = [c for c in (*rename.values(), "segment_start_s", "segment_end_s") if c in info.columns]
    return info[keep]


def load_emomusic(
    path: str | os.PathLike[str] | None = None, split: str | None = None
) -> pd.DataFrame:
    """One row per annotated song: static `valence`/`arousal` means (1-9) and stds, song facts.

    `path` points at mp3_sample/<id>.mp3 when that clip ships, else None. No official split
    (the MediaEval 2013 development/evaluation sets are in `mediaeval_set`).
    """
    del split
    folder = corpus_dir(NAME, path)
    file = require_file(folder, "static_annotations.csv", NAME)
    raw = read_table(file, NAME, expected=_STATIC, dtype={"song_id": str}, skipinitialspace=True)
    ids = raw["song_id"].str.strip()
    clips = folder / "mp3_sample"
    frame = pd.DataFrame(
        {
            "id": ids,
            "path": [
                str((clips / f"{i}.mp3").resolve()) if (clips / f"{i}.mp3").exists() else None
                for i in ids
            ],
            "split": None,
            "valence": raw["mean_valence"].astype(float),
            "arousal": raw["mean_arousal"].astype(float),
            "valence_std": raw["std_valence"].astype(float),
            "arousal_std": raw["std_arousal"].astype(float),
        }
    )
    info = _song_info(folder)
    if info is not None:
        frame = frame.join(info, on="id")
    return finalize(frame, NAME)


def _curves(file: Path, value: str) -> pd.DataFrame:
    raw = read_table(file, NAME, expected=("song_id",), dtype={"song_id": str})
    samples = {c: _SAMPLE.match(c.strip()) for c in raw.columns if c != "song_id"}
    bad = [c for c, m in samples.items() if m is None]
    if bad:
        raise DatasetFormatError(f"corpus {NAME!r}: {file} has unexpected columns {bad[:3]}")
    long = raw.melt(id_vars="song_id", var_name="sample", value_name=value).dropna(subset=[value])
    millis = {c: int(m[1]) for c, m in samples.items() if m is not None}
    long["time_s"] = long["sample"].map(millis) / 1000.0
    long["song_id"] = long["song_id"].str.strip()
    return long.drop(columns="sample")


def _numeric_ids(column: pd.Series) -> pd.Series:
    """Sort key: song ids in numeric order (2, 3, ..., 1000), other columns as they are."""
    return pd.to_numeric(column, errors="coerce") if column.name == "song_id" else column


def load_emomusic_dynamic(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Per-moment V/A curves (2 Hz, scale [-1, 1]) as a long table: song_id, time_s, valence, ...

    Adds `valence_std` / `arousal_std` (spread over listeners) when those files ship.
    """
    folder = corpus_dir(NAME, path)
    keys = ["song_id", "time_s"]
    table = _curves(require_file(folder, "valence_cont_average.csv", NAME), "valence").merge(
        _curves(require_file(folder, "arousal_cont_average.csv", NAME), "arousal"),
        on=keys,
        how="outer",
    )
    for dim in ("valence", "arousal"):
        std_file = folder / f"{dim}_cont_std.csv"
        if std_file.exists():
            table = table.merge(_curves(std_file, f"{dim}_std"), on=keys, how="left")
    table = table.sort_values(["song_id", "time_s"], key=_numeric_ids)
    table["song_id"] = table["song_id"].astype("str")
    order = ["song_id", "time_s", "valence", "arousal", "valence_std", "arousal_std"]
    return table[[c for c in order if c in table.columns]].reset_index(drop=True)
