"""Static emotion of a piece: valence and arousal signs (and Russell quadrant) from its attributes.

One logistic regression per dimension over standardised attributes (missing values take the
training median). Scores are in [-1, 1] (2p - 1), so they sit on the ontology's V/A scale and
`affectlab.ontology.quadrant` names the quadrant. The two regressions give P(valence > 0) and
P(arousal > 0); taken as independent, their products are the probabilities of the four Russell
quadrants (`predict_proba`, the ontology's "russell4" scheme), whose most probable one is the
quadrant of the V/A point. Saved as a model folder (manifest + safetensors, no pickle).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from affectlab.core.errors import NotFittedError
from affectlab.music.attributes import ATTRIBUTES
from affectlab.ontology import quadrant

DIMENSIONS = ("valence", "arousal")
QUADRANTS = ("positive-high", "negative-high", "negative-low", "positive-low")  # Q1..Q4
#: The ontology scheme whose labels are `QUADRANTS`.
SCHEME = "russell4"
KIND = "music.static"
WEIGHTS = "weights.safetensors"


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


def quadrant_probs(valence: np.ndarray | float, arousal: np.ndarray | float) -> np.ndarray:
    """P(quadrant) in `QUADRANTS` order, (n, 4), from V/A scores 2p - 1: P(valence > 0) and
    P(arousal > 0) taken as independent (their product per quadrant; rows sum to 1)."""
    pv = np.clip((np.atleast_1d(np.asarray(valence, dtype=np.float64)) + 1) / 2, 0.0, 1.0)
    pa = np.clip((np.atleast_1d(np.asarray(arousal, dtype=np.float64)) + 1) / 2, 0.0, 1.0)
    return np.stack([pv * pa, (1 - pv) * pa, (1 - pv) * (1 - pa), pv * (1 - pa)], axis=1)


class StaticMusicEmotion(BaseEstimator):
    """Valence and arousal of whole pieces from their attributes (fit/predict/score).

    `C` is the logistic regressions' inverse regularisation; the fitted state is `params_`
    (training medians, means and scales, and per dimension the coefficients and intercept).
    """

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    @property
    def params(self) -> dict[str, Any]:
        """The fitted parameters (`params_`; empty before `fit` or `load`)."""
        return getattr(self, "params_", {})

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
        params: dict[str, Any] = {"median": median.tolist(), "mean": mean.tolist(),
                                  "scale": scale.tolist()}
        for dim in DIMENSIONS:
            target = (np.asarray(y[dim], dtype=float) > 0).astype(int)
            if len(set(target)) < 2:
                raise ValueError(f"{dim}: training labels have a single class")
            lr = LogisticRegression(C=self.C, max_iter=2000).fit(Z, target)
            params[dim] = {"coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0])}
        self.params_ = params
        return self

    def _z(self, X: pd.DataFrame | np.ndarray | dict) -> np.ndarray:
        if not self.params:
            raise NotFittedError(self)
        A = X if isinstance(X, np.ndarray) else attribute_matrix(X)
        p = self.params_
        filled = np.where(np.isfinite(A), A, np.asarray(p["median"]))
        return (filled - np.asarray(p["mean"])) / np.asarray(p["scale"])

    def decision(self, X: pd.DataFrame | np.ndarray | dict) -> pd.DataFrame:
        """Valence and arousal scores in [-1, 1] (2p - 1) and the quadrant, one row per input."""
        Z = self._z(X)
        out = {}
        for dim in DIMENSIONS:
            w = self.params_[dim]
            with np.errstate(over="ignore"):  # far outside the training data: p is 0 or 1
                p = 1 / (1 + np.exp(-(Z @ np.asarray(w["coef"]) + w["intercept"])))
            out[dim] = 2 * p - 1
        frame = pd.DataFrame(out)
        frame["quadrant"] = [quadrant_of(v, a) for v, a in zip(frame.valence, frame.arousal,
                                                               strict=True)]
        return frame

    def predict_proba(self, X: pd.DataFrame | np.ndarray | dict) -> pd.DataFrame:
        """P(quadrant), one row per input, columns `QUADRANTS` (see `quadrant_probs`)."""
        d = self.decision(X)
        return pd.DataFrame(quadrant_probs(d.valence.to_numpy(), d.arousal.to_numpy()),
                            columns=list(QUADRANTS))

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
        if not self.params:
            raise NotFittedError(self)
        return pd.DataFrame({d: self.params_[d]["coef"] for d in DIMENSIONS},
                            index=list(ATTRIBUTES))

    def save(self, folder: str | os.PathLike[str], *,
             training: dict[str, Any] | None = None) -> Path:
        """Write the model folder: float64 arrays in `weights.safetensors`, then `affectlab.json`
        (kind "music.static"; `training` describes the data it was fitted on)."""
        from affectlab.core.files import save_arrays
        from affectlab.core.manifest import Manifest, write_manifest
        from affectlab.music.saved import FORMAT_VERSION, prepare_folder

        if not self.params:
            raise NotFittedError(self, "nothing to save: call fit() first")
        out = prepare_folder(folder, "static music emotion model")
        p = self.params_
        arrays = {"median": p["median"], "mean": p["mean"], "scale": p["scale"]}
        for dim in DIMENSIONS:
            arrays[f"{dim}.coef"] = p[dim]["coef"]
            arrays[f"{dim}.intercept"] = [p[dim]["intercept"]]
        save_arrays(arrays, out / WEIGHTS, dtype=np.float64)
        write_manifest(out, Manifest(
            kind=KIND, format_version=FORMAT_VERSION, scheme=SCHEME, labels=list(QUADRANTS),
            training=dict(training or {}),
            config={"C": self.C, "attributes": list(ATTRIBUTES), "dimensions": list(DIMENSIONS),
                    "quadrant_probs": "P(valence > 0) x P(arousal > 0), independent"},
            files=[WEIGHTS]))
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> StaticMusicEmotion:
        """A saved model: its folder, or (older affectlab) a `static.json` file or a folder
        holding one."""
        from affectlab.core.files import load_arrays
        from affectlab.music.saved import read_music_model

        folder, manifest = read_music_model(
            path, KIND, "static music emotion model", legacy_name="static.json",
            convert=lambda old: {"C": old.get("C", 1.0), "attributes": old.get("attributes"),
                                 "params": old.get("params")})
        config = manifest.config
        est = cls(C=float(config.get("C", 1.0)))
        if config.get("params") is not None:  # an older affectlab's file: inline parameters
            est.params_ = config["params"]
            return est
        arrays = load_arrays(folder / WEIGHTS)
        params: dict[str, Any] = {k: arrays[k].tolist() for k in ("median", "mean", "scale")}
        for dim in DIMENSIONS:
            params[dim] = {"coef": arrays[f"{dim}.coef"].tolist(),
                           "intercept": float(arrays[f"{dim}.intercept"][0])}
        est.params_ = params
        return est
