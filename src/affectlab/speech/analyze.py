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
VAD_DIMS = ("valence", "arousal", "dominance")

ModelLike = SpeechEmotionClassifier | str | os.PathLike[str] | None


@lru_cache(maxsize=4)
def _load_cached(path: str | None) -> SpeechEmotionClassifier:
    return SpeechEmotionClassifier.load(path)


def get_speech_model(model: ModelLike = None) -> SpeechEmotionClassifier:
    """The given model, one saved at a path, or the shipped EmoDB default."""
    if isinstance(model, SpeechEmotionClassifier):
        return model
    return _load_cached(None if model is None else str(Path(model).resolve()))


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
        pattern = re.compile(speakers)
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
    if use_vad:
        audio = trim(audio)
    rec["flags"] = audio.flags
    rec["features"] = clf.featurize([audio])[0].tolist()
    return rec


def _read_journal(path: Path) -> dict[str, dict[str, Any]]:
    done: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return done
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:  # a line cut by a kill: that file is redone
                continue
            done[rec["file"]] = rec
    return done


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
    files = _inputs(source)
    target = _target_scheme(clf, scheme)
    journal = Path(str(output) + ".partial.jsonl") if output is not None else None
    done = _read_journal(journal) if journal is not None else {}
    from rich.progress import track

    records = []
    fh = journal.open("a", encoding="utf-8") if journal is not None else None
    try:
        for f in track(files, description="analysing audio", disable=not progress):
            key = str(f)
            rec = done.get(key)
            if rec is None:
                rec = _features_of(f, clf, vad)
                if fh is not None:
                    fh.write(json.dumps(rec) + "\n")
                    fh.flush()
            records.append(rec)
    finally:
        if fh is not None:
            fh.close()
    results = _predict(clf, records, files, speakers, target)
    if output is not None:
        _write(results, Path(output))
        journal.unlink(missing_ok=True)
    return results


def _predict(clf: SpeechEmotionClassifier, records: list[dict[str, Any]], files: list[Path],
             speakers: str | Sequence[Any] | None, target: str | None) -> list[dict[str, Any]]:
    spk = speaker_ids(files, speakers)
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
