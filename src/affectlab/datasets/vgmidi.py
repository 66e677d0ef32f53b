"""VGMIDI loader: labelled piano phrases from game soundtracks with valence and arousal signs."""

from __future__ import annotations

import hashlib
import os
import re
import warnings
import zipfile
from pathlib import Path

import pandas as pd

from affectlab.datasets._paths import cache_dir, corpus_dir, require_file
from affectlab.datasets._table import finalize, read_table
from affectlab.datasets.errors import DatasetFormatError

NAME = "vgmidi"
_COLUMNS = ("id", "series", "console", "game", "piece", "midi", "valence", "arousal")
_PHRASE = re.compile(r"^(?P<piece>.+)_(?P<phrase>\d+)\.mid$")


def _phrase_files(folder: Path, members: list[str], extract: bool) -> dict[str, str | None]:
    """Absolute path per phrase (csv 'midi' value): an unzipped copy, else one in the cache."""
    paths: dict[str, str | None] = {}
    pending = []
    for member in members:
        unzipped = folder / member
        if unzipped.is_file():
            paths[member] = str(unzipped.resolve())
        else:
            paths[member] = None
            pending.append(member)
    archive = folder / "labelled" / "phrases.zip"
    if not pending or not extract or not archive.is_file():
        return paths
    digest = hashlib.sha1(archive.read_bytes()).hexdigest()[:12]
    target = cache_dir() / "vgmidi" / digest
    try:
        with zipfile.ZipFile(archive) as zf:
            names = set(zf.namelist())
            for member in pending:
                inner = member.removeprefix("labelled/")
                out = target / inner
                if not out.is_file() and inner in names:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    tmp = out.with_suffix(".part")
                    tmp.write_bytes(zf.read(inner))
                    tmp.replace(out)
                if out.is_file():
                    paths[member] = str(out.resolve())
    except (OSError, zipfile.BadZipFile) as err:
        warnings.warn(
            f"VGMIDI: could not extract phrases from {archive} to {target}: {err}; "
            "path is None for those rows",
            stacklevel=3,
        )
    return paths


def load_vgmidi(
    path: str | os.PathLike[str] | None = None, split: str | None = None, extract: bool = True
) -> pd.DataFrame:
    """VGMIDI labelled phrases as the common table; `valence`/`arousal` are signs (-1 or +1).

    The phrase MIDI files ship zipped; with `extract` they are unpacked once into the affectlab
    cache (`AFFECTLAB_CACHE`) so `path` is a real file. `piece_path` is the whole piece's MIDI.
    """
    del split  # this copy's README defines no split: group by `piece` when splitting
    folder = corpus_dir(NAME, path)
    file = require_file(folder, "vgmidi_labelled.csv", NAME)
    raw = read_table(file, NAME, expected=_COLUMNS, dtype=str, keep_default_na=False)
    members = [m.strip() for m in raw["midi"]]
    parsed = [_PHRASE.match(Path(m).name) for m in members]
    if any(p is None for p in parsed):
        bad = next(m for m, p in zip(members, parsed, strict=True) if p is None)
        raise DatasetFormatError(f"corpus {NAME!r}: {file}: cannot parse phrase file name {bad!r}")
    phrase_paths = _phrase_files(folder, members, extract)
    pieces = folder / "labelled" / "midi"
    piece_paths = [pieces / f"{p['piece']}.mid" for p in parsed if p is not None]
    signs = {}
    for dim in ("valence", "arousal"):
        values = pd.to_numeric(raw[dim], errors="coerce")
        if not values.isin([-1, 1]).all():
            raise DatasetFormatError(f"corpus {NAME!r}: {file}: {dim} must be -1 or 1")
        signs[dim] = values.astype("int64")
    frame = pd.DataFrame(
        {
            "id": [
                f"{i.strip()}_{p['phrase']}"
                for i, p in zip(raw["id"], parsed, strict=True)
                if p is not None
            ],
            "path": [phrase_paths[m] for m in members],
            "split": None,
            "piece": raw["id"].str.strip(),
            "phrase": [int(p["phrase"]) for p in parsed if p is not None],
            "series": raw["series"],
            "console": raw["console"],
            "game": raw["game"],
            "title": raw["piece"],
            "valence": signs["valence"],
            "arousal": signs["arousal"],
            "piece_path": [str(p.resolve()) if p.is_file() else None for p in piece_paths],
            "phrase_file": members,
        }
    )
    return finalize(frame, NAME)


_SIGNATURE = ("age", "gender", "country", "musicianship", "ex1_description", "ex1_valence",
              "ex1_arousal", "ex2_valence", "ex2_arousal")


def load_vgmidi_annotations(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """VGMIDI's raw continuous annotations: one row per (piece, annotator) curve.

    The curves hold one valence and one arousal value in [-1, 1] per measure (bar) of the
    piece. The raw files carry no annotator id; an annotator is recognised by their answers to
    the survey (demographics and the free-text example descriptions), which repeat on every
    piece they annotated (most annotated two). Columns: `piece` (MIDI file name), `midi`
    (absolute path or None), `key`, `annotator`, `musicianship`, `valence`, `arousal` (lists),
    `measures`, `duration`, `source` (raw file).
    """
    import json

    folder = corpus_dir(NAME, path)
    raw_dir = folder / "labelled" / "annotations"
    files = sorted(raw_dir.glob("vgmidi_raw_*.json"))
    if not files:
        raise DatasetFormatError(f"corpus {NAME!r}: no labelled/annotations/vgmidi_raw_*.json "
                                 f"under {folder}")
    rows = []
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            pieces, annotations = data["pieces"], data["annotations"]
        except (ValueError, KeyError, TypeError) as err:
            raise DatasetFormatError(f"corpus {NAME!r}: {file}: unreadable ({err})") from err
        for key, ann in annotations.items():
            piece_id = key.rsplit("_", 1)[0]
            piece = pieces.get(piece_id)
            valence, arousal = ann.get("valence"), ann.get("arousal")
            if piece is None or not valence or not arousal or len(valence) != len(arousal):
                continue  # curves of pieces the file does not describe, or broken curves
            if ann.get("ex1_description") is not None:
                sig = "|".join(str(ann.get(k)) for k in _SIGNATURE)
                annotator = hashlib.sha1(f"{file.name}|{sig}".encode()).hexdigest()[:12]
            else:  # no survey answers: the curve is its own annotator
                annotator = hashlib.sha1(f"{file.name}|{key}".encode()).hexdigest()[:12]
            midi = folder / "labelled" / "midi" / piece["midi"]
            rows.append({
                "piece": piece["midi"], "midi": str(midi.resolve()) if midi.is_file() else None,
                "key": f"{file.stem}:{key}", "annotator": annotator,
                "musicianship": ann.get("musicianship"),
                "valence": [float(v) for v in valence], "arousal": [float(a) for a in arousal],
                "measures": int(piece.get("measures", len(valence))),
                "duration": float(piece.get("duration", float("nan"))), "source": file.name,
            })
    return pd.DataFrame(rows)
