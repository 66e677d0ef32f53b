"""Musical attributes that carry emotion, per piece and per window, and their percentile buckets.

Arousal follows speed, loudness and register; valence follows mode and consonance (Gabrielsson &
Lindström's review of music and emotion). The extractor measures those from a `Score`: note density,
pitch mean and range, mode (major minus minor Krumhansl-Kessler key-profile correlation), key
clarity, tempo, velocity, articulation (legato ratio), consonance and polyphony. `AttributeBuckets`
turns them into low/mid/high classes by corpus percentiles, as EmoGen does with jSymbolic features,
so a generator can be asked for "high note density, minor mode".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from affectlab.core.errors import NotFittedError
from affectlab.music.midi import Score

#: Attribute names, in the column order every model of this package uses.
ATTRIBUTES: tuple[str, ...] = (
    "note_density",  # onsets per second
    "pitch_mean",  # MIDI pitch, duration-weighted
    "pitch_range",  # highest minus lowest pitch (semitones)
    "mode",  # best major minus best minor key-profile correlation (> 0: major)
    "key_clarity",  # best key-profile correlation
    "tempo",  # beats per minute (the MIDI tempo)
    "velocity",  # mean MIDI velocity (loudness)
    "articulation",  # median duration / time to the next onset (< 1 staccato, ~1 legato)
    "consonance",  # share of consonant interval classes among sounding pitch pairs
    "polyphony",  # mean number of sounding notes while anything sounds
)

# Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_PROFILES = np.stack([np.roll(p, k) for p in (_MAJOR, _MINOR) for k in range(12)])  # (24, 12)
# Interval classes 0..6: unison/octave, thirds/sixths and fourths/fifths are consonant.
_CONSONANT_IC = np.array([1, 0, 0, 1, 1, 1, 0], dtype=bool)
_GRID_HZ = 20.0


def pitch_class_profile(notes: np.ndarray) -> np.ndarray:
    """Duration-weighted pitch-class histogram (12,) of note rows (start, end, pitch, velocity)."""
    hist = np.zeros(12)
    if len(notes):
        np.add.at(hist, notes[:, 2].astype(int) % 12, notes[:, 1] - notes[:, 0])
    return hist


def key_correlations(profile: np.ndarray) -> np.ndarray:
    """Pearson correlation of a pitch-class profile with the 24 key profiles (C major first)."""
    p = profile - profile.mean()
    k = _PROFILES - _PROFILES.mean(axis=1, keepdims=True)
    denom = np.linalg.norm(k, axis=1) * np.linalg.norm(p)
    return (k @ p) / denom if denom.all() else np.full(24, np.nan)


def _sounding(notes: np.ndarray, start: float, end: float) -> np.ndarray:
    """Pitch-class counts (12, T) sounding at a 20 Hz grid over [start, end)."""
    grid = np.arange(start, end, 1.0 / _GRID_HZ)
    roll = np.zeros((12, len(grid)))
    if len(grid) == 0 or len(notes) == 0:
        return roll
    for s, e, pitch, _ in notes:
        a, b = np.searchsorted(grid, [s, e])
        roll[int(pitch) % 12, a:b] += 1
    return roll


def _consonance(roll: np.ndarray) -> tuple[float, float]:
    """(share of consonant pitch pairs, mean polyphony) from pitch-class counts over time."""
    total = roll.sum(axis=0)
    if not (total > 0).any():
        return np.nan, np.nan
    polyphony = float(total[total > 0].mean())
    pairs = np.zeros((7, roll.shape[1]))
    pairs[0] = (roll * (roll - 1) / 2).sum(axis=0)
    for ic in range(1, 7):
        same = (roll * np.roll(roll, -ic, axis=0)).sum(axis=0)
        pairs[ic] = same / 2 if ic == 6 else same
    n = pairs.sum()
    return (float(pairs[_CONSONANT_IC].sum() / n) if n > 0 else np.nan), polyphony


def _articulation(notes: np.ndarray, all_onsets: np.ndarray) -> float:
    onsets = np.unique(all_onsets)
    nxt = np.searchsorted(onsets, notes[:, 0], side="right")
    ok = nxt < len(onsets)
    if not ok.any():
        return np.nan
    gaps = onsets[nxt[ok]] - notes[ok, 0]
    return float(np.median(np.clip((notes[ok, 1] - notes[ok, 0]) / gaps, 0, 2)))


def window_attributes(score: Score, start: float, end: float) -> dict[str, float]:
    """Attributes of the notes that start in [start, end); NaN where a window has no notes."""
    notes = score.notes[(score.notes[:, 0] >= start) & (score.notes[:, 0] < end)]
    span = max(end - start, 1e-6)
    out = dict.fromkeys(ATTRIBUTES, np.nan)
    out["note_density"] = len(notes) / span
    out["tempo"] = score.tempo
    if not len(notes):
        return out
    dur = notes[:, 1] - notes[:, 0]
    out["pitch_mean"] = float(np.average(notes[:, 2], weights=dur))
    out["pitch_range"] = float(notes[:, 2].max() - notes[:, 2].min())
    corr = key_correlations(pitch_class_profile(notes))
    if np.isfinite(corr).all():
        out["mode"] = float(corr[:12].max() - corr[12:].max())
        out["key_clarity"] = float(corr.max())
    out["velocity"] = float(notes[:, 3].mean())
    out["articulation"] = _articulation(notes, score.notes[:, 0])
    sounding = score.notes[(score.notes[:, 1] > start) & (score.notes[:, 0] < end)]
    out["consonance"], out["polyphony"] = _consonance(_sounding(sounding, start, end))
    return out


def piece_attributes(score: Score) -> dict[str, float]:
    """Attributes of the whole score."""
    return window_attributes(score, 0.0, score.seconds + 1e-6)


def bar_attributes(score: Score) -> pd.DataFrame:
    """One row of attributes per bar (columns `start`, `end` and `ATTRIBUTES`)."""
    rows = [{"start": s, "end": e, **window_attributes(score, s, e)} for s, e in score.bar_spans()]
    return pd.DataFrame(rows, columns=["start", "end", *ATTRIBUTES])


def second_attributes(score: Score, hop: float = 1.0) -> pd.DataFrame:
    """One row of attributes per `hop` seconds (columns `start`, `end` and `ATTRIBUTES`)."""
    starts = np.arange(0.0, score.seconds, hop)
    rows = [{"start": s, "end": s + hop, **window_attributes(score, s, s + hop)} for s in starts]
    return pd.DataFrame(rows, columns=["start", "end", *ATTRIBUTES])


class AttributeBuckets(BaseEstimator):
    """Percentile buckets per attribute (0 = lowest); edges fitted on a corpus of attribute rows.

    `n_buckets` is the number of classes per attribute; the fitted state is `edges_` (per
    attribute, the `n_buckets - 1` percentile edges).
    """

    KIND = "music.buckets"

    def __init__(self, n_buckets: int = 3) -> None:
        self.n_buckets = n_buckets

    @property
    def edges(self) -> dict[str, list[float]] | None:
        """The fitted edges (`edges_`; None before `fit` or `load`)."""
        return getattr(self, "edges_", None)

    def fit(self, frame: pd.DataFrame, y: Any = None) -> AttributeBuckets:
        """Edges at the corpus percentiles of each attribute column of `frame`."""
        if self.n_buckets < 2:
            raise ValueError(f"n_buckets must be at least 2, got {self.n_buckets}")
        qs = np.linspace(0, 100, self.n_buckets + 1)[1:-1]
        edges = {}
        for name in ATTRIBUTES:
            values = pd.to_numeric(frame[name], errors="coerce").dropna().to_numpy()
            if len(values) == 0:
                raise ValueError(f"attribute {name!r} has no values to fit buckets on")
            edges[name] = np.percentile(values, qs).tolist()
        self.edges_ = edges
        return self

    def _check(self) -> dict[str, list[float]]:
        if self.edges is None:
            raise NotFittedError(self)
        return self.edges_

    def bucket(self, name: str, value: float) -> int:
        """The bucket of one value (NaN goes to the middle bucket)."""
        edges = self._check()[name]
        if value is None or not np.isfinite(value):
            return self.n_buckets // 2
        return int(np.searchsorted(edges, value, side="right"))

    def transform(self, rows: pd.DataFrame | dict[str, float]) -> np.ndarray:
        """Bucket ids, shape (n, n_attributes) for a frame or (n_attributes,) for one dict."""
        if isinstance(rows, dict):
            return np.array([self.bucket(a, rows.get(a, np.nan)) for a in ATTRIBUTES])
        return np.array([[self.bucket(a, r[a]) for a in ATTRIBUTES]
                         for r in rows.to_dict("records")], dtype=np.int64).reshape(-1, len(ATTRIBUTES))

    def to_dict(self) -> dict:
        """The fitted buckets as plain JSON (what a generator's manifest embeds)."""
        return {"n_buckets": self.n_buckets, "attributes": list(ATTRIBUTES), "edges": self._check()}

    @classmethod
    def from_dict(cls, data: dict) -> AttributeBuckets:
        """Buckets from `to_dict`'s output (checked against this attribute set)."""
        if list(data.get("attributes", [])) != list(ATTRIBUTES):
            from affectlab.core.errors import ManifestError

            raise ManifestError("bucket file was fitted on a different attribute set")
        out = cls(n_buckets=int(data["n_buckets"]))
        out.edges_ = {k: list(v) for k, v in data["edges"].items()}
        return out

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write the model folder: `affectlab.json` of kind "music.buckets" (edges in its
        config)."""
        from affectlab.core.manifest import Manifest, write_manifest
        from affectlab.music.saved import FORMAT_VERSION, prepare_folder

        config = self.to_dict()
        out = prepare_folder(folder, "attribute buckets")
        write_manifest(out, Manifest(kind=self.KIND, format_version=FORMAT_VERSION,
                                     config=config))
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AttributeBuckets:
        """Saved buckets: their folder, or (older affectlab) the JSON file `save` wrote."""
        from affectlab.music.saved import read_music_model

        _, manifest = read_music_model(
            path, cls.KIND, "set of attribute buckets",
            convert=_bucket_config, untyped=True)
        try:
            return cls.from_dict(manifest.config)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            from affectlab.core.errors import ManifestError

            raise ManifestError(f"{path} is not a saved set of attribute buckets "
                                f"({type(err).__name__}: {err})") from err


def _bucket_config(old: dict[str, Any]) -> dict[str, Any]:
    """The config of a bucket file older affectlab wrote (it is `to_dict`'s output)."""
    missing = [k for k in ("n_buckets", "edges") if k not in old]
    if missing:
        raise KeyError(f"no {', '.join(missing)}")
    return {k: old.get(k) for k in ("n_buckets", "attributes", "edges")}
