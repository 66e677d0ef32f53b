"""`analyze_audio`: per sound file, emotion probabilities in any scheme plus valence and arousal.

The result has the shape of text analysis (status, scheme, probs, labels, top, valence, arousal,
dominance) with the file, its duration and any flags. Files that cannot be analysed are never
dropped and never stop a directory run: they come back with a status saying why ("not-audio",
"empty", "too-short", "silent", "missing", ...) and no predictions.

Directory runs with an `output` file keep a journal of the per-file features beside it, so a
killed run resumes where it stopped; the output itself is written under a temporary name and
renamed only when complete.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.speech.audio import SILENT, AudioError, audio_files, load_audio
from affectlab.speech.classifier import SpeechEmotionClassifier
from affectlab.speech.vad import NO_SPEECH, trim

OK = "ok"
MISSING = "missing"
ERROR = "error"
VAD_DIMS = ("valence", "arousal", "dominance")

ModelLike = SpeechEmotionClassifier | str | os.PathLike[str] | None


@lru_cache(maxsize=4)
def _load_cached(path: str | None, stamp: int) -> SpeechEmotionClassifier:
    del stamp  # part of the cache key only: a model saved again is read again
    return SpeechEmotionClassifier.load(path)


def get_speech_model(model: ModelLike = None) -> SpeechEmotionClassifier:
    """The given model, one saved at a path, or the shipped EmoDB default."""
    if isinstance(model, SpeechEmotionClassifier):
        return model
    from affectlab.speech.classifier import MANIFEST, default_model_dir

    folder = default_model_dir() if model is None else Path(model).resolve()
    try:
        stamp = (folder / MANIFEST).stat().st_mtime_ns
    except OSError:
        stamp = 0
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
    rec: dict[str, Any] = {"file": str(path), "status": OK, "flags": [], "seconds": None,
                           "error": None, "features": None}
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


def _file_key(path: Path) -> str | None:
    """Identity of a file's content for resuming: resolved path, size, modification time."""
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _journal_header(clf: SpeechEmotionClassifier, vad: bool) -> dict[str, Any]:
    from affectlab.speech.features import FEATURE_VERSION
    from affectlab.speech.vad import resolved_method

    return {"journal": "affectlab-analyze-audio", "version": 1,
            "features": list(clf.features), "feature_dim": clf.feature_dim_,
            "feature_version": FEATURE_VERSION, "vad": resolved_method() if vad else None}


def _open_journal(path: Path, header: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], Any]:
    """Records of an earlier run with the same settings (keyed by `_file_key`), and the
    journal opened for appending. A journal from other settings is discarded with a warning."""
    done: dict[str, dict[str, Any]] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines()
        try:
            same = json.loads(lines[0]) == header if lines else False
        except json.JSONDecodeError:
            same = False
        if not same:
            warnings.warn(f"{path} was written with other settings (model features or VAD); "
                          "starting again", stacklevel=3)
            path.unlink()
        else:
            for line in lines[1:]:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:  # a line cut by a kill: that file is redone
                    continue
                if rec.get("key"):
                    done[rec["key"]] = rec
    fresh = not path.exists()
    fh = path.open("a", encoding="utf-8")
    if fresh:
        fh.write(json.dumps(header) + "\n")
    elif path.stat().st_size and not path.read_bytes().endswith(b"\n"):
        fh.write("\n")  # end a line cut by a kill, so the next record starts clean
    fh.flush()
    return done, fh


def analyze_audio(source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
                  scheme: str | None = None, *, model: ModelLike = None, vad: bool = True,
                  speakers: str | Sequence[Any] | None = None,
                  output: str | os.PathLike[str] | None = None,
                  progress: bool = False) -> list[dict[str, Any]]:
    """Analyse one file, a list of files, or every sound file under a directory.

    `scheme` is any scheme of the ontology (default: the model's own, EmoDB's 7 classes).
    `speakers` turns on per-speaker normalisation (see `speaker_ids`); groups smaller than the
    model's minimum fall back to the speaker-independent head. `output` (.json or .jsonl)
    receives the results atomically, and makes a directory run resumable.
    """
    clf = get_speech_model(model)
    if isinstance(source, str | os.PathLike) and not Path(source).exists():
        raise FileNotFoundError(f"no such file or directory: {source}")
    files = _inputs(source)
    target = _target_scheme(clf, scheme)
    spk = speaker_ids(files, speakers)  # a bad pattern fails now, not after the whole run
    journal = Path(str(output) + ".partial.jsonl") if output is not None else None
    done, fh = _open_journal(journal, _journal_header(clf, vad)) if journal else ({}, None)
    from rich.progress import track

    records = []
    try:
        for f in track(files, description="analysing audio", disable=not progress):
            key = _file_key(f)
            rec = done.get(key) if key else None
            if rec is None:
                rec = {**_features_of(f, clf, vad), "key": key}
                if fh is not None and key and rec["status"] != ERROR:
                    fh.write(json.dumps(rec) + "\n")
                    fh.flush()
            records.append({**rec, "file": str(f)})
    finally:
        if fh is not None:
            fh.close()
    results = _predict(clf, records, spk, target)
    if output is not None:
        _write(results, Path(output))
        journal.unlink(missing_ok=True)
    return results


def _predict(clf: SpeechEmotionClassifier, records: list[dict[str, Any]],
             spk: list[Any] | None, target: str | None) -> list[dict[str, Any]]:
    ok = [i for i, r in enumerate(records) if r["status"] == OK]
    labels = _labels_of(clf, target)
    probs = np.full((len(records), len(labels)), np.nan)
    vad = np.full((len(records), 3), np.nan)
    heads = np.full(len(records), None, dtype=object)
    native_vad = _label_vad(clf)
    if ok:
        X = np.asarray([records[i]["features"] for i in ok], dtype=np.float64)
        sub_spk = None if spk is None else [spk[i] for i in ok]
        p = clf.proba_from_features(X, sub_spk)
        heads[ok] = clf.heads_for(len(ok), sub_spk)
        probs[ok] = p if target == clf.scheme else clf.map_proba(p, target)
        if native_vad is not None:  # expected V/A/D under the model's own labels
            vad[ok] = p @ native_vad
    out = []
    for i, rec in enumerate(records):
        row = probs[i]
        usable = bool(len(labels)) and bool(np.isfinite(row).all())
        top = labels[int(np.argmax(row))] if usable else None
        out.append({
            "file": rec["file"],
            "status": rec["status"],
            "scheme": target,
            "probs": {x: round(float(v), 6) for x, v in zip(labels, row, strict=True)}
            if usable else {},
            "labels": [top] if top is not None else [],
            "top": top,
            **{d: (round(float(vad[i, k]), 6) if np.isfinite(vad[i, k]) else None)
               for k, d in enumerate(VAD_DIMS)},
            "seconds": rec["seconds"],
            "flags": rec["flags"],
            "normalisation": heads[i],
            "error": rec["error"],
        })
    return out


def _label_vad(clf: SpeechEmotionClassifier) -> np.ndarray | None:
    """(labels, 3) valence/arousal/dominance of the model's own labels, from the ontology."""
    if clf.scheme is None or clf.labels_ is None:
        return None
    from affectlab.ontology import label_vad

    rows = []
    for x in clf.labels_:
        v = label_vad(x, clf.scheme)
        if v is None:
            return None
        rows.append([v.valence, v.arousal, v.dominance])
    return np.asarray(rows, dtype=np.float64)


def _target_scheme(clf: SpeechEmotionClassifier, scheme: str | None) -> str | None:
    if scheme is None:
        return clf.scheme
    from affectlab.ontology import get_scheme

    name = get_scheme(scheme).name
    if clf.scheme is None:
        raise ValueError("this model's labels belong to no scheme, so it cannot answer in "
                         f"{name!r}; leave scheme unset")
    return name


def _labels_of(clf: SpeechEmotionClassifier, scheme: str | None) -> list[str]:
    if scheme is None or scheme == clf.scheme:
        return list(clf.labels_ or [])
    from affectlab.ontology import get_scheme

    return list(get_scheme(scheme).label_names)


def _write(results: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        if path.suffix == ".jsonl":
            for r in results:
                fh.write(json.dumps(r) + "\n")
        else:
            json.dump(results, fh, indent=2)
            fh.write("\n")
    os.replace(tmp, path)


__all__ = ["MISSING", "NO_SPEECH", "OK", "analyze_audio", "get_speech_model", "speaker_ids"]
