"""`analyze_audio`: per sound file, emotion probabilities in any scheme plus valence and arousal.

Each result is the shared record of every modality (`affectlab.core.records`): source, modality
("speech"), status, error, scheme, probs, labels, top, valence, arousal, dominance, then the
file's duration (`seconds`), its `flags` and the classifier head used (`normalisation`).
Files that cannot be analysed are never dropped and never stop a directory run: they come back
with a status saying why ("not-audio", "empty", "too-short", "silent", "missing", ...) and no
predictions.

Runs with an `output` file keep a journal of the per-file features beside it
(`affectlab.core.journal`), so a killed run resumes where it stopped; the output is written in
the format its extension names (.json, .jsonl, .csv, .parquet), under a temporary name, and
renamed only when complete. An existing output is replaced only with `overwrite=True`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.errors import OutputExistsError
from affectlab.core.records import OK, VAD_DIMS, make_record
from affectlab.speech.audio import SILENT, AudioError, audio_files, load_audio
from affectlab.speech.classifier import SpeechEmotionClassifier
from affectlab.speech.vad import NO_SPEECH, trim

MISSING = "missing"
ERROR = "error"
MODALITY = "speech"

ModelLike = SpeechEmotionClassifier | str | os.PathLike[str] | None


@lru_cache(maxsize=4)
def _load_cached(path: str | None, stamp: int) -> SpeechEmotionClassifier:
    del stamp  # part of the cache key only: a model saved again is read again
    return SpeechEmotionClassifier.load(path)


def get_speech_model(model: ModelLike = None) -> SpeechEmotionClassifier:
    """The given model, one saved at a path, or the shipped EmoDB default."""
    if isinstance(model, SpeechEmotionClassifier):
        return model
    from affectlab.speech.classifier import LEGACY_MANIFEST, MANIFEST, default_model_dir

    folder = default_model_dir() if model is None else Path(model).resolve()
    stamp = 0
    for name in (MANIFEST, LEGACY_MANIFEST):
        try:
            stamp = (folder / name).stat().st_mtime_ns
            break
        except OSError:
            continue
    return _load_cached(str(folder), stamp)


def _inputs(source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    if isinstance(source, str | os.PathLike):
        p = Path(source)
        if p.is_dir():
            files = audio_files(p)
            if not files:
                raise FileNotFoundError(f"no sound files ({', '.join(_suffixes())}) under {p}")
            return files
        return [p]
    return [Path(s) for s in source]


def _suffixes() -> tuple[str, ...]:
    from affectlab.speech.audio import AUDIO_SUFFIXES

    return AUDIO_SUFFIXES


def speaker_ids(files: Sequence[Path], speakers: str | Sequence[Any] | None) -> list[Any] | None:
    """Speaker per file: None (no speaker normalisation), "folder" (the parent folder), a regex
    whose first group (or whole match) is taken from each file's stem, or one id per file."""
    if speakers is None:
        return None
    if isinstance(speakers, str):
        if speakers == "folder":
            return [str(f.parent) for f in files]
        try:
            pattern = re.compile(speakers)
        except re.error as exc:
            raise ValueError(f"speaker pattern {speakers!r} is not a valid regex: {exc}") from exc
        out = []
        for f in files:
            m = pattern.search(f.stem)
            if m is None:
                raise ValueError(f"speaker pattern {speakers!r} does not match {f.name!r}")
            out.append(m.group(1) if m.groups() else m.group(0))
        return out
    ids = list(speakers)
    if len(ids) != len(files):
        raise ValueError(f"{len(ids)} speaker ids for {len(files)} files")
    return ids


def _features_of(path: Path, clf: SpeechEmotionClassifier, use_vad: bool) -> dict[str, Any]:
    rec: dict[str, Any] = {"status": OK, "flags": [], "seconds": None, "error": None,
                           "features": None}
    try:
        audio = load_audio(path)
    except FileNotFoundError as exc:
        rec.update(status=MISSING, error=str(exc))
        return rec
    except AudioError as exc:
        rec.update(status=exc.reason, error=str(exc))
        return rec
    rec["seconds"] = round(audio.seconds, 3)
    if SILENT in audio.flags:
        rec.update(status=SILENT, flags=audio.flags, error="the audio is silent")
        return rec
    try:
        if use_vad:
            audio = trim(audio)
        rec["flags"] = audio.flags
        rec["features"] = clf.featurize([audio])[0].tolist()
    except Exception as exc:  # noqa: BLE001 - one failing file must not stop the rest
        rec.update(status=ERROR, features=None,
                   error=f"feature extraction failed: {type(exc).__name__}: {exc}")
    return rec


def _journal_header(clf: SpeechEmotionClassifier, vad: bool) -> dict[str, Any]:
    from affectlab.speech.features import FEATURE_VERSION
    from affectlab.speech.vad import resolved_method

    return {"journal": "affectlab-analyze-audio", "version": 2,
            "features": list(clf.feature_sets), "feature_dim": clf.feature_dim_,
            "feature_version": FEATURE_VERSION, "vad": resolved_method() if vad else None}


def analyze_audio(source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
                  scheme: str | None = None, *, model: ModelLike = None, vad: bool = True,
                  speakers: str | Sequence[Any] | None = None,
                  output: str | os.PathLike[str] | None = None, overwrite: bool = False,
                  progress: bool = False) -> list[dict[str, Any]]:
    """Analyse one file, a list of files, or every sound file under a directory; one record
    per file (see the module docstring), in input order.

    `scheme` is any scheme of the ontology (default: the model's own, EmoDB's 7 classes).
    `speakers` turns on per-speaker normalisation (see `speaker_ids`); groups smaller than the
    model's minimum fall back to the speaker-independent head. `output` (.json, .jsonl, .csv or
    .parquet) receives the records atomically and makes the run resumable; an existing output
    is replaced only with `overwrite=True` (the unfinished journal of the same output is
    resumed, not refused).
    """
    from affectlab.core.tables import RECORD_FORMATS, file_format

    out = None if output is None else Path(output)
    if out is not None:
        file_format(out, RECORD_FORMATS)  # a bad extension fails before any work
        from affectlab.core.journal import SUFFIX

        if out.exists() and not overwrite and not Path(str(out) + SUFFIX).exists():
            raise OutputExistsError(f"{out} already exists: pass overwrite=True (--overwrite) "
                                    "to replace it")
    clf = get_speech_model(model)
    if isinstance(source, str | os.PathLike) and not Path(source).exists():
        raise FileNotFoundError(f"no such file or directory: {source}")
    files = _inputs(source)
    target = _target_scheme(clf, scheme)
    spk = speaker_ids(files, speakers)  # a bad pattern fails now, not after the whole run
    if out is None:
        return _predict(clf, _featurise(files, clf, vad, progress, None), spk, target)
    from affectlab.core.files import clean_stale_temporaries
    from affectlab.core.journal import Journal
    from affectlab.core.tables import output_lock, write_records

    with output_lock(out):
        clean_stale_temporaries(out)
        with Journal(out, _journal_header(clf, vad)) as journal:
            features = _featurise(files, clf, vad, progress, journal)
        results = _predict(clf, features, spk, target)
        write_records(results, out, overwrite=True)
        journal.discard()
    return results


def _featurise(files: list[Path], clf: SpeechEmotionClassifier, vad: bool, progress: bool,
               journal: Any) -> list[dict[str, Any]]:
    """Per file: its features (or why there are none), reusing what the journal holds."""
    from affectlab.core.journal import file_key
    from affectlab.core.progress import track

    done = journal.done if journal is not None else {}
    records = []
    for f in track(files, "analysing audio", show=progress):
        key = file_key(f)
        rec = done.get(key) if key else None
        if rec is None:
            rec = _features_of(f, clf, vad)
            if journal is not None and rec["status"] != ERROR:  # a crash is retried on resume
                journal.add(key, rec)
        records.append({**rec, "source": str(f)})
    return records


def _predict(clf: SpeechEmotionClassifier, records: list[dict[str, Any]],
             spk: list[Any] | None, target: str | None) -> list[dict[str, Any]]:
    ok = [i for i, r in enumerate(records) if r["status"] == OK]
    labels = _labels_of(clf, target)
    probs = np.full((len(records), len(labels)), np.nan)
    vad = np.full((len(records), 3), np.nan)
    heads = np.full(len(records), None, dtype=object)
    native_vad = clf.label_vad()
    if ok:
        X = np.asarray([records[i]["features"] for i in ok], dtype=np.float64)
        sub_spk = None if spk is None else [spk[i] for i in ok]
        p = clf.proba_from_features(X, sub_spk)
        heads[ok] = clf.heads_for(len(ok), sub_spk)
        probs[ok] = p if target == clf.scheme_name else clf.map_proba(p, target)
        if native_vad is not None:  # expected V/A/D under the model's own labels
            vad[ok] = p @ native_vad
    out = []
    for i, rec in enumerate(records):
        row = probs[i]
        usable = bool(len(labels)) and bool(np.isfinite(row).all())
        top = labels[int(np.argmax(row))] if usable else None
        out.append(make_record(
            rec["source"], MODALITY, status=rec["status"], error=rec["error"], scheme=target,
            probs=dict(zip(labels, row.tolist(), strict=True)) if usable else {},
            labels=[top] if top is not None else [], top=top,
            **{d: float(vad[i, k]) for k, d in enumerate(VAD_DIMS)},
            seconds=rec["seconds"], flags=list(rec["flags"] or []), normalisation=heads[i]))
    return out


def _target_scheme(clf: SpeechEmotionClassifier, scheme: str | None) -> str | None:
    if scheme is None:
        return clf.scheme_name
    from affectlab.ontology import get_scheme

    name = get_scheme(scheme).name
    if clf.scheme is None:
        raise ValueError("this model's labels belong to no scheme, so it cannot answer in "
                         f"{name!r}; leave scheme unset")
    return name


def _labels_of(clf: SpeechEmotionClassifier, scheme: str | None) -> list[str]:
    if scheme is None or scheme == clf.scheme_name:
        return list(clf.labels_ or [])
    from affectlab.ontology import get_scheme

    return list(get_scheme(scheme).label_names)


__all__ = ["MISSING", "NO_SPEECH", "OK", "analyze_audio", "get_speech_model", "speaker_ids"]
