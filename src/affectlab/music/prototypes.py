"""Emotion -> attributes for composition (after EmoGen).

Emotion reaches the generator only through attributes. `EmotionPrototypes` is EmoGen's
supervised clustering step: on labelled music (VGMIDI phrases) it takes each Russell quadrant's
attribute centre, then the real attribute vector closest to it, and keeps that vector's
percentile buckets as the quadrant's control. Any ontology emotion is placed in a quadrant through
its valence and arousal (joy -> positive-high, fear -> negative-high, sadness -> negative-low,
tenderness -> positive-low).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from affectlab.core.errors import NotFittedError
from affectlab.music.attributes import ATTRIBUTES, AttributeBuckets
from affectlab.music.static import QUADRANTS, SCHEME, attribute_matrix, quadrant_of

KIND = "music.prototypes"
VECTORS = "prototypes.safetensors"

#: Short names accepted for the quadrants (Q1..Q4 as in the music emotion literature).
QUADRANT_ALIASES = {"q1": "positive-high", "q2": "negative-high", "q3": "negative-low",
                    "q4": "positive-low"}


def emotion_quadrant(emotion: str) -> str:
    """The Russell quadrant of a quadrant name, a Q1-Q4 alias or any ontology emotion."""
    key = emotion.strip().lower()
    if key in QUADRANTS:
        return key
    if key in QUADRANT_ALIASES:
        return QUADRANT_ALIASES[key]
    from affectlab import ontology

    vad = ontology.to_vad(key)  # raises UnknownNameError with suggestions
    return quadrant_of(vad.valence, vad.arousal)


class EmotionPrototypes(BaseEstimator):
    """Per quadrant: the real attribute vector nearest the quadrant's centre (standardised).

    No hyper-parameters; the fitted state is `vectors_` (quadrant -> attribute values) and
    `sources_` (quadrant -> id of the example it came from), also readable without the `_`.
    """

    def __init__(self) -> None:
        pass

    @property
    def vectors(self) -> dict[str, list[float]]:
        """The fitted prototype vectors (`vectors_`; empty before `fit` or `load`)."""
        return getattr(self, "vectors_", {})

    @property
    def sources(self) -> dict[str, str]:
        """Where each prototype came from (`sources_`; empty before `fit` or `load`)."""
        return getattr(self, "sources_", {})

    @classmethod
    def from_vectors(cls, vectors: dict[str, list[float]],
                     sources: dict[str, str] | None = None) -> EmotionPrototypes:
        """Prototypes given directly (quadrant -> values in `ATTRIBUTES` order)."""
        unknown = sorted(set(vectors) - set(QUADRANTS))
        if unknown:
            from affectlab.core.errors import UnknownNameError

            raise UnknownNameError("quadrant", unknown[0], QUADRANTS)
        out = cls()
        out.vectors_ = {q: [float(x) for x in v] for q, v in vectors.items()}
        out.sources_ = dict(sources or {})
        return out

    def fit(self, frame: pd.DataFrame, y: Any = None) -> EmotionPrototypes:
        """`frame` holds `ATTRIBUTES`, `valence` and `arousal` (signs or scores), optional `id`."""
        A = attribute_matrix(frame)
        median = np.nanmedian(A, axis=0)
        A = np.where(np.isfinite(A), A, median)
        Z = (A - A.mean(axis=0)) / np.where(A.std(axis=0) > 1e-9, A.std(axis=0), 1.0)
        quads = np.array([quadrant_of(v, a) for v, a in zip(frame.valence, frame.arousal,
                                                             strict=True)])
        ids = frame["id"].astype(str).tolist() if "id" in frame else [str(i) for i in range(len(frame))]
        vectors, sources = {}, {}
        for q in QUADRANTS:
            rows = np.flatnonzero(quads == q)
            if not len(rows):
                raise ValueError(f"no labelled example in quadrant {q!r}")
            centre = Z[rows].mean(axis=0)
            best = rows[np.argmin(((Z[rows] - centre) ** 2).sum(axis=1))]
            vectors[q] = A[best].tolist()
            sources[q] = ids[best]
        self.vectors_, self.sources_ = vectors, sources
        return self

    def attributes(self, emotion: str) -> dict[str, float]:
        """The prototype attribute values for an emotion or quadrant."""
        q = emotion_quadrant(emotion)
        if q not in self.vectors:
            raise NotFittedError(self)
        return dict(zip(ATTRIBUTES, self.vectors_[q], strict=True))

    def buckets(self, emotion: str, buckets: AttributeBuckets) -> np.ndarray:
        """The control buckets for an emotion, under a generator's bucket edges."""
        return buckets.transform(self.attributes(emotion))

    def save(self, folder: str | os.PathLike[str], *,
             training: dict[str, Any] | None = None) -> Path:
        """Write the model folder: float64 vectors in `prototypes.safetensors`, then
        `affectlab.json` (kind "music.prototypes"; the sources in its config)."""
        from affectlab.core.files import save_arrays
        from affectlab.core.manifest import Manifest, write_manifest
        from affectlab.music.saved import FORMAT_VERSION, prepare_folder

        if not self.vectors:
            raise NotFittedError(self, "nothing to save: call fit() first")
        out = prepare_folder(folder, "emotion prototypes")
        save_arrays(self.vectors_, out / VECTORS, dtype=np.float64)
        write_manifest(out, Manifest(
            kind=KIND, format_version=FORMAT_VERSION, scheme=SCHEME,
            labels=[q for q in QUADRANTS if q in self.vectors_], training=dict(training or {}),
            config={"attributes": list(ATTRIBUTES), "sources": self.sources},
            files=[VECTORS]))
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EmotionPrototypes:
        """Saved prototypes: their folder, or (older affectlab) a `prototypes.json` file or a
        folder holding one."""
        from affectlab.core.files import load_arrays
        from affectlab.music.saved import read_music_model

        folder, manifest = read_music_model(
            path, KIND, "set of emotion prototypes", legacy_name="prototypes.json",
            convert=lambda old: {"attributes": old["attributes"], "vectors": old["vectors"],
                                 "sources": old.get("sources", {})})
        config = manifest.config
        if config.get("vectors") is not None:  # an older affectlab's file: inline vectors
            return cls.from_vectors(config["vectors"], config.get("sources"))
        arrays = load_arrays(folder / VECTORS)
        ordered = {q: arrays[q].tolist() for q in QUADRANTS if q in arrays}
        return cls.from_vectors(ordered, config.get("sources"))
