"""Emotion-intensity editing by direction vectors in an embedding space (after EmoReg).

An utterance's embedding ``e`` (here the 88 eGeMAPSv02 functionals, standardised; any encoder's
output works the same way) is moved from its emotion towards another by

    e' = e + i * (mu_target - mu_source),     i in [0, 1],

where ``mu_c`` is the centre of emotion ``c`` in the embedding space. The difference is an
`affectlab.directions.Direction` (the same algebra that steers language models), so
``editor.direction("neutral", "anger").interpolate(e, 0.5)`` is the half-way edit.

Centres (``means=``):

- ``"class"``: the mean of each emotion's embeddings (`affectlab.directions.class_means`);
- ``"gmm"``: a Gaussian mixture (scikit-learn, diagonal covariances) fitted per emotion, and
  the centre is the mean of its heaviest component (``gmm_centre="dominant"``, the default): a
  mode-seeking centre that a minority sub-cluster (one speaker's unusual rendering, a few
  outliers) does not pull. ``gmm_centre="mixture"`` takes the mixture's own mean,
  ``sum_k w_k mu_k``; note that at an EM fixed point this equals the class sample mean exactly
  (the M-step sets ``w_k = N_k / N`` and ``mu_k = sum_i r_ik x_i / N_k``), so it is there as a
  check, not as a different estimator.

Standardisation (``standardise=``): ``"global"`` (z-scores with the training mean and standard
deviation), ``"speaker"`` (z-scores per speaker, each speaker's own mean and deviation over all
of their utterances: the usual practice on acted corpora such as EmoDB, where the speaker
dominates the raw feature space), or ``"none"``. A speaker not seen in `fit` is standardised
with statistics of the rows passed for it (transductive, as per-speaker normalisation is
usually applied at test time).

`intensity_curve` measures an editor with a classifier trained separately (on other speakers):
for every source -> target pair and every intensity of a grid, the mean probability of the
target emotion over the edited source utterances; `IntensityCurve.monotonicity` checks that it
rises. `feature_shifts` names the features each direction moves most, in standardised and in
native units, grouped into pitch / loudness / rate / spectral / voice quality.

A fitted editor saves as a folder: ``editor.safetensors`` (the centres and standardisation
statistics) and the shared manifest ``affectlab.json`` (kind "speech.editor"); folders saved by
older affectlab (``editor.json`` + ``editor.npz``) still load. The editor is a scikit-learn
estimator (``sklearn.base.clone`` works).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from affectlab.core.errors import ManifestError, NotFittedError, UnknownNameError
from affectlab.core.manifest import Manifest
from affectlab.directions import Direction, class_means

__all__ = ["FEATURE_GROUPS", "GRID", "KEY_FEATURES", "KIND", "EmotionEditor", "IntensityCurve",
           "feature_group", "feature_shifts", "intensity_curve", "load_editor"]

STANDARDISE = ("global", "speaker", "none")
MEANS = ("class", "gmm")
GMM_CENTRES = ("dominant", "mixture")
KIND = "speech.editor"
FORMAT_VERSION = 1
EDITOR_WEIGHTS = "editor.safetensors"
#: What older affectlab wrote (still read): a JSON description and a numpy archive.
EDITOR_JSON = "editor.json"
EDITOR_NPZ = "editor.npz"
LEGACY_KIND = "affectlab.speech.EmotionEditor"
#: The default intensity grid: 0, 0.1, ..., 1.
GRID = tuple(round(k / 10, 1) for k in range(11))

#: eGeMAPS feature-name patterns per acoustic group, tried in order (first match wins).
FEATURE_GROUPS: tuple[tuple[str, str], ...] = (
    ("rate", r"PerSec$|SegmentLength"),
    ("pitch", r"^F0semitone"),
    ("loudness", r"^loudness_|^equivalentSoundLevel"),
    ("voice quality", r"^jitter|^shimmer|^HNR|^logRelF0"),
    ("spectral", r"^(alphaRatio|hammarbergIndex|slope|spectralFlux|mfcc|F[123])"),
)

#: One readable eGeMAPS feature per group, reported for every direction in native units.
KEY_FEATURES: dict[str, str] = {
    "pitch": "F0semitoneFrom27.5Hz_sma3nz_amean",        # mean F0, semitones from 27.5 Hz
    "loudness": "loudness_sma3_amean",                    # mean loudness (sone-like units)
    "rate": "VoicedSegmentsPerSec",                       # voiced segments per second
    "rate (loudness peaks)": "loudnessPeaksPerSec",       # syllable-rate proxy
    "voice quality": "HNRdBACF_sma3nz_amean",             # harmonics-to-noise ratio, dB
    "spectral": "alphaRatioV_sma3nz_amean",               # spectral tilt in voiced parts, dB
}


def feature_group(name: str) -> str:
    """The acoustic group of an eGeMAPS feature name ("other" when no pattern matches)."""
    for group, pattern in FEATURE_GROUPS:
        if re.search(pattern, name):
            return group
    return "other"


def _label(value: Any) -> str:
    """A label as str; a one-element list (the corpora's ``labels`` column) is unwrapped."""
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) != 1:
            raise ValueError(f"each utterance needs exactly one emotion label, got {list(value)}")
        value = value[0]
    return str(value)


def _check_intensity(intensity: Any) -> np.ndarray:
    arr = np.asarray(intensity, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"intensity must be finite, got {intensity!r}")
    if np.any(arr < 0.0) or np.any(arr > 1.0):
        raise ValueError(f"intensity must be in [0, 1], got {intensity!r}")
    return arr


def _scale(sd: np.ndarray) -> np.ndarray:
    """Standard deviations usable as divisors: constant features keep scale 1."""
    return np.where(sd > 1e-12, sd, 1.0)


class EmotionEditor(BaseEstimator):
    """Emotion centres in an embedding space and the edits ``e + i * (mu_t - mu_s)`` between them.

    Hyper-parameters only here; `fit` learns ``classes_``, ``means_`` (class -> centre in the
    embedding space) and the standardisation statistics.

    >>> ed = EmotionEditor(standardise="speaker").fit(X, labels, speakers)
    >>> Z = ed.embed(X_new, speakers_new)
    >>> ed.edit(Z, "neutral", "anger", 0.5)              # half-way towards anger
    >>> ed.transform(X_new, "neutral", "anger", 1.0, speakers_new)   # native features back
    """

    def __init__(self, means: str = "class", *, standardise: str = "global",
                 n_components: int = 2, gmm_centre: str = "dominant",
                 covariance_type: str = "diag", reg_covar: float = 1e-3,
                 space: str = "egemaps", feature_names: Sequence[str] | None = None,
                 random_state: int = 0) -> None:
        self.means = means
        self.standardise = standardise
        self.n_components = n_components
        self.gmm_centre = gmm_centre
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.space = space
        self.feature_names = feature_names
        self.random_state = random_state

    # -- fitting --------------------------------------------------------------------------------
    def _validate_options(self) -> None:
        if self.means not in MEANS:
            raise UnknownNameError("centre estimator", str(self.means), MEANS)
        if self.standardise not in STANDARDISE:
            raise UnknownNameError("standardisation", str(self.standardise), STANDARDISE)
        if self.gmm_centre not in GMM_CENTRES:
            raise UnknownNameError("GMM centre", str(self.gmm_centre), GMM_CENTRES)
        if int(self.n_components) < 1:
            raise ValueError(f"n_components must be >= 1, got {self.n_components}")

    def fit(self, X: Any, labels: Iterable[Any], speakers: Iterable[Hashable] | None = None
            ) -> EmotionEditor:
        """Learn the standardisation and one centre per emotion from native features `X`."""
        self._validate_options()
        names = list(X.columns) if hasattr(X, "columns") else None
        X = np.asarray(X, dtype=np.float64)
        y = [_label(v) for v in labels]
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must be a non-empty (n_samples, n_features) matrix, got "
                             f"shape {X.shape}")
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but there are {len(y)} labels")
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinite values")
        classes = sorted(set(y))
        if len(classes) < 2:
            raise ValueError(f"editing needs at least two emotions, got {classes}")
        fnames = list(self.feature_names) if self.feature_names is not None else names
        if fnames is not None and len(fnames) != X.shape[1]:
            raise ValueError(f"{len(fnames)} feature names for {X.shape[1]} features")
        self.n_features_in_ = X.shape[1]
        self.feature_names_ = fnames or [f"dim{j}" for j in range(X.shape[1])]
        self.classes_ = classes
        self.mean_ = X.mean(axis=0)
        self.scale_ = _scale(X.std(axis=0))
        self.speaker_stats_: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        spk = None
        if self.standardise == "speaker":
            if speakers is None:
                raise ValueError('standardise="speaker" needs `speakers` (one id per row)')
            spk = [str(s) for s in speakers]
            if len(spk) != len(X):
                raise ValueError(f"{len(spk)} speaker ids for {len(X)} rows")
            for s in dict.fromkeys(spk):
                rows = X[np.array(spk) == s]
                self.speaker_stats_[s] = rows.mean(axis=0), _scale(rows.std(axis=0))
        Z = self.embed(X, spk)
        self.means_: dict[str, np.ndarray] = {}
        self.gmms_: dict[str, dict[str, np.ndarray]] = {}
        if self.means == "class":
            self.means_ = {str(c): m for c, m in class_means(Z, y, classes).items()}
        else:
            ya = np.array(y)
            for c in classes:
                self.means_[c], self.gmms_[c] = self._gmm_centre(Z[ya == c])
        self.n_samples_ = {c: int(sum(v == c for v in y)) for c in classes}
        return self

    def _gmm_centre(self, Zc: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        from sklearn.mixture import GaussianMixture

        k = max(1, min(int(self.n_components), len(Zc)))
        gm = GaussianMixture(k, covariance_type=self.covariance_type, reg_covar=self.reg_covar,
                             random_state=self.random_state, n_init=1).fit(Zc)
        w, mu = gm.weights_, gm.means_
        centre = mu[int(np.argmax(w))] if self.gmm_centre == "dominant" else w @ mu
        return centre.astype(np.float64), {"weights": w, "means": mu}

    def _check_fitted(self) -> None:
        if not hasattr(self, "means_"):
            raise NotFittedError(self, "call fit(X, labels) or EmotionEditor.load(folder) first")

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "means_")

    def _emotion(self, name: Any) -> str:
        self._check_fitted()
        key = str(name)
        if key not in self.means_:
            low = {c.lower(): c for c in self.classes_}
            if key.strip().lower() in low:
                return low[key.strip().lower()]
            raise UnknownNameError("emotion", key, self.classes_, context="this editor")
        return key

    def _check_dim(self, x: np.ndarray, what: str = "input") -> None:
        if x.ndim not in (1, 2) or x.shape[-1] != self.n_features_in_:
            raise ValueError(f"{what} must have {self.n_features_in_} features per row (the "
                             f"editor's dimension), got shape {x.shape}")

    # -- the embedding space --------------------------------------------------------------------
    @property
    def embedding_space(self) -> str:
        """The name of the space the directions live in, e.g. ``egemaps-standardised``."""
        return {"global": f"{self.space}-standardised",
                "speaker": f"{self.space}-speaker-standardised", "none": self.space}[
            self.standardise]

    def _stats(self, X: np.ndarray, speakers: Iterable[Hashable] | None, *,
               allow_unseen: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Per-row (mean, scale) used to standardise `X` (2-D)."""
        n = len(X)
        if self.standardise == "none":
            return np.zeros((n, X.shape[1])), np.ones((n, X.shape[1]))
        if self.standardise == "global":
            return np.broadcast_to(self.mean_, X.shape), np.broadcast_to(self.scale_, X.shape)
        if speakers is None:
            raise ValueError('this editor standardises per speaker: pass `speakers` '
                             '(one id per row)')
        spk = np.array([str(s) for s in speakers], dtype=object)
        if len(spk) != n:
            raise ValueError(f"{len(spk)} speaker ids for {n} rows")
        mu, sd = np.empty_like(X), np.empty_like(X)
        for s in dict.fromkeys(spk.tolist()):
            rows = spk == s
            if s in self.speaker_stats_:
                m, v = self.speaker_stats_[s]
            else:  # unseen speaker: its own rows (transductive per-speaker normalisation)
                if not allow_unseen:
                    raise ValueError(f"speaker {s!r} was not seen in fit: pass `reference`, "
                                     "the native rows it was standardised with")
                if rows.sum() < 2:
                    raise ValueError(f"speaker {s!r} was not seen in fit and has only one row "
                                     "here: per-speaker statistics need several utterances")
                m, v = X[rows].mean(axis=0), _scale(X[rows].std(axis=0))
            mu[rows], sd[rows] = m, v
        return mu, sd

    def embed(self, X: Any, speakers: Iterable[Hashable] | None = None) -> np.ndarray:
        """Native features (n, d) or (d,) -> the embedding space the directions live in."""
        if not hasattr(self, "n_features_in_"):
            self._check_fitted()
        x = np.asarray(X, dtype=np.float64)
        self._check_dim(x)
        X2 = np.atleast_2d(x)
        mu, sd = self._stats(X2, speakers)
        Z = (X2 - mu) / sd
        return Z[0] if x.ndim == 1 else Z

    def to_native(self, Z: Any, speakers: Iterable[Hashable] | None = None, *,
                  reference: Any = None) -> np.ndarray:
        """The inverse of `embed`. For an unseen speaker pass `reference`: that speaker's native
        rows the statistics were taken from (as given to `embed`)."""
        self._check_fitted()
        z = np.asarray(Z, dtype=np.float64)
        self._check_dim(z)
        Z2 = np.atleast_2d(z)
        base = Z2 if reference is None else np.asarray(reference, dtype=np.float64)
        mu, sd = self._stats(np.atleast_2d(base), speakers, allow_unseen=reference is not None)
        if mu.shape != Z2.shape:
            raise ValueError(f"reference rows {mu.shape} do not match Z {Z2.shape}")
        X = Z2 * sd + mu
        return X[0] if z.ndim == 1 else X

    # -- directions and edits -------------------------------------------------------------------
    def direction(self, source: Any, target: Any) -> Direction:
        """``mu_target - mu_source`` as a `Direction` in `embedding_space`."""
        s, t = self._emotion(source), self._emotion(target)
        return Direction.between(self.means_[s], self.means_[t], name=f"{s}->{t}",
                                 space=self.embedding_space,
                                 meta={"source": s, "target": t, "centres": self.means})

    def directions(self) -> dict[tuple[str, str], Direction]:
        """Every ordered pair of distinct emotions -> its `Direction`."""
        self._check_fitted()
        return {(s, t): self.direction(s, t) for s in self.classes_ for t in self.classes_
                if s != t}

    def edit(self, e: Any, source: Any, target: Any, intensity: Any = 1.0) -> np.ndarray:
        """``e + intensity * (mu_target - mu_source)`` in the embedding space; `e` is (d,) or
        (n, d), `intensity` a number in [0, 1] or one per row. ``intensity=0`` returns `e`."""
        d = self.direction(source, target)
        e = np.asarray(e, dtype=np.float64)
        self._check_dim(e, "e")
        i = _check_intensity(intensity)
        if i.ndim == 0:
            return d.interpolate(e, float(i))
        if e.ndim != 2 or i.shape != (len(e),):
            raise ValueError(f"per-row intensities need shape ({len(e)},) for e of shape "
                             f"{e.shape}, got {i.shape}")
        return d.shift(e, i)

    def transform(self, X: Any, source: Any, target: Any, intensity: Any = 1.0,
                  speakers: Iterable[Hashable] | None = None) -> np.ndarray:
        """Edit native features: embed, move by ``intensity`` along source -> target, map back."""
        spk = None if speakers is None else list(speakers)
        X = np.asarray(X, dtype=np.float64)
        Z = self.edit(self.embed(X, spk), source, target, intensity)
        return self.to_native(Z, spk, reference=X)

    # -- persistence ----------------------------------------------------------------------------
    def set_params(self, **params: Any) -> EmotionEditor:
        """Change hyper-parameters (scikit-learn protocol); refit afterwards."""
        valid = self.get_params(deep=False)
        for k in params:
            if k not in valid:
                raise UnknownNameError("parameter", k, valid, context="EmotionEditor")
        return super().set_params(**params)

    def _json_params(self) -> dict[str, Any]:
        """The hyper-parameters as JSON values (feature names as a list)."""
        params = self.get_params(deep=False)
        if params["feature_names"] is not None:
            params["feature_names"] = [str(n) for n in params["feature_names"]]
        return params

    def save(self, path: str | os.PathLike[str], *, meta: Mapping[str, Any] | None = None
             ) -> Path:
        """Write ``editor.safetensors`` (float64 arrays), then the manifest ``affectlab.json``
        (options, classes, speakers, `meta`) into folder `path`; `EmotionEditor.load(path)`
        reloads it."""
        from affectlab.core.files import save_arrays
        from affectlab.core.manifest import write_manifest

        self._check_fitted()
        speakers = list(self.speaker_stats_)
        arrays = {"means": np.stack([self.means_[c] for c in self.classes_]),
                  "mean": self.mean_, "scale": self.scale_}
        if speakers:
            arrays["speaker_mean"] = np.stack([self.speaker_stats_[s][0] for s in speakers])
            arrays["speaker_scale"] = np.stack([self.speaker_stats_[s][1] for s in speakers])
        for c, g in self.gmms_.items():
            arrays[f"gmm_weights/{c}"] = g["weights"]
            arrays[f"gmm_means/{c}"] = g["means"]
        manifest = Manifest(
            kind=KIND, format_version=FORMAT_VERSION, labels=list(self.classes_),
            backbone=self.space,
            training={"n_samples": self.n_samples_, "speakers": speakers},
            config={"params": self._json_params(), "embedding_space": self.embedding_space,
                    "feature_names": list(self.feature_names_), "meta": dict(meta or {})},
            files=[EDITOR_WEIGHTS])
        json.dumps(manifest.to_dict(), allow_nan=False)  # fails before anything is written
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        save_arrays(arrays, out / EDITOR_WEIGHTS, dtype=np.float64)
        write_manifest(out, manifest)
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EmotionEditor:
        """Reload an editor written by `save` (one call); older folders (``editor.json`` +
        ``editor.npz``) load too."""
        from affectlab.core.manifest import read_manifest

        folder = Path(path)
        m = read_manifest(folder, KIND, max_version=FORMAT_VERSION, what="emotion editor",
                          legacy={EDITOR_JSON: _from_legacy})
        arrays = _read_arrays(folder / (m.files[0] if m.files else EDITOR_WEIGHTS))
        config = m.config
        ed = cls(**config["params"])
        ed.classes_ = list(m.labels or [])
        ed.feature_names_ = list(config["feature_names"])
        ed.n_samples_ = dict(m.training.get("n_samples", {}))
        ed.mean_, ed.scale_ = arrays["mean"], arrays["scale"]
        ed.n_features_in_ = int(ed.mean_.shape[0])
        ed.means_ = {c: arrays["means"][k] for k, c in enumerate(ed.classes_)}
        ed.speaker_stats_ = {s: (arrays["speaker_mean"][k], arrays["speaker_scale"][k])
                             for k, s in enumerate(m.training.get("speakers", []))}
        ed.gmms_ = {c: {"weights": arrays[f"gmm_weights/{c}"], "means": arrays[f"gmm_means/{c}"]}
                    for c in ed.classes_ if f"gmm_weights/{c}" in arrays}
        ed.meta_ = dict(config.get("meta", {}))
        return ed


def _read_arrays(file: Path) -> dict[str, np.ndarray]:
    """The editor's arrays from safetensors, or from the numpy archive older versions wrote."""
    if file.suffix == ".npz":
        with np.load(file, allow_pickle=False) as npz:
            return {k.replace("__", "/"): npz[k] for k in npz.files}
    from affectlab.core.files import load_arrays

    return load_arrays(file)


def _from_legacy(folder: Path, info: dict[str, Any]) -> Manifest:
    """The manifest of an editor saved before `affectlab.json` (``editor.json`` + ``.npz``)."""
    if info.get("kind") != LEGACY_KIND:
        raise ManifestError(f"{folder / EDITOR_JSON} holds {info.get('kind')!r}, not an "
                            "EmotionEditor")
    version = int(info.get("format", 1))
    if version > FORMAT_VERSION:  # read_manifest says which version, and to upgrade
        return Manifest(kind=KIND, format_version=version)
    missing = [k for k in ("params", "classes", "feature_names") if k not in info]
    if missing:
        raise ManifestError(f"{folder / EDITOR_JSON} lacks {', '.join(missing)}")
    return Manifest(
        kind=KIND, format_version=version, labels=list(info["classes"]),
        backbone=info["params"].get("space"),
        training={"n_samples": info.get("n_samples", {}), "speakers": info.get("speakers", [])},
        config={"params": info["params"], "embedding_space": info.get("embedding_space"),
                "feature_names": info["feature_names"], "meta": info.get("meta", {})},
        files=[EDITOR_NPZ])


load_editor = EmotionEditor.load


# -- evaluation ----------------------------------------------------------------------------------
@dataclass
class IntensityCurve:
    """Mean p(target) of a classifier over edited source utterances, per pair and intensity.

    ``p[k, j]`` is the mean probability of ``pairs[k][1]`` at ``intensities[j]`` over the
    ``n[k]`` utterances of emotion ``pairs[k][0]`` that were edited.
    """

    intensities: np.ndarray
    pairs: list[tuple[str, str]]
    p: np.ndarray
    n: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def curve(self, source: str, target: str) -> np.ndarray:
        try:
            return self.p[self.pairs.index((source, target))]
        except ValueError:
            raise UnknownNameError("pair", f"{source}->{target}",
                                   [f"{s}->{t}" for s, t in self.pairs]) from None

    @staticmethod
    def pool(curves: Sequence[IntensityCurve]) -> IntensityCurve:
        """Curves from several folds as one, each pair's mean weighted by its utterance count."""
        if not curves:
            raise ValueError("no curves to pool")
        grid = curves[0].intensities
        pairs = list(dict.fromkeys(p for c in curves for p in c.pairs))
        num = np.zeros((len(pairs), len(grid)))
        den = np.zeros(len(pairs))
        for c in curves:
            if not np.array_equal(c.intensities, grid):
                raise ValueError("curves on different intensity grids cannot be pooled")
            for k, pair in enumerate(c.pairs):
                num[pairs.index(pair)] += c.p[k] * c.n[k]
                den[pairs.index(pair)] += c.n[k]
        keep = den > 0
        return IntensityCurve(grid, [p for p, k in zip(pairs, keep, strict=True) if k],
                              num[keep] / den[keep, None], den[keep].astype(int))

    def monotonicity(self, tol: float = 0.01) -> dict[tuple[str, str], dict[str, Any]]:
        """Per pair: ``monotone`` (no step down larger than `tol`), the largest drop, Spearman
        rho between intensity and p(target), and the rise from the first to the last point."""
        from scipy.stats import spearmanr

        out = {}
        for pair, row in zip(self.pairs, self.p, strict=True):
            steps = np.diff(row)
            drop = float(max(0.0, -steps.min())) if len(steps) else 0.0
            rho = float(spearmanr(self.intensities, row).statistic) if np.ptp(row) > 0 \
                else float("nan")
            out[pair] = {"monotone": bool(drop <= tol), "max_drop": drop, "rho": rho,
                         "rise": float(row[-1] - row[0])}
        return out

    def share_monotone(self, tol: float = 0.01) -> float:
        m = self.monotonicity(tol)
        return float(np.mean([v["monotone"] for v in m.values()])) if m else float("nan")

    def to_dict(self, tol: float = 0.01) -> dict[str, Any]:
        mono = self.monotonicity(tol)
        return {"intensities": [round(float(i), 6) for i in self.intensities],
                "tolerance": tol, "share_monotone": self.share_monotone(tol),
                "pairs": [{"source": s, "target": t, "n": int(n),
                           "p_target": [round(float(v), 6) for v in row],
                           "monotone": mono[(s, t)]["monotone"],
                           "max_drop": round(mono[(s, t)]["max_drop"], 6),
                           "rho": None if not np.isfinite(mono[(s, t)]["rho"])
                           else round(mono[(s, t)]["rho"], 6)}
                          for (s, t), row, n in zip(self.pairs, self.p, self.n, strict=True)],
                "meta": self.meta}


def intensity_curve(editor: EmotionEditor, classifier: Any, X: Any, labels: Iterable[Any],
                    speakers: Iterable[Hashable] | None = None, *,
                    intensities: Sequence[float] | np.ndarray = GRID,
                    pairs: Sequence[tuple[str, str]] | None = None,
                    native: bool = True) -> IntensityCurve:
    """Edit every utterance of each source emotion towards each target and read the mean
    probability of the target under `classifier` (``predict_proba`` and ``classes_``, e.g. a
    scikit-learn pipeline trained on other speakers), at each intensity.

    `X` holds native features of the utterances to edit (they should come from neither the
    editor's nor the classifier's training data). With ``native=True`` (default) the edited
    embeddings are mapped back to native features before classification, so the classifier
    needs nothing of the editor; with ``native=False`` it reads the embedding space directly.
    """
    editor._check_fitted()
    grid = _check_intensity(np.asarray(list(intensities), dtype=np.float64))
    if grid.ndim != 1 or len(grid) < 2:
        raise ValueError("intensities must be a grid of at least two values in [0, 1]")
    X = np.asarray(X, dtype=np.float64)
    editor._check_dim(X, "X")
    y = np.array([_label(v) for v in labels], dtype=object)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but there are {len(y)} labels")
    spk = None if speakers is None else list(speakers)
    cls_classes = [str(c) for c in getattr(classifier, "classes_", [])]
    if not cls_classes:
        raise ValueError("the classifier needs `classes_` and `predict_proba` (fit it first)")
    if pairs is None:
        present = [c for c in editor.classes_ if c in set(y.tolist())]
        pairs = [(s, t) for s in present for t in editor.classes_ if s != t]
    pairs = [(editor._emotion(s), editor._emotion(t)) for s, t in pairs]
    for _, t in pairs:
        if t not in cls_classes:
            raise UnknownNameError("emotion", t, cls_classes, context="the classifier's classes")
    mu, sd = editor._stats(np.atleast_2d(X), spk)  # per-row statistics over all of X
    Z = (X - mu) / sd
    p = np.zeros((len(pairs), len(grid)))
    n = np.zeros(len(pairs), dtype=int)
    for k, (s, t) in enumerate(pairs):
        rows = np.flatnonzero(y == s)
        n[k] = len(rows)
        if not len(rows):
            p[k] = np.nan
            continue
        d = editor.direction(s, t)
        edited = np.concatenate([d.interpolate(Z[rows], float(i)) for i in grid])
        if native:
            edited = edited * np.tile(sd[rows], (len(grid), 1)) + np.tile(mu[rows], (len(grid), 1))
        prob = classifier.predict_proba(edited)[:, cls_classes.index(t)]
        p[k] = prob.reshape(len(grid), len(rows)).mean(axis=1)
    keep = n > 0
    return IntensityCurve(grid, [pr for pr, kk in zip(pairs, keep, strict=True) if kk],
                          p[keep], n[keep])


def feature_shifts(editor: EmotionEditor, source: str | None = None, target: str | None = None,
                   *, top: int = 10, intensity: float = 1.0) -> dict[str, Any]:
    """The features a direction moves most, at `intensity`.

    With `source` and `target`: that direction. With only `target`: the mean of the directions
    from every other emotion to it (``mu_t - mean_s mu_s``), i.e. what makes speech sound like
    `target`. Each row gives the shift in standardised units (``z``), in native units
    (``native``; per-speaker editors use the mean of the speakers' means and deviations), the
    native values at the source and target centres, and the feature's group; ``groups`` is the
    mean |z| over each group's features (so large groups do not win by size),
    and ``key`` reports `KEY_FEATURES` (F0 mean, loudness mean, voiced segments per second, ...)
    whatever their rank.
    """
    editor._check_fitted()
    i = float(_check_intensity(intensity))
    if target is None:
        raise ValueError("feature_shifts needs a target emotion")
    t = editor._emotion(target)
    if source is not None:
        s = editor._emotion(source)
        mu_s = editor.means_[s]
        label = f"{s}->{t}"
    else:
        others = [c for c in editor.classes_ if c != t]
        mu_s = np.mean([editor.means_[c] for c in others], axis=0)
        label = f"others->{t}"
    dz = i * (editor.means_[t] - mu_s)
    if editor.standardise == "speaker" and editor.speaker_stats_:
        ref_mu = np.mean([m for m, _ in editor.speaker_stats_.values()], axis=0)
        ref_sd = np.mean([v for _, v in editor.speaker_stats_.values()], axis=0)
    elif editor.standardise == "none":
        ref_mu, ref_sd = np.zeros_like(dz), np.ones_like(dz)
    else:
        ref_mu, ref_sd = editor.mean_, editor.scale_
    names = editor.feature_names_

    def row(j: int) -> dict[str, Any]:
        return {"feature": names[j], "group": feature_group(names[j]), "z": float(dz[j]),
                "native": float(dz[j] * ref_sd[j]),
                "native_from": float(ref_mu[j] + mu_s[j] * ref_sd[j]),
                "native_to": float(ref_mu[j] + (mu_s[j] + dz[j]) * ref_sd[j])}

    order = np.argsort(-np.abs(dz), kind="stable")[:max(0, int(top))]
    members: dict[str, list[float]] = {}
    for j, nm in enumerate(names):
        members.setdefault(feature_group(nm), []).append(float(abs(dz[j])))
    groups = {g: float(np.mean(v)) for g, v in members.items()}
    key = {g: row(names.index(f)) for g, f in KEY_FEATURES.items() if f in names}
    return {"direction": label, "intensity": i, "space": editor.embedding_space,
            "top": [row(int(j)) for j in order], "groups": groups, "key": key}
