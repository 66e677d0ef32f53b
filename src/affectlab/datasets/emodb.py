"""Berlin EmoDB loader: 535 acted German utterances; emotion and speaker come from the file name."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import finalize, read_text
from affectlab.datasets.errors import DatasetFormatError

NAME = "emodb"
# 6th character of the file name (German initial): Wut, Langeweile, Ekel, Angst, Freude, Trauer, N
EMOTION_CODES: dict[str, str] = {"W": "anger", "L": "boredom", "E": "disgust", "A": "fear",
                                 "F": "happiness", "T": "sadness", "N": "neutral"}  # fmt: skip
# Speaker facts and the ten sentences as documented by the corpus authors (emodb.bilderbar.info).
SPEAKERS: dict[str, tuple[str, int]] = {
    "03": ("male", 31), "08": ("female", 34), "09": ("female", 21), "10": ("male", 32),
    "11": ("male", 26), "12": ("male", 30), "13": ("female", 32), "14": ("female", 35),
    "15": ("male", 25), "16": ("female", 31),
}  # fmt: skip
SENTENCES: dict[str, str] = {
    "a01": "Der Lappen liegt auf dem Eisschrank.",
    "a02": "Das will sie am Mittwoch abgeben.",
    "a04": "Heute abend könnte ich es ihm sagen.",
    "a05": "Das schwarze Stück Papier befindet sich da oben neben dem Holzstück.",
    "a07": "In sieben Stunden wird es soweit sein.",
    "b01": "Was sind denn das für Tüten, die da unter dem Tisch stehen?",
    "b02": "Sie haben es gerade hochgetragen und jetzt gehen sie wieder runter.",
    "b03": "An den Wochenenden bin ich jetzt immer nach Hause gefahren und habe Agnes besucht.",
    "b09": "Ich will das eben wegbringen und dann mit Karl was trinken gehen.",
    "b10": "Die wird auf dem Platz sein, wo wir sie immer hinlegen.",
}
_FILENAME = re.compile(
    r"^(?P<speaker>\d{2})(?P<sentence>[ab]\d{2})(?P<code>[A-Z])(?P<version>[a-z])$"
)


def parse_emodb_filename(stem: str) -> dict[str, str]:
    """Speaker, sentence code, emotion and version from a name like '03a01Fa' (no extension)."""
    match = _FILENAME.match(stem)
    if match is None or match["code"] not in EMOTION_CODES:
        raise DatasetFormatError(
            f"corpus {NAME!r}: {stem!r} is not an EmoDB file name "
            "(speaker 2 digits, sentence a01..b10, emotion letter, version)"
        )
    return {
        "speaker": match["speaker"],
        "sentence": match["sentence"],
        "emotion": EMOTION_CODES[match["code"]],
        "version": match["version"],
    }


def _perception_scores(folder: Path) -> dict[str, tuple[float, float]]:
    """Recognition and naturalness (percent) per file from erkennung.txt, if present."""
    file = folder / "erkennung.txt"
    if not file.exists():
        return {}
    scores = {}
    for line in read_text(file, NAME, encoding="latin-1").splitlines()[1:]:
        fields = [f.strip("\xa0 \t") for f in line.split("\t")]
        if len(fields) >= 4 and fields[1].endswith(".wav"):
            try:
                scores[fields[1][:-4]] = (
                    float(fields[2].replace(",", ".")),
                    float(fields[3].replace(",", ".")),
                )
            except ValueError:
                continue
    return scores


def load_emodb(
    path: str | os.PathLike[str] | None = None, split: str | None = None
) -> pd.DataFrame:
    """EmoDB as the common table: `path` to each wav, subject = speaker, text = the sentence."""
    del split  # no official split: evaluate leave-one-speaker-out
    folder = corpus_dir(NAME, path)
    wav_dir = require_file(folder, "wav", NAME)
    scores = _perception_scores(folder)
    records, skipped = [], []
    for wav in sorted(wav_dir.glob("*.wav")):
        try:
            parts = parse_emodb_filename(wav.stem)
        except DatasetFormatError:
            skipped.append(wav.name)
            continue
        gender, age = SPEAKERS.get(parts["speaker"], (None, None))
        recognition, naturalness = scores.get(wav.stem, (float("nan"), float("nan")))
        records.append(
            {
                "id": wav.stem,
                "text": SENTENCES.get(parts["sentence"]),
                "path": str(wav.resolve()),
                "labels": [parts["emotion"]],
                "split": None,
                "subject": parts["speaker"],
                "sentence": parts["sentence"],
                "version": parts["version"],
                "gender": gender,
                "age": age,
                "recognition_pct": recognition,
                "naturalness_pct": naturalness,
            }
        )
    if skipped:
        warnings.warn(
            f"EmoDB: skipped {len(skipped)} wav file(s) with unexpected names, e.g. {skipped[:3]}",
            stacklevel=2,
        )
    if not records:
        raise DatasetFormatError(f"corpus {NAME!r}: no EmoDB wav files in {wav_dir}")
    frame = pd.DataFrame.from_records(records)
    frame["age"] = frame["age"].astype("Int64")
    return finalize(frame, NAME)
