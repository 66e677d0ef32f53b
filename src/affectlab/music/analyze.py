"""`analyze_music`: a MIDI file's emotion per piece, per bar and per second, with its attributes,
and `compose`: a MIDI file for an emotion."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.music.attributes import ATTRIBUTES, bar_attributes, piece_attributes
from affectlab.music.midi import Score, load_midi, to_pretty_midi, write_midi


def _clean(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def analyze_score(score: Score, model: str | None = None) -> dict[str, Any]:
    """Per-piece V/A and quadrant (static model), per-bar and per-second V/A (dynamic model)."""
    from affectlab.music.models import load_dynamic, load_static

    attrs = piece_attributes(score)
    piece = load_static(model).decision(attrs).iloc[0]
    bars = bar_attributes(score)
    curve = load_dynamic(model).predict(bars[list(ATTRIBUTES)].to_numpy(np.float64))
    per_bar = [{"bar": i, "start": round(float(s), 3), "end": round(float(e), 3),
                "valence": _clean(v), "arousal": _clean(a)}
               for i, (s, e, (v, a)) in enumerate(zip(bars.start, bars.end, curve, strict=True))]
    starts = bars.start.to_numpy()
    per_second = []
    for sec in range(int(np.ceil(score.seconds))):
        i = max(int(np.searchsorted(starts, sec + 0.5, side="right")) - 1, 0)
        per_second.append({"second": sec, "valence": _clean(curve[i][0]),
                           "arousal": _clean(curve[i][1])})
    return {
        "file": score.source, "seconds": round(score.seconds, 3), "bars": score.n_bars,
        "notes": len(score.notes), "tempo": round(score.tempo, 2), "flags": list(score.flags),
        "valence": _clean(piece.valence), "arousal": _clean(piece.arousal),
        "quadrant": piece.quadrant, "attributes": {k: _clean(v) for k, v in attrs.items()},
        "per_bar": per_bar, "per_second": per_second,
    }


def _bucket_hits(notes: np.ndarray, tempo: float, control: np.ndarray, buckets: Any) -> int:
    """How many attribute buckets of written notes equal the control's."""
    if not len(notes):
        return -1
    score = Score(notes=notes, downbeats=np.zeros(1), tempo=tempo)
    return int((buckets.transform(piece_attributes(score)) == np.asarray(control)).sum())


def analyze_music(path: str | os.PathLike[str] | bytes, model: str | None = None) -> dict[str, Any]:
    """Analyse one MIDI file (raises `MusicError` on unreadable input)."""
    return analyze_score(load_midi(path), model)


def compose(emotion: str, bars: int = 16, out: str | os.PathLike[str] | None = None, *,
            seed: int | None = None, temperature: float = 1.0, top_p: float = 0.95,
            attributes: dict[str, int] | None = None, model: str | None = None,
            candidates: int = 1) -> dict[str, Any]:
    """Write a piece for `emotion` (ontology emotion, quadrant or Q1-Q4); returns what was asked.

    `attributes` overrides single control buckets (e.g. ``{"note_density": 2}``). With
    `candidates` > 1, that many pieces are written and the one whose re-measured attribute
    buckets match the control best is kept (attributes only: no emotion model is consulted).
    """
    from affectlab.music.models import load_generator, load_prototypes
    from affectlab.music.prototypes import emotion_quadrant

    if not 1 <= bars <= 256:
        raise ValueError(f"bars must be between 1 and 256, got {bars}")
    quadrant = emotion_quadrant(emotion)
    gen = load_generator(model)
    control = load_prototypes(model).buckets(quadrant, gen.buckets)
    for name, bucket in (attributes or {}).items():
        if name not in ATTRIBUTES:
            from affectlab.errors import UnknownNameError

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
