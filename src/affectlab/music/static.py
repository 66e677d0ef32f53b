"""Static emotion of a piece: valence and arousal signs (and Russell quadrant) from its attributes.

One logistic regression per dimension over standardised attributes (missing values take the
training median). Scores are in [-1, 1] (2p - 1), so they sit on the ontology's V/A scale and
`affectlab.ontology.quadrant` names the quadrant. Saved as plain JSON (no pickle).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from affectlab.files import write_json
from affectlab.music.attributes import ATTRIBUTES
from affectlab.ontology import quadrant

DIMENSIONS = ("valence", "arousal")
QUADRANTS = ("positive-high", "negative-high", "negative-low", "positive-low")  # Q1..Q4


def attribute_matrix(rows: pd.DataFrame | dict[str, float] | list[dict[str, float]]) -> np.ndarray:
    """(n, n_attributes) float matrix in `ATTRIBUTES` order (NaN where missing)."""
    if isinstance(rows, dict):
        rows = [rows]
    frame = pd.DataFrame(rows)
    for name in ATTRIBUTES:
        if name not in frame:
            frame[name] = np.nan
    return frame[list(ATTRIBUTES)].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)


def quadrant_of(valence: float, arousal: float) -> str:
    """The Russell quadrant name of a V/A point (ties on an axis count as positive)."""
    return quadrant(valence if valence != 0 else 1e-9, arousal if arousal != 0 else 1e-9) or ""


@dataclass
class StaticMusicEmotion:
    """Valence and arousal of whole pieces from their attributes (fit/predict/score)."""

    C: float = 1.0
    params: dict[str, dict] = field(default_factory=dict)

    def fit(self, X: pd.DataFrame | np.ndarray, y: pd.DataFrame) -> StaticMusicEmotion:
        """`y` holds columns valence and arousal as signs (-1/+1) or continuous scores."""
        from sklearn.linear_model import LogisticRegression

        A = X if isinstance(X, np.ndarray) else attribute_matrix(X)
        median = np.nanmedian(A, axis=0)
        median = np.where(np.isfinite(median), median, 0.0)
        filled = np.where(np.isfinite(A), A, median)
        mean, scale = filled.mean(axis=0), filled.std(axis=0)
        scale = np.where(scale > 1e-9, scale, 1.0)
        Z = (filled - mean) / scale
        self.params = {"median": median.tolist(), "mean": mean.tolist(), "scale": scale.tolist()}
        for dim in DIMENSIONS:
            target = (np.asarray(y[dim], dtype=float) > 0).astype(int)
            if len(set(target)) < 2:
                raise ValueError(f"{dim}: training labels have a single class")
            lr = LogisticRegression(C=self.C, max_iter=2000).fit(Z, target)
            self.params[dim] = {"coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0])}
        return self

    def _z(self, X: pd.DataFrame | np.ndarray | dict) -> np.ndarray:
        if not self.params:
            raise RuntimeError("StaticMusicEmotion is not fitted: call fit() or load() first")
        A = X if isinstance(X, np.ndarray) else attribute_matrix(X)
        p = self.params
        filled = np.where(np.isfinite(A), A, np.asarray(p["median"]))
        return (filled - np.asarray(p["mean"])) / np.asarray(p["scale"])

    def decision(self, X: pd.DataFrame | np.ndarray | dict) -> pd.DataFrame:
        """Valence and arousal scores in [-1, 1] (2p - 1) and the quadrant, one row per input."""
        Z = self._z(X)
        out = {}
        for dim in DIMENSIONS:
            w = self.params[dim]
            p = 1 / (1 + np.exp(-(Z @ np.asarray(w["coef"]) + w["intercept"])))
            out[dim] = 2 * p - 1
        frame = pd.DataFrame(out)
        frame["quadrant"] = [quadrant_of(v, a) for v, a in zip(frame.valence, frame.arousal,
                                                               strict=True)]
        return frame

    def predict(self, X: pd.DataFrame | np.ndarray | dict) -> pd.DataFrame:
        """Signs (-1/+1) of valence and arousal and the quadrant."""
        d = self.decision(X)
        for dim in DIMENSIONS:
            d[dim] = np.where(d[dim] >= 0, 1, -1)
        return d

    def score(self, X: pd.DataFrame | np.ndarray, y: pd.DataFrame) -> dict[str, float]:
        """Accuracy of valence sign, arousal sign and quadrant."""
        pred = self.predict(X)
        gold = {d: np.where(np.asarray(y[d], dtype=float) > 0, 1, -1) for d in DIMENSIONS}
        gold_q = [quadrant_of(v, a) for v, a in zip(gold["valence"], gold["arousal"], strict=True)]
        return {"valence": float((pred.valence.to_numpy() == gold["valence"]).mean()),
                "arousal": float((pred.arousal.to_numpy() == gold["arousal"]).mean()),
                "quadrant": float((pred.quadrant.to_numpy() == np.asarray(gold_q)).mean())}

    def coefficients(self) -> pd.DataFrame:
        """Standardised coefficients per attribute and dimension (what drives each prediction)."""
        return pd.DataFrame({d: self.params[d]["coef"] for d in DIMENSIONS}, index=list(ATTRIBUTES))

    def save(self, path: str | os.PathLike[str]) -> None:
        write_json({"kind": "affectlab.music.static", "C": self.C,
                    "attributes": list(ATTRIBUTES), "params": self.params}, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> StaticMusicEmotion:
        data = json.loads(Path(path).read_text())
        if data.get("kind") != "affectlab.music.static" or data.get("attributes") != list(ATTRIBUTES):
            raise ValueError(f"{path}: not a static music emotion model for this attribute set")
        return cls(C=float(data["C"]), params=data["params"])
