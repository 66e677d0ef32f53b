"""ISEAR loader: self-reported emotional situations in 7 balanced classes, `|`-separated."""

from __future__ import annotations

import os

import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import check_labels, finalize, read_text
from affectlab.datasets.errors import DatasetFormatError
from affectlab.datasets.registry import ISEAR_LABELS
from affectlab.datasets.text_repair import clean_isear_text

NAME = "isear"
# The situation text (SIT) may itself contain '|' (a line-break artefact), so a row is parsed
# as: the fixed columns before SIT, then SIT, then STATE and the empty field after the last '|'.
_KEEP = {"ID": "subject", "CITY": "city", "COUN": "country", "SEX": "sex", "AGE": "age",
         "MYKEY": "id", "Field1": "emotion"}  # fmt: skip


def load_isear(
    path: str | os.PathLike[str] | None = None, split: str | None = None
) -> pd.DataFrame:
    """ISEAR as the common table: subject = respondent ID, text = cleaned SIT, no split."""
    del split  # no official split
    folder = corpus_dir(NAME, path)
    file = require_file(folder, "isear.csv", NAME)
    lines = [line for line in read_text(file, NAME).splitlines() if line.strip()]
    if not lines:
        raise DatasetFormatError(f"corpus {NAME!r}: {file} is empty")
    header = lines[0].rstrip("|").split("|")
    if "SIT" not in header or header[-1] == "SIT":
        raise DatasetFormatError(f"corpus {NAME!r}: {file} header lacks the SIT column")
    sit = header.index("SIT")
    after = len(header) - sit - 1  # columns after SIT (STATE)
    missing = [c for c in _KEEP if c not in header[:sit]]
    if missing:
        raise DatasetFormatError(f"corpus {NAME!r}: {file} header lacks {missing}")
    records = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.rstrip("\r").split("|")
        if fields and fields[-1] == "":
            fields = fields[:-1]  # every row ends with '|'
        if len(fields) < len(header):
            raise DatasetFormatError(f"corpus {NAME!r}: {file} line {number} has too few fields")
        row = dict(zip(header[:sit], fields[:sit], strict=True))
        record = {new: row[old].strip() for old, new in _KEEP.items()}
        record["text"] = clean_isear_text("|".join(fields[sit : len(fields) - after]))
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    check_labels(frame["emotion"], ISEAR_LABELS, file, NAME)
    frame["labels"] = [[label] for label in frame.pop("emotion")]
    frame["split"] = None
    for column in ("city", "country", "sex", "age"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return finalize(frame, NAME)
