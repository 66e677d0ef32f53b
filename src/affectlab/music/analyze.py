"""`analyze_music`: a MIDI file's emotion per piece, per bar and per second, with its attributes,
as the shared result record; and `compose`: a MIDI file for an emotion.

The record (`affectlab.core.records`) holds `source, modality ("music"), status, error, scheme,
probs, labels, top, valence, arousal, dominance` (None: no dominance for music), then `seconds,
bars, notes, tempo, flags, quadrant, attributes, per_bar, per_second`. `probs` are over the
Russell quadrants (the ontology's "russell4" scheme) from the static model: P(valence > 0) and
P(arousal > 0) taken as independent, so `top` is the quadrant of the (valence, arousal) point;
another `scheme` carries them through the ontology (`affectlab.ontology.map_proba`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.records import make_record
from affectlab.music.attributes import ATTRIBUTES, bar_attributes, piece_attributes
from affectlab.music.midi import (
    MIDI_SUFFIXES,
    MusicError,
    Score,
    load_midi,
    to_pretty_midi,
    write_midi,
)
from affectlab.music.static import QUADRANTS, SCHEME, quadrant_probs

MODALITY = "music"
#: The music fields of a record, after the common ones.
EXTRA_FIELDS = ("seconds", "bars", "notes", "tempo", "flags", "quadrant", "attributes", "per_bar",
                "per_second")
#: Settings of a resumable run that its journal must match (with the scheme and the model).
_JOURNAL_FORMAT = 1

Paths = str | os.PathLike[str] | bytes | Iterable[str | os.PathLike[str]]


def target_scheme(scheme: str | None) -> str:
    """The scheme results are given in: `scheme` resolved by the ontology (aliases, case), or
    "russell4" (the quadrants) when None; an unknown name raises `UnknownNameError`."""
    if scheme is None:
        return SCHEME
    from affectlab.ontology import get_scheme

    return get_scheme(scheme).name


def scheme_probs(quadrant_p: np.ndarray, scheme: str) -> tuple[dict[str, float], str | None]:
    """({label: p}, top) in `scheme` from probabilities over `QUADRANTS`. Mass the ontology
    cannot carry into `scheme` is left out (the probabilities then sum to less than 1); `top`
    is None when nothing could be carried."""
    vec = np.asarray(quadrant_p, dtype=np.float64)
    if scheme == SCHEME:
        labels, values = list(QUADRANTS), vec
    else:
        from affectlab.ontology import map_proba

        mapped = map_proba(vec, SCHEME, scheme, combine="sum")
        labels, values = list(mapped.labels), np.asarray(mapped.probs, dtype=np.float64)
    probs = {k: float(v) for k, v in zip(labels, values, strict=True)}
    top = labels[int(np.argmax(values))] if len(values) and float(values.max()) > 0 else None
    return probs, top


def analyze_score(score: Score, model: str | os.PathLike[str] | None = None,
                  scheme: str | None = None) -> dict[str, Any]:
    """One record for a checked score: piece V/A, quadrant and `probs` (static model), per-bar
    and per-second V/A (dynamic model), attributes."""
    from affectlab.music.models import load_dynamic, load_static

    target = target_scheme(scheme)
    attrs = piece_attributes(score)
    piece = load_static(model).decision(attrs).iloc[0]
    probs, top = scheme_probs(quadrant_probs(piece.valence, piece.arousal)[0], target)
    bars = bar_attributes(score)
    curve = load_dynamic(model).predict(bars[list(ATTRIBUTES)].to_numpy(np.float64))
    per_bar = [{"bar": i, "start": float(s), "end": float(e), "valence": float(v),
                "arousal": float(a)}
               for i, (s, e, (v, a)) in enumerate(zip(bars.start, bars.end, curve, strict=True))]
    starts = bars.start.to_numpy()
    per_second = []
    for sec in range(int(np.ceil(score.seconds))):
        i = max(int(np.searchsorted(starts, sec + 0.5, side="right")) - 1, 0)
        per_second.append({"second": sec, "valence": float(curve[i][0]),
                           "arousal": float(curve[i][1])})
    return make_record(
        score.source, MODALITY, scheme=target, probs=probs, labels=[top] if top else [],
        top=top, valence=float(piece.valence), arousal=float(piece.arousal), dominance=None,
        seconds=score.seconds, bars=score.n_bars, notes=len(score.notes), tempo=score.tempo,
        flags=list(score.flags), quadrant=piece.quadrant, attributes=attrs, per_bar=per_bar,
        per_second=per_second)


def failed_music_record(source: Any, status: str, error: str, scheme: str) -> dict[str, Any]:
    """The record of a file that could not be analysed (music fields null)."""
    from affectlab.core.records import failed_record

    return failed_record(source, MODALITY, status, error, scheme=scheme,
                         **dict.fromkeys(EXTRA_FIELDS))


def midi_inputs(items: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named and every MIDI file (.mid, .midi, .kar) under a folder, recursively and
    sorted, in the order given, without repeats; a path that does not exist is kept (its record
    says "missing"); a folder without MIDI files raises `InputError`."""
    from affectlab.core.errors import InputError

    if isinstance(items, str | os.PathLike):
        items = [items]
    out: dict[Path, None] = {}
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.is_file() and not
                           f.name.startswith(".") and f.suffix.lower() in MIDI_SUFFIXES)
            if not found:
                raise InputError(f"no MIDI file ({', '.join(MIDI_SUFFIXES)}) under {path}",
                                 "no-files")
            out.update(dict.fromkeys(found))
        else:
            out[path] = None
    return list(out)


def analyze_music(paths_or_path: Paths, scheme: str | None = None, *,
                  model: str | os.PathLike[str] | None = None,
                  output: str | os.PathLike[str] | None = None, overwrite: bool = False,
                  progress: bool = False) -> dict[str, Any] | list[dict[str, Any]]:
    """Analyse MIDI: one file (a path or bytes) gives one record and raises `MusicError` when it
    cannot be read; a folder or a list gives a list of records, one per file, in which an
    unreadable file is a record whose `status` says why (`MusicError.reason`), never an error.

    `scheme`: any ontology scheme for `probs`/`labels`/`top` (default "russell4", the quadrants).
    `model`: a music model folder (default: the shipped one). `output` (.json, .jsonl, .csv,
    .parquet) receives the records atomically; a batch writing it is resumable: a killed run
    called again skips the files already done (journal `<output>.partial.jsonl`). An existing
    `output` is replaced only with `overwrite`.
    """
    model, scheme = _old_positional_model(model, scheme)
    target = target_scheme(scheme)
    if _single(paths_or_path):
        record = analyze_score(load_midi(paths_or_path), model, target)  # type: ignore[arg-type]
        if output is not None:
            from affectlab.core.tables import write_records

            write_records([record], output, overwrite=overwrite)
        return record
    files = midi_inputs(paths_or_path)  # type: ignore[arg-type]
    return _analyze_files(files, target, model, output, overwrite, progress)


def _single(item: Any) -> bool:
    if isinstance(item, bytes | bytearray):
        return True
    return isinstance(item, str | os.PathLike) and not Path(item).is_dir()


def _old_positional_model(model: Any, scheme: Any) -> tuple[Any, Any]:
    """`analyze_music(path, "model/folder")` (the old signature's second argument was the
    model): still read as a model folder, with a warning."""
    if model is None and scheme is not None and Path(str(scheme)).is_dir():
        from affectlab.core.errors import UnknownNameError

        try:
            target_scheme(str(scheme))
        except UnknownNameError:
            warnings.warn("analyze_music's second argument is now the scheme: pass the model "
                          "folder as model=...", DeprecationWarning, stacklevel=3)
            return scheme, None
    return model, scheme


def _analyze_files(files: Sequence[Path], target: str, model: Any, output: Any,
                   overwrite: bool, progress: bool) -> list[dict[str, Any]]:
    from affectlab.music.models import load_dynamic, load_static, model_dir

    load_static(model)  # a missing or bad model fails before any work
    load_dynamic(model)
    if output is None:
        return _run(files, target, model, progress, None)
    from affectlab.core.errors import OutputExistsError
    from affectlab.core.journal import Journal
    from affectlab.core.tables import RECORD_FORMATS, file_format, output_lock, write_records

    out = Path(output)
    file_format(out, RECORD_FORMATS)
    if out.exists() and not overwrite:
        raise OutputExistsError(f"{out} already exists: pass overwrite=True (--overwrite) to "
                                "replace it")
    header = {"task": "affectlab.music.analyze_music", "format": _JOURNAL_FORMAT,
              "scheme": target, "model": str(model_dir(model).resolve())}
    with output_lock(out):
        with Journal(out, header) as journal:
            records = _run(files, target, model, progress, journal)
        write_records(records, out, overwrite=True)
        journal.discard()
    return records


def _run(files: Sequence[Path], target: str, model: Any, progress: bool,
         journal: Any) -> list[dict[str, Any]]:
    from affectlab.core.journal import file_key
    from affectlab.core.progress import track

    records = []
    for path in track(files, "analysing MIDI", show=progress):
        key = file_key(path) if journal is not None else None
        if key is not None and key in journal.done:
            records.append({**journal.done[key], "source": str(path)})
            continue
        record = _analyze_path(path, target, model)
        if journal is not None and record["status"] != "error":
            journal.add(key, record)
        records.append(record)
    return records


def _analyze_path(path: Path, target: str, model: Any) -> dict[str, Any]:
    """One file's record; what goes wrong with this file is its status, never an exception."""
    try:
        return analyze_score(load_midi(path), model, target)
    except MusicError as err:
        return failed_music_record(path, err.reason, str(err), target)
    except Exception as err:  # noqa: BLE001 - one odd file must not stop a batch
        return failed_music_record(path, "error", f"{type(err).__name__}: {err}", target)


def _bucket_hits(notes: np.ndarray, tempo: float, control: np.ndarray, buckets: Any) -> int:
    """How many attribute buckets of written notes equal the control's."""
    if not len(notes):
        return -1
    score = Score(notes=notes, downbeats=np.zeros(1), tempo=tempo)
    return int((buckets.transform(piece_attributes(score)) == np.asarray(control)).sum())


def compose(emotion: str, bars: int = 16, out: str | os.PathLike[str] | None = None, *,
            seed: int | None = None, temperature: float = 1.0, top_p: float = 0.95,
            attributes: dict[str, int] | None = None, model: str | None = None,
            candidates: int = 1) -> dict[str, Any]:
    """Write a piece for `emotion` (ontology emotion, quadrant or Q1-Q4); returns what was asked.
    "neutral" has no quadrant (its valence and arousal are 0): it asks for the middle bucket of
    every attribute.

    `attributes` overrides single control buckets (e.g. ``{"note_density": 2}``). With
    `candidates` > 1, that many pieces are written and the one whose re-measured attribute
    buckets match the control best is kept (attributes only: no emotion model is consulted).
    """
    from affectlab.music.models import load_generator, load_prototypes
    from affectlab.music.prototypes import emotion_quadrant

    if not 1 <= bars <= 256:
        raise ValueError(f"bars must be between 1 and 256, got {bars}")
    gen = load_generator(model)
    if emotion.strip().lower() == "neutral":  # no quadrant: the middle bucket of every attribute
        quadrant = "neutral"
        control = np.full(len(ATTRIBUTES), gen.buckets.n_buckets // 2, dtype=np.int64)
    else:
        quadrant = emotion_quadrant(emotion)
        control = load_prototypes(model).buckets(quadrant, gen.buckets)
    for name, bucket in (attributes or {}).items():
        if name not in ATTRIBUTES:
            from affectlab.core.errors import UnknownNameError

            raise UnknownNameError("attribute", name, ATTRIBUTES)
        if not 0 <= int(bucket) < gen.buckets.n_buckets:
            raise ValueError(f"{name}: bucket {bucket} outside 0..{gen.buckets.n_buckets - 1}")
        control[ATTRIBUTES.index(name)] = int(bucket)
    if candidates < 1:
        raise ValueError(f"candidates must be at least 1, got {candidates}")
    best: tuple[int, np.ndarray, float] | None = None
    for i in range(candidates):
        notes, tempo = gen.generate(control, bars, temperature=temperature, top_p=top_p,
                                    seed=None if seed is None else seed + 7919 * i)
        hits = _bucket_hits(notes, tempo, control, gen.buckets) if candidates > 1 else 0
        if best is None or hits > best[0]:
            best = (hits, notes, tempo)
    hits, notes, tempo = best  # type: ignore[misc]
    result: dict[str, Any] = {"emotion": emotion, "quadrant": quadrant, "bars": bars,
                              "tempo": round(tempo, 2), "notes": len(notes),
                              "control": dict(zip(ATTRIBUTES, map(int, control), strict=True)),
                              "candidates": candidates}
    if candidates > 1:
        result["attributes_matched"] = hits
    if out is not None:
        length = bars * 4 * 60.0 / tempo  # 4/4 bars
        result["out"] = str(write_midi(to_pretty_midi(notes, tempo, end=length), Path(out)))
    result["_notes"] = notes
    return result
