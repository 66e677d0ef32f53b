"""`SpeechEmotionClassifier`: acoustic functionals -> emotion probabilities of any scheme.

A standardised multinomial logistic regression over one or more feature sets (eGeMAPS, ComParE,
log-mel statistics). Speech emotion depends strongly on the speaker's own voice, so the field
normalises features per speaker; the classifier therefore keeps two linear heads:

- ``speaker``: trained on features z-scored within each training speaker, used at prediction
  for every speaker group with at least `min_speaker_utterances` utterances (their own mean and
  spread are then known);
- ``global``: trained on features z-scored over the whole training set, used for single files
  and small groups.

Both heads are plain arrays, saved as safetensors beside the shared manifest (`affectlab.json`,
kind "speech.classifier"), so a saved model reloads in one call with no pickle. Folders saved by
older affectlab (`affectlab_speech_model.json`) still load.

It is a scikit-learn estimator: the hyper-parameters are stored as given, so
`sklearn.base.clone` works; the fitted state lives in attributes ending in "_".
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.errors import ManifestError, NotFittedError
from affectlab.core.files import file_sha256
from affectlab.core.manifest import MANIFEST, Manifest, check_legacy
from affectlab.ontology.label_model import SchemeLabelModel, label_rows
from affectlab.speech.audio import Audio
from affectlab.speech.features import FEATURE_SETS, check_kind, extract_many, feature_names

KIND = "speech.classifier"
#: The manifest name affectlab wrote before the shared `affectlab.json` (still read).
LEGACY_MANIFEST = "affectlab_speech_model.json"
LEGACY_FORMAT = "affectlab-speech-emotion"
WEIGHTS = "weights.safetensors"
FORMAT_VERSION = 1
HEADS = ("speaker", "global")

Inputs = np.ndarray | Sequence[Audio | str | os.PathLike[str]]


def parse_features(features: str | Sequence[str]) -> tuple[str, ...]:
    """"egemaps+logmel" or ["egemaps", "logmel"] -> ("egemaps", "logmel"), each checked."""
    parts = features.split("+") if isinstance(features, str) else list(features)
    kinds = tuple(check_kind(p) for p in parts if str(p).strip())
    if not kinds:
        raise ValueError(f"no feature set named in {features!r}; choose from {FEATURE_SETS}")
    return kinds


def speaker_standardise(X: np.ndarray, speakers: Sequence[Any]) -> np.ndarray:
    """Z-score every column within each speaker's utterances (constant columns become 0)."""
    X = np.asarray(X, dtype=np.float64)
    spk = np.asarray(speakers, dtype=object)
    if len(spk) != len(X):
        raise ValueError(f"{len(spk)} speaker ids for {len(X)} utterances")
    Z = np.empty_like(X)
    for s in _unique(spk):
        m = spk == s
        mu, sd = X[m].mean(0), X[m].std(0)
        Z[m] = (X[m] - mu) / np.where(sd > 1e-10, sd, 1.0)
    return Z


def _unique(values: np.ndarray) -> list[Any]:
    seen: dict[Any, None] = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class SpeechEmotionClassifier(SchemeLabelModel):
    """Emotion from speech: fit on sound files (or a feature matrix) and labels of a scheme."""

    multi_label = False  # one emotion per utterance (read by SchemeLabelModel)

    def __init__(self, scheme: str | None = "emodb7", features: str | Sequence[str] = "egemaps",
                 *, C: float = 0.1, min_speaker_utterances: int = 10,
                 class_weight: str | None = "balanced", max_iter: int = 5000) -> None:
        self.scheme = scheme
        self.features = features
        self.C = C
        self.min_speaker_utterances = min_speaker_utterances
        self.class_weight = class_weight
        self.max_iter = max_iter
        # typos fail here, at once; the values are kept as given (scikit-learn's clone needs it)
        parse_features(features)
        if scheme is not None:
            _scheme_name(scheme)

    @property
    def feature_sets(self) -> tuple[str, ...]:
        """The feature sets named by `features`, checked, in order: ("egemaps", "logmel")."""
        return parse_features(self.features)

    @property
    def scheme_name(self) -> str | None:
        """The canonical name of `scheme` (aliases resolved), or None."""
        return None if self.scheme is None else _scheme_name(self.scheme)

    # ---- features -------------------------------------------------------------------------
    def featurize(self, inputs: Inputs, *, progress: bool = False,
                  cache: str | os.PathLike[str] | None = None) -> np.ndarray:
        """The model's feature matrix for sound files or signals (a matrix passes through)."""
        return self._matrix(inputs, progress, cache, getattr(self, "feature_dim_", None))

    def _matrix(self, inputs: Inputs, progress: bool, cache: str | os.PathLike[str] | None,
                dim: int | None) -> np.ndarray:
        if isinstance(inputs, np.ndarray) and inputs.dtype.kind == "f":
            X = np.asarray(inputs, dtype=np.float64)
            if X.ndim != 2:
                raise ValueError(f"a feature matrix must be 2-D, got shape {X.shape}")
        else:
            if isinstance(inputs, str | os.PathLike):
                raise TypeError("give a list of files (use analyze_audio() for one file)")
            items = list(inputs)
            paths_only = all(not isinstance(i, Audio) for i in items)
            X = np.hstack([extract_many(items, k, progress=progress,
                                        cache=cache if paths_only else None)
                           for k in self.feature_sets]).astype(np.float64)
        if dim is not None and X.shape[1] != dim:
            raise ValueError(f"this model takes {dim} features "
                             f"({'+'.join(self.feature_sets)}), got {X.shape[1]}")
        if not np.isfinite(X).all():
            raise ValueError("the features hold NaN or infinite values")
        return X

    def feature_names(self) -> list[str]:
        """Column names of the model's feature matrix, "set:name"."""
        return [f"{k}:{n}" for k in self.feature_sets for n in feature_names(k)]

    # ---- estimator API --------------------------------------------------------------------
    def fit(self, inputs: Inputs, labels: Sequence[Any], speakers: Sequence[Any] | None = None,
            *, progress: bool = False, cache: str | os.PathLike[str] | None = None,
            heads: Sequence[str] = HEADS) -> SpeechEmotionClassifier:
        """Train the heads named in `heads` (the speaker head only when `speakers` is given)."""
        from sklearn.linear_model import LogisticRegression

        X = self._matrix(inputs, progress, cache, None)  # a refit may change the dimension
        rows = label_rows(list(labels))
        if len(rows) != len(X):
            raise ValueError(f"{len(rows)} labels for {len(X)} utterances")
        self.thresholds_ = {}
        self.metrics_ = {}
        self.labels_ = self._label_order(rows) if self.scheme else sorted(
            {str(r[0]) for r in rows})
        y = self._targets(rows, False)
        present = np.unique(y)
        if len(present) < 2:
            raise ValueError("training needs at least two different emotions")
        self.feature_dim_ = X.shape[1]
        unknown = set(heads) - set(HEADS)
        if unknown or not heads:
            raise ValueError(f"heads must be among {HEADS}, got {tuple(heads)}")
        views = {"global": X} if "global" in heads else {}
        if speakers is not None and "speaker" in heads:
            views["speaker"] = speaker_standardise(X, speakers)
        if not views:
            raise ValueError("the speaker head needs speakers= (one id per utterance)")
        self.heads_ = {}
        for head, V in views.items():
            mu, sd = V.mean(0), V.std(0)
            sd = np.where(sd > 1e-10, sd, 1.0)
            lr = LogisticRegression(C=float(self.C), max_iter=int(self.max_iter),
                                    class_weight=self.class_weight)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*did not converge.*")
                lr.fit((V - mu) / sd, y)
            coef = np.zeros((len(self.labels_), X.shape[1]))
            bias = np.full(len(self.labels_), -1e4)  # labels never seen stay at probability 0
            coef[lr.classes_], bias[lr.classes_] = lr.coef_, lr.intercept_
            if len(lr.classes_) == 2:  # binary LR keeps one row for the second class
                coef[lr.classes_] = np.stack([-lr.coef_[0] / 2, lr.coef_[0] / 2])
                bias[lr.classes_] = np.array([-lr.intercept_[0] / 2, lr.intercept_[0] / 2])
            self.heads_[head] = {"mean": mu, "scale": sd, "coef": coef, "bias": bias}
        return self

    @property
    def fitted(self) -> bool:
        """Whether `fit` (or `load`) has run."""
        return bool(getattr(self, "heads_", None)) and getattr(self, "labels_", None) is not None

    def __sklearn_is_fitted__(self) -> bool:
        return self.fitted

    def _require(self) -> None:
        if not self.fitted:
            raise NotFittedError(self)

    def heads_for(self, n: int, speakers: Sequence[Any] | None) -> np.ndarray:
        """Which head answers each utterance: "speaker" where its group is large enough."""
        self._require()
        use = np.full(n, "global", dtype=object)
        if speakers is None or "speaker" not in self.heads_:
            return use
        spk = np.asarray(speakers, dtype=object)
        if len(spk) != n:
            raise ValueError(f"{len(spk)} speaker ids for {n} utterances")
        for s in _unique(spk):
            m = spk == s
            if m.sum() >= int(self.min_speaker_utterances):
                use[m] = "speaker"
        return use

    def predict_proba(self, inputs: Inputs, speakers: Sequence[Any] | None = None, *,
                      progress: bool = False) -> np.ndarray:
        """(n, labels) probabilities; speaker-normalised where `speakers` groups are big enough."""
        self._require()
        X = self.featurize(inputs, progress=progress)
        return self.proba_from_features(X, speakers)

    def proba_from_features(self, X: np.ndarray, speakers: Sequence[Any] | None = None
                            ) -> np.ndarray:
        """(n, labels) probabilities from the model's feature matrix (see `featurize`)."""
        self._require()
        use = self.heads_for(len(X), speakers)
        out = np.zeros((len(X), len(self.labels_)))
        for head in HEADS:
            m = use == head
            if not m.any():
                continue
            if head not in self.heads_:
                raise ValueError(f"this model has no {head!r} head; it has {sorted(self.heads_)}")
            V = X[m]
            if head == "speaker":
                V = speaker_standardise(V, np.asarray(speakers, dtype=object)[m])
            w = self.heads_[head]
            out[m] = _softmax(((V - w["mean"]) / w["scale"]) @ w["coef"].T + w["bias"])
        return out

    def explain(self, X: np.ndarray, top: int = 3) -> list[list[tuple[str, float]]]:
        """Per utterance, the features that pushed most towards its predicted label under the
        speaker-independent head: standardised value x that label's weight, largest first
        (only positive contributions)."""
        self._require()
        w = self.heads_["global"]
        Z = (np.asarray(X, float) - w["mean"]) / w["scale"]
        k = self.proba_from_features(X).argmax(1)
        contrib = Z * np.asarray(w["coef"])[k]
        names = self.feature_names()
        return [[(names[j], float(c[j])) for j in np.argsort(-c)[:top] if c[j] > 0]
                for c in contrib]

    def predict(self, inputs: Inputs, speakers: Sequence[Any] | None = None) -> list[str]:
        """The most probable label per utterance."""
        probs = self.predict_proba(inputs, speakers)
        return [self.labels_[i] for i in probs.argmax(1)]

    def score(self, inputs: Inputs, labels: Sequence[Any],
              speakers: Sequence[Any] | None = None) -> float:
        """Unweighted average recall (UAR), the field's headline number."""
        from affectlab import metrics

        index = self._label_index()
        gold = [self.labels_[index(r[0])] for r in label_rows(list(labels))]
        return float(metrics.uar(gold, self.predict(inputs, speakers)))

    # ---- persistence ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str], *, metrics: dict[str, Any] | None = None,
             training: dict[str, Any] | None = None) -> Path:
        """Write the weights (safetensors), then the manifest `affectlab.json`, into folder
        `path`; each file is replaced atomically and the manifest goes last."""
        from affectlab.core.files import save_arrays
        from affectlab.core.manifest import write_manifest

        self._require()
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        tensors = {f"{h}.{k}": v for h, w in self.heads_.items() for k, v in w.items()}
        save_arrays(tensors, out / WEIGHTS, dtype=np.float64)
        if metrics is not None:
            self.metrics_ = metrics
        manifest = Manifest(
            kind=KIND, format_version=FORMAT_VERSION, scheme=self.scheme_name,
            labels=list(self.labels_), backbone="+".join(self.feature_sets),
            training=dict(training or {}), metrics=getattr(self, "metrics_", {}),
            config={"features": list(self.feature_sets), "feature_dim": self.feature_dim_,
                    "C": float(self.C), "min_speaker_utterances": int(self.min_speaker_utterances),
                    "class_weight": self.class_weight, "max_iter": int(self.max_iter),
                    "heads": sorted(self.heads_), "thresholds": getattr(self, "thresholds_", {}),
                    # pairs the two files: weights of one save under the manifest of another
                    "weights_sha256": file_sha256(out / WEIGHTS)},
            files=[WEIGHTS])
        write_manifest(out, manifest)
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> SpeechEmotionClassifier:
        """A saved model from folder `path`, or the shipped default (see `default_model_dir`);
        folders saved by older affectlab load too."""
        from affectlab.core.files import load_arrays
        from affectlab.core.manifest import read_manifest

        folder = default_model_dir() if path is None else Path(path)
        m = read_manifest(folder, KIND, max_version=FORMAT_VERSION, what="speech model",
                          legacy={LEGACY_MANIFEST: _from_legacy})
        c = m.config
        clf = cls(m.scheme, tuple(c["features"]), C=c["C"],
                  min_speaker_utterances=c["min_speaker_utterances"],
                  class_weight=c.get("class_weight"), max_iter=c.get("max_iter", 5000))
        weights = folder / WEIGHTS
        if c.get("weights_sha256") and file_sha256(weights) != c["weights_sha256"]:
            raise ManifestError(f"{weights} does not match the manifest of {folder} (a save was "
                                "interrupted?); save or train the model again")
        tensors = load_arrays(weights)
        clf.labels_ = list(m.labels or [])
        clf.feature_dim_ = int(c["feature_dim"])
        clf.metrics_ = dict(m.metrics)
        clf.thresholds_ = dict(c.get("thresholds", {}))
        clf.heads_ = {h: {k: tensors[f"{h}.{k}"] for k in ("mean", "scale", "coef", "bias")}
                      for h in c["heads"]}
        clf.manifest_ = m
        return clf

    def __repr__(self) -> str:
        state = "fitted" if self.fitted else "not fitted"
        return (f"SpeechEmotionClassifier(scheme={self.scheme!r}, "
                f"features={'+'.join(self.feature_sets)!r}, C={self.C}, {state})")


def _from_legacy(folder: Path, old: dict[str, Any]) -> Manifest:
    """The manifest of a folder saved before `affectlab.json` (`affectlab_speech_model.json`)."""
    newer = check_legacy(folder / LEGACY_MANIFEST, old, format_tag=LEGACY_FORMAT,
                         what="speech model", kind=KIND, max_version=FORMAT_VERSION,
                         required=("labels", "features", "feature_dim", "C", "heads",
                                   "min_speaker_utterances"))
    if newer is not None:  # read_manifest says which version, and to upgrade
        return newer
    version = int(old.get("version", 0))
    metrics = dict(old.get("metrics") or {})
    return Manifest(
        kind=KIND, format_version=version, scheme=old.get("scheme"),
        labels=list(old["labels"]), backbone="+".join(old["features"]),
        training={k: metrics[k] for k in ("corpus", "n", "vad", "trained") if k in metrics},
        metrics=metrics,
        config={"features": list(old["features"]), "feature_dim": old["feature_dim"],
                "C": old["C"], "min_speaker_utterances": old["min_speaker_utterances"],
                "class_weight": old.get("class_weight"), "max_iter": 5000,
                "heads": list(old["heads"]), "thresholds": {},
                "weights_sha256": old.get("weights_sha256")},
        files=[WEIGHTS], created=str(metrics.get("trained", "")))


def default_model_dir(features: str | None = None) -> Path:
    """The shipped EmoDB model: eGeMAPS + log-mel when openSMILE is installed, else log-mel."""
    from affectlab.speech.features import opensmile_available

    root = Path(__file__).parent / "default_model"
    if features is None:
        features = "egemaps+logmel" if opensmile_available() else "logmel"
    return root / "+".join(parse_features(features)).replace("+", "_")


def _scheme_name(name: str) -> str:
    from affectlab.ontology import get_scheme

    return get_scheme(name).name


__all__ = ["KIND", "LEGACY_MANIFEST", "MANIFEST", "WEIGHTS", "SpeechEmotionClassifier",
           "default_model_dir", "parse_features", "speaker_standardise"]
