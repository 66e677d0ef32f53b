"""The emotion timeline of a clip: one row per time step (1 / fps seconds) with, per modality
(face, voice, text), whether it is present, its probabilities over one scheme's labels, its
valence and arousal, and a fused estimate over the modalities present.

A modality is absent at a step when there is nothing to read: no face in the frame, no voiced
segment at that time, no utterance or subtitle covering it, no video or audio stream at all.
Absent values are empty (NaN), never filled in; `modalities` lists what was present.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MODALITIES = ("face", "voice", "text")
CHUNK_SECONDS = 120.0  # the soundtrack is analysed in pieces of this length
DIMS = ("valence", "arousal")


def _spent(timings: dict[str, float] | None, part: str, since: float) -> float:
    """Add the seconds since `since` to `timings[part]`; returns the clock now."""
    now = time.perf_counter()
    if timings is not None:
        timings[part] = timings.get(part, 0.0) + now - since
    return now


def _labels(scheme: str) -> list[str]:
    from affectlab.ontology import get_scheme

    return list(get_scheme(scheme).label_names)


def _empty(n: int, labels: list[str]) -> dict[str, np.ndarray]:
    cols = {f"p_{x}": np.full(n, np.nan) for x in labels}
    cols.update({d: np.full(n, np.nan) for d in DIMS})
    return cols


def _fill(cols: dict[str, np.ndarray], rows: np.ndarray, rec: dict[str, Any],
          labels: list[str]) -> None:
    probs = rec.get("probs") or {}
    vec = np.array([probs.get(x) if probs.get(x) is not None else 0.0 for x in labels], float)
    if vec.sum() > 0:
        vec = vec / vec.sum()
    for x, v in zip(labels, vec, strict=True):
        cols[f"p_{x}"][rows] = v
    for d in DIMS:
        cols[d][rows] = np.nan if rec.get(d) is None else rec[d]


def _face_track(path: str, times: np.ndarray, fps: float, scheme: str, labels: list[str],
                model: Any, embed: bool = False
                ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    from affectlab.face.analyze import analyze_face
    from affectlab.video.decode import sample_frames
    from affectlab.video.track import assign_tracks

    n = len(times)
    cols = _empty(n, labels)
    cols["n_faces"] = np.zeros(n)
    cols["track"] = np.full(n, np.nan)
    cols["cues"] = np.full(n, None, dtype=object)
    if embed:
        cols["embedding"] = np.full(n, None, dtype=object)
    per_frame: list[tuple[int, list[dict[str, Any]]]] = []
    for t, rgb in sample_frames(path, fps):
        step = int(min(n - 1, round(t * fps)))
        faces = [r for r in analyze_face(rgb, scheme, model=model, embedding=embed)
                 if r["status"] == "ok"]
        per_frame.append((step, faces))
    ids = assign_tracks([[f["box"] for f in faces] for _, faces in per_frame])
    for (step, faces), tracks in zip(per_frame, ids, strict=True):
        cols["n_faces"][step] = len(faces)
        if not faces:
            continue
        areas = [(f["box"][2] - f["box"][0]) * (f["box"][3] - f["box"][1]) for f in faces]
        main = int(np.argmax(areas))
        _fill(cols, np.array([step]), faces[main], labels)
        cols["track"][step] = tracks[main]
        cols["cues"][step] = _au_cues(faces[main])
        if embed:
            cols["embedding"][step] = faces[main]["embedding"]
    return cols, {"frames": len(per_frame),
                  "tracks": len({t for ids_ in ids for t in ids_})}


def _merge(into: dict[str, np.ndarray], part: dict[str, np.ndarray]) -> None:
    """Copy the steps a piece of the soundtrack filled into the whole clip's columns."""
    for k, v in part.items():
        filled = np.array([x is not None for x in v]) if v.dtype == object else np.isfinite(v)
        into[k][filled] = v[filled]


def _shifted(cue: Any, offset: float) -> Any:
    from affectlab.video.subtitles import Cue

    return Cue(cue.start + offset, cue.end + offset, cue.text,
               [(w, a + offset, b + offset) for w, a, b in cue.words])


def _au_cues(face: dict[str, Any], top: int = 3) -> str | None:
    """The action units that were most active on the face (FACS 0-5), strongest first."""
    aus = sorted(((v, k) for k, v in (face.get("action_units") or {}).items() if v and v >= 1),
                 reverse=True)[:top]
    return ", ".join(f"{k} {v:.1f}" for v, k in aus) or None


def _word_cues(text: str, top_label: str, scheme: str, model: Any, top: int = 3) -> str | None:
    """The words whose removal lowers the top label's probability most (leave one word out)."""
    from affectlab.text.analyze import analyze

    words = text.split()
    if len(words) < 2:
        return text.strip() or None
    words = words[:40]
    variants = [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base, *rest = analyze([" ".join(words), *variants], scheme, model=model)
    p0 = base["probs"].get(top_label) or 0.0
    drops = [(p0 - (r["probs"].get(top_label) or 0.0), w) for r, w in zip(rest, words,
                                                                           strict=True)]
    best = [f"{w.strip('.,!?;:')} {d:+.2f}" for d, w in sorted(drops, reverse=True)[:top]
            if d > 0.01]
    return ", ".join(best) or None


def _voice_track(audio: np.ndarray | None, times: np.ndarray, step_s: float, scheme: str,
                 labels: list[str], model: Any, explain: bool = True, embed: bool = False,
                 timings: dict[str, float] | None = None
                 ) -> tuple[dict[str, np.ndarray], list[dict]]:
    from affectlab.speech.analyze import analyze_audio, get_speech_model
    from affectlab.speech.audio import SAMPLE_RATE, AudioError, load_audio, prepare
    from affectlab.speech.vad import speech_segments

    cols = _empty(len(times), labels)
    cols["cues"] = np.full(len(times), None, dtype=object)
    if embed:
        cols["embedding"] = np.full(len(times), None, dtype=object)
    if audio is None or audio.size < SAMPLE_RATE // 4:
        return cols, []
    clock = time.perf_counter()
    try:
        track = prepare(audio, SAMPLE_RATE, max_seconds=None)
    except AudioError:
        return cols, []
    spans = [(a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in speech_segments(track)
             if (b - a) / SAMPLE_RATE >= 0.5]
    clock = _spent(timings, "voice_segments", clock)
    if not spans:
        return cols, []
    import soundfile as sf

    with tempfile.TemporaryDirectory(prefix="affectlab-voice-") as tmp:
        files = []
        for k, (a, b) in enumerate(spans):
            f = Path(tmp) / f"segment{k:04d}.wav"
            sf.write(f, track.signal[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)], SAMPLE_RATE)
            files.append(f)
        records = analyze_audio(files, scheme, model=model, vad=False)
        clock = _spent(timings, "voice_model", clock)
        cues: list[str | None] = [None] * len(files)
        vectors: list[list[float] | None] = [None] * len(files)
        ok = [i for i, r in enumerate(records) if r["status"] == "ok"]
        if (explain or embed) and ok:
            clf = get_speech_model(model)
            X = clf.featurize([load_audio(files[i]) for i in ok])
            for k, i in enumerate(ok):
                vectors[i] = X[k].astype(np.float32).tolist()
            for i, why in zip(ok, clf.explain(X) if explain else [], strict=False):
                cues[i] = ", ".join(f"{n.split(':', 1)[-1]} {c:+.1f}" for n, c in why) or None
        _spent(timings, "voice_features", clock)
    segments = []
    for (a, b), rec, cue, vec in zip(spans, records, cues, vectors, strict=True):
        segments.append({"start": a, "end": b, "status": rec["status"], "top": rec["top"]})
        if rec["status"] != "ok":
            continue
        rows = np.flatnonzero((times + step_s > a) & (times < b))
        _fill(cols, rows, rec, labels)
        cols["cues"][rows] = cue
        if embed:
            for r in rows:
                cols["embedding"][r] = vec
    return cols, segments


def _text_track(cues: list[Any], times: np.ndarray, step_s: float, scheme: str,
                labels: list[str], model: Any, explain: bool = True,
                embed: bool = False) -> dict[str, np.ndarray]:
    from affectlab.text.analyze import analyze, get_model

    cols = _empty(len(times), labels)
    cols["utterance"] = np.full(len(times), None, dtype=object)
    cols["cues"] = np.full(len(times), None, dtype=object)
    if embed:
        cols["embedding"] = np.full(len(times), None, dtype=object)
    if not cues:
        return cols
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = analyze([c.text for c in cues], scheme, model=model)
    if embed:
        read = [i for i, r in enumerate(records) if r["status"] in ("ok", "truncated")]
        vectors = get_model(model).embed([records[i]["text"] for i in read]) if read else []
        by_cue = dict(zip(read, (v.tolist() for v in vectors), strict=True))
    for k, (cue, rec) in enumerate(zip(cues, records, strict=True)):
        rows = np.flatnonzero((times + step_s > cue.start) & (times < cue.end))
        cols["utterance"][rows] = cue.text
        if rec["status"] in ("ok", "truncated"):
            _fill(cols, rows, rec, labels)
            if embed:
                for r in rows:
                    cols["embedding"][r] = by_cue[k]
            if explain and rows.size and rec["top"]:
                cols["cues"][rows] = _word_cues(cue.text, rec["top"], scheme, model)
    return cols


def analyze_video(path: str | os.PathLike[str], *, fps: float = 2.0,
                  modalities: Sequence[str] = MODALITIES, scheme: str = "ekman7",
                  subtitles: str | os.PathLike[str] | None = None, transcribe: bool = True,
                  fusion: str = "reliability", smooth_s: float = 3.0, explain: bool = True,
                  embeddings: bool = False, face_model: Any = None, speech_model: Any = None,
                  text_model: Any = None) -> pd.DataFrame:
    """The timeline of one clip (see the module docstring). `subtitles` (.srt/.vtt) gives the
    text; without it, subtitles beside the clip are used, else the soundtrack is transcribed
    (`transcribe=False`: no text without subtitles). Raises `VideoError` for an unreadable
    clip; `analyze_videos` turns that into a status row.

    Besides each modality's columns: `discord` (how much the present modalities disagree,
    0-1, NaN with fewer than two), `agreeing` (at least two present and all with the same top
    label), `fused_valence_smooth` (a centred moving average over `smooth_s` seconds, absent
    steps skipped), and with `explain`, `face_cues` (the strongest action units),
    `voice_cues` (the voice features that pushed most towards the voice's top label) and
    `text_cues` (the words whose removal lowers the top label most). `embeddings` adds
    `face_embedding`, `voice_embedding` and `text_embedding`: per step, the feature vector
    each modality's model read (a list of floats; None where the modality is absent), for
    `affectlab.multimodal.contrastive.timeline_views`."""
    from affectlab.multimodal.fusion import fuse
    from affectlab.video.decode import probe_clip, soundtrack_chunks
    from affectlab.video.subtitles import read_subtitles, subtitles_beside

    unknown = [m for m in modalities if m not in MODALITIES]
    if unknown or not modalities:
        from affectlab.core.errors import UnknownNameError

        raise UnknownNameError("modality", (unknown or [""])[0], MODALITIES)
    if fps <= 0 or fps > 30:
        raise ValueError(f"fps must lie in (0, 30], got {fps}")
    labels = _labels(scheme)
    info = probe_clip(path)
    step_s = 1.0 / fps
    times = np.arange(0.0, max(info.seconds, step_s), step_s)
    n = len(times)
    tracks: dict[str, dict[str, np.ndarray]] = {}
    notes: dict[str, Any] = {}
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    if "face" in modalities:
        if info.has_video:
            tracks["face"], notes["face"] = _face_track(str(path), times, fps, scheme, labels,
                                                        face_model, embeddings)
        else:
            tracks["face"] = _empty(n, labels)
            if embeddings:
                tracks["face"]["embedding"] = np.full(n, None, dtype=object)
        timings["face"], clock = time.perf_counter() - clock, time.perf_counter()
    sub = (subtitles or subtitles_beside(path)) if "text" in modalities else None
    want_voice = "voice" in modalities
    want_asr = "text" in modalities and sub is None and transcribe
    voice = _empty(n, labels) | {"cues": np.full(n, None, dtype=object)}
    if embeddings:
        voice["embedding"] = np.full(n, None, dtype=object)
    heard: list[Any] = []
    n_segments = 0
    if info.has_audio and (want_voice or want_asr):
        # the soundtrack in bounded pieces: an hour of audio is never held at once
        since = time.perf_counter()
        for offset, chunk in soundtrack_chunks(path, CHUNK_SECONDS):
            since = _spent(timings, "soundtrack_decode", since)
            if want_voice:
                part, segments = _voice_track(chunk, times - offset, step_s, scheme, labels,
                                              speech_model, explain, embeddings, timings)
                n_segments += len(segments)
                _merge(voice, part)
                since = time.perf_counter()
            if want_asr and chunk.size:
                from affectlab.video.transcript import transcribe as asr

                heard += [_shifted(c, offset) for c in asr(chunk)]
                since = _spent(timings, "speech_recognition", since)
    # the whole soundtrack; its parts are soundtrack_decode, voice_segments (voice activity),
    # voice_model (the speech model per segment), voice_features (cues, embeddings) and
    # speech_recognition (Whisper)
    timings["voice_and_speech"], clock = time.perf_counter() - clock, time.perf_counter()
    if want_voice:
        tracks["voice"] = voice
        notes["voice_segments"] = n_segments
    if "text" in modalities:
        if sub is not None:
            cues, notes["text_source"] = read_subtitles(sub), f"subtitles {Path(sub).name}"
        elif want_asr and info.has_audio:
            cues, notes["text_source"] = heard, "speech recognition (Whisper tiny.en)"
        else:
            cues, notes["text_source"] = [], "none"
        if cues and cues[-1].end > info.seconds + 1.0:
            notes["flags"] = ["subtitles-past-end"]
            warnings.warn(f"{Path(str(path)).name}: the text runs to {cues[-1].end:.1f} s but "
                          f"the clip lasts {info.seconds:.1f} s (subtitles of another cut?)",
                          stacklevel=2)
        tracks["text"] = _text_track(cues, times, step_s, scheme, labels, text_model, explain,
                                     embeddings)
        timings["text"] = time.perf_counter() - clock
    out: dict[str, Any] = {"source": [str(path)] * n, "t": times, "status": ["ok"] * n}
    present = {}
    for m, cols in tracks.items():
        p = np.column_stack([cols[f"p_{x}"] for x in labels])
        present[m] = np.isfinite(p).all(1)
        out[f"{m}_present"] = present[m]
        for k, v in cols.items():
            out[f"{m}_{k}"] = v
    dists = [np.column_stack([tracks[m][f"p_{x}"] for x in labels]) for m in tracks]
    fused = fuse(dists, fusion)
    for j, x in enumerate(labels):
        out[f"fused_p_{x}"] = fused[:, j]
    out["fused_top"] = [labels[int(np.argmax(r))] if np.isfinite(r).all() else None
                        for r in fused]
    for d in DIMS:
        stack = np.column_stack([tracks[m][d] for m in tracks])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-absent steps stay NaN
            out[f"fused_{d}"] = np.nanmean(stack, axis=1)
    out["modalities"] = [",".join(m for m in tracks if present[m][i]) for i in range(n)]
    if len(tracks) >= 2:
        from affectlab.multimodal.discord import discord_score

        out["discord"] = discord_score(dists, [tracks[m]["valence"] for m in tracks])
    else:
        out["discord"] = np.full(n, np.nan)
    tops = [np.where(present[m], np.argmax(np.nan_to_num(d, nan=-1), axis=1), -1)
            for m, d in zip(tracks, dists, strict=True)]
    out["agreeing"] = [sum(t[i] >= 0 for t in tops) >= 2 and
                       len({int(t[i]) for t in tops if t[i] >= 0}) == 1 for i in range(n)]
    window = max(1, round(smooth_s * fps))
    out["fused_valence_smooth"] = pd.Series(out["fused_valence"]).rolling(
        window, center=True, min_periods=1).mean().to_numpy()
    frame = pd.DataFrame(out)
    frame.attrs.update({"scheme": scheme, "fps": fps, "seconds": info.seconds,
                        "timings": timings, **notes})
    return frame


def analyze_videos(sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                   output: str | os.PathLike[str] | None = None, overwrite: bool = False,
                   progress: bool = False, agreeing_only: bool = False,
                   **options: Any) -> pd.DataFrame:
    """Timelines of many clips (paths, folders) in one table; a clip that cannot be read is one
    row with its status and error, never a traceback. With `output` (.parquet, .csv, .jsonl)
    the table is written atomically, and a killed run resumes clip by clip. `agreeing_only`
    keeps the steps where at least two modalities agree on the top label (to label unlabeled
    clips with confidence; a clip's status row is always kept)."""
    from affectlab.core.files import files_under
    from affectlab.core.journal import Journal, file_key
    from affectlab.core.progress import track
    from affectlab.video.decode import VIDEO_SUFFIXES, VideoError

    items = [sources] if isinstance(sources, str | os.PathLike) else list(sources)
    clips: list[Path] = []
    for item in items:
        p = Path(item)
        clips.extend(files_under(p, VIDEO_SUFFIXES) if p.is_dir() else [p])
    header = {"journal": "affectlab-analyze-video", "version": 1,
              **{k: str(v) for k, v in sorted(options.items())}}
    out = None if output is None else Path(output)
    if out is not None and out.exists() and not overwrite and not Path(
            str(out) + ".partial.jsonl").exists():
        from affectlab.core.errors import OutputExistsError

        raise OutputExistsError(f"{out} already exists: pass overwrite=True (--overwrite)")
    frames = []
    journal = Journal(out, header).__enter__() if out is not None else None
    try:
        for clip in track(clips, "analysing video", show=progress):
            key = file_key(clip)
            if journal is not None and key in journal.done:
                frames.append(_restored(journal.done[key]["rows"]))
                continue
            try:
                frame = analyze_video(clip, **options)
            except FileNotFoundError as exc:
                frame = _failed(clip, "missing", str(exc))
            except VideoError as exc:
                frame = _failed(clip, exc.reason, str(exc))
            if journal is not None:
                journal.add(key, {"rows": frame.replace({np.nan: None}).to_dict("records")})
            frames.append(frame)
    finally:
        if journal is not None:
            journal.__exit__(None, None, None)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if agreeing_only and "agreeing" in table:
        table = table[(table["status"] != "ok") | table["agreeing"].fillna(False).astype(bool)]
        table = table.reset_index(drop=True)
    if out is not None:
        _write(table, out)
        journal.discard()  # type: ignore[union-attr]
    return table


_NUMERIC = re.compile(r"^(t|(face|voice|text|fused)_(p_.+|valence|arousal|n_faces|track))$")


def _restored(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A clip's rows as the journal kept them (JSON: NaN became null), with numbers as floats
    again, so a resumed table equals a fresh one."""
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        if _NUMERIC.match(column):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def _failed(clip: Path, status: str, error: str) -> pd.DataFrame:
    return pd.DataFrame({"source": [str(clip)], "t": [np.nan], "status": [status],
                         "error": [error], "modalities": [""]})


def _write(table: pd.DataFrame, out: Path) -> None:
    from affectlab.core.files import atomic_path
    from affectlab.core.tables import file_format

    fmt = file_format(out)
    with atomic_path(out) as tmp:
        if fmt == "parquet":
            table.to_parquet(tmp, index=False)
        elif fmt == "csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_json(tmp, orient="records", lines=True)
