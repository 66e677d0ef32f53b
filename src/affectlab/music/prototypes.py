"""Emotion -> attributes for composition (after EmoGen).

Emotion reaches the generator only through attributes. `EmotionPrototypes` is EmoGen's
supervised clustering step: on labelled music (VGMIDI phrases) it takes each Russell quadrant's
attribute centre, then the real attribute vector closest to it, and keeps that vector's
percentile buckets as the quadrant's control. Any ontology emotion is placed in a quadrant through
its valence and arousal (joy -> positive-high, fear -> negative-high, sadness -> negative-low,
tenderness -> positive-low).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from affectlab.files import write_json
from affectlab.music.attributes import ATTRIBUTES, AttributeBuckets
from affectlab.music.static import QUADRANTS, attribute_matrix, quadrant_of

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


class EmotionPrototypes:
    """Per quadrant: the real attribute vector nearest the quadrant's centre (standardised)."""

    def __init__(self, vectors: dict[str, list[float]] | None = None,
                 sources: dict[str, str] | None = None) -> None:
        self.vectors = vectors or {}
        self.sources = sources or {}

    def fit(self, frame: pd.DataFrame) -> EmotionPrototypes:
        """`frame` holds `ATTRIBUTES`, `valence` and `arousal` (signs or scores), optional `id`."""
        A = attribute_matrix(frame)
        median = np.nanmedian(A, axis=0)
        A = np.where(np.isfinite(A), A, median)
        Z = (A - A.mean(axis=0)) / np.where(A.std(axis=0) > 1e-9, A.std(axis=0), 1.0)
        quads = np.array([quadrant_of(v, a) for v, a in zip(frame.valence, frame.arousal,
                                                             strict=True)])
        ids = frame["id"].astype(str).tolist() if "id" in frame else [str(i) for i in range(len(frame))]
        for q in QUADRANTS:
            rows = np.flatnonzero(quads == q)
            if not len(rows):
                raise ValueError(f"no labelled example in quadrant {q!r}")
            centre = Z[rows].mean(axis=0)
            best = rows[np.argmin(((Z[rows] - centre) ** 2).sum(axis=1))]
            self.vectors[q] = A[best].tolist()
            self.sources[q] = ids[best]
        return self

    def attributes(self, emotion: str) -> dict[str, float]:
        """The prototype attribute values for an emotion or quadrant."""
        q = emotion_quadrant(emotion)
        if q not in self.vectors:
            raise RuntimeError("EmotionPrototypes is not fitted: call fit() or load() first")
        return dict(zip(ATTRIBUTES, self.vectors[q], strict=True))

    def buckets(self, emotion: str, buckets: AttributeBuckets) -> np.ndarray:
        """The control buckets for an emotion, under a generator's bucket edges."""
        return buckets.transform(self.attributes(emotion))

    def save(self, path: str | os.PathLike[str]) -> None:
        write_json({"kind": "affectlab.music.prototypes", "attributes": list(ATTRIBUTES),
                    "vectors": self.vectors, "sources": self.sources}, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EmotionPrototypes:
        data = json.loads(Path(path).read_text())
        if data.get("kind") != "affectlab.music.prototypes" or data["attributes"] != list(ATTRIBUTES):
            raise ValueError(f"{path}: not emotion prototypes for this attribute set")
        return cls(data["vectors"], data.get("sources", {}))
