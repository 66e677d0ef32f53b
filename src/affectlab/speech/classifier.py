"""`SpeechEmotionClassifier`: acoustic functionals -> emotion probabilities of any scheme.

A standardised multinomial logistic regression over one or more feature sets (eGeMAPS, ComParE,
log-mel statistics). Speech emotion depends strongly on the speaker's own voice, so the field
normalises features per speaker; the classifier therefore keeps two linear heads:

- ``speaker``: trained on features z-scored within each training speaker, used at prediction
  for every speaker group with at least `min_speaker_utterances` utterances (their own mean and
  spread are then known);
- ``global``: trained on features z-scored over the whole training set, used for single files
  and small groups.

Both heads are plain arrays, saved as safetensors beside a JSON manifest, so a saved model
reloads in one call with no pickle.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.speech.audio import Audio
from affectlab.speech.features import FEATURE_SETS, check_kind, extract_many, feature_names
from affectlab.text.labels import SchemeLabelModel, label_rows

MANIFEST = "affectlab_speech_model.json"
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

    def __init__(self, scheme: str | None = "emodb7", features: str | Sequence[str] = "egemaps",
                 *, C: float = 0.1, min_speaker_utterances: int = 10,
                 class_weight: str | None = "balanced", max_iter: int = 5000) -> None:
        self.scheme = None if scheme is None else _scheme_name(scheme)
        self.features = parse_features(features)
        self.C = float(C)
        self.min_speaker_utterances = int(min_speaker_utterances)
        self.class_weight = class_weight
        self.max_iter = int(max_iter)
        self.multi_label = False
        self.labels_: list[str] | None = None
        self.thresholds_: dict[str, dict[str, float]] = {}
        self.heads_: dict[str, dict[str, np.ndarray]] = {}
        self.feature_dim_: int | None = None
        self.metrics_: dict[str, Any] = {}

    # ---- features -------------------------------------------------------------------------
    def featurize(self, inputs: Inputs, *, progress: bool = False,
                  cache: str | os.PathLike[str] | None = None) -> np.ndarray:
        """The model's feature matrix for sound files or signals (a matrix passes through)."""
        if isinstance(inputs, np.ndarray) and inputs.dtype.kind == "f":
            X = np.asarray(inputs, dtype=np.float64)
            if X.ndim != 2:
                raise ValueError(f"a feature matrix must be 2-D, got shape {X.shape}")
        else:
            items = list(inputs)
            if isinstance(inputs, str | os.PathLike):
                raise TypeError("give a list of files (use analyze_audio() for one file)")
            paths_only = all(not isinstance(i, Audio) for i in items)
            X = np.hstack([extract_many(items, k, progress=progress,
                                        cache=cache if paths_only else None)
                           for k in self.features]).astype(np.float64)
        if self.feature_dim_ is not None and X.shape[1] != self.feature_dim_:
            raise ValueError(f"this model takes {self.feature_dim_} features "
                             f"({'+'.join(self.features)}), got {X.shape[1]}")
        if not np.isfinite(X).all():
            raise ValueError("the features hold NaN or infinite values")
        return X

    def feature_names(self) -> list[str]:
        return [f"{k}:{n}" for k in self.features for n in feature_names(k)]

    # ---- estimator API --------------------------------------------------------------------
    def fit(self, inputs: Inputs, labels: Sequence[Any], speakers: Sequence[Any] | None = None,
            *, progress: bool = False, cache: str | os.PathLike[str] | None = None,
            heads: Sequence[str] = HEADS) -> SpeechEmotionClassifier:
        """Train the heads named in `heads` (the speaker head only when `speakers` is given)."""
        from sklearn.linear_model import LogisticRegression

        X = self.featurize(inputs, progress=progress, cache=cache)
        rows = label_rows(list(labels))
        if len(rows) != len(X):
            raise ValueError(f"{len(rows)} labels for {len(X)} utterances")
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
            lr = LogisticRegression(C=self.C, max_iter=self.max_iter,
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

    def _require(self) -> None:
        if not self.heads_ or self.labels_ is None:
            raise RuntimeError("this SpeechEmotionClassifier is not fitted; call fit() or load()")

    def heads_for(self, n: int, speakers: Sequence[Any] | None) -> np.ndarray:
        """Which head answers each utterance: "speaker" where its group is large enough."""
        use = np.full(n, "global", dtype=object)
        if speakers is None or "speaker" not in self.heads_:
            return use
        spk = np.asarray(speakers, dtype=object)
        if len(spk) != n:
            raise ValueError(f"{len(spk)} speaker ids for {n} utterances")
        for s in _unique(spk):
            m = spk == s
            if m.sum() >= self.min_speaker_utterances:
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

    def predict(self, inputs: Inputs, speakers: Sequence[Any] | None = None) -> list[str]:
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
    def save(self, path: str | os.PathLike[str], *, metrics: dict[str, Any] | None = None
             ) -> Path:
        """Write the manifest and weights into folder `path` (each file replaced atomically)."""
        from safetensors.numpy import save_file

        self._require()
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        tensors = {f"{h}.{k}": np.ascontiguousarray(v, dtype=np.float64)
                   for h, w in self.heads_.items() for k, v in w.items()}
        tmp = out / (WEIGHTS + ".tmp")
        save_file(tensors, str(tmp))
        digest = _sha256(tmp)
        os.replace(tmp, out / WEIGHTS)
        if metrics is not None:
            self.metrics_ = metrics
        manifest = {
            "format": "affectlab-speech-emotion", "version": FORMAT_VERSION,
            "scheme": self.scheme, "labels": self.labels_, "features": list(self.features),
            "feature_dim": self.feature_dim_, "C": self.C, "heads": sorted(self.heads_),
            "min_speaker_utterances": self.min_speaker_utterances,
            "class_weight": self.class_weight, "metrics": self.metrics_,
            "weights_sha256": digest,  # pairs the two files: a save cut between them is caught
        }
        tmp = out / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, out / MANIFEST)
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> SpeechEmotionClassifier:
        """A saved model from folder `path`, or the shipped default (see `default_model_dir`)."""
        from safetensors.numpy import load_file

        folder = default_model_dir() if path is None else Path(path)
        manifest_path = folder / MANIFEST
        if not manifest_path.exists():
            raise FileNotFoundError(f"no affectlab speech model in {folder} "
                                    f"(expected {MANIFEST} and {WEIGHTS})")
        m = json.loads(manifest_path.read_text(encoding="utf-8"))
        if m.get("format") != "affectlab-speech-emotion" or m.get("version") != FORMAT_VERSION:
            raise ValueError(f"{manifest_path} is not a version-{FORMAT_VERSION} affectlab "
                             "speech model")
        clf = cls(m["scheme"], m["features"], C=m["C"],
                  min_speaker_utterances=m["min_speaker_utterances"],
                  class_weight=m.get("class_weight"))
        clf.labels_ = list(m["labels"])
        clf.feature_dim_ = int(m["feature_dim"])
        clf.metrics_ = m.get("metrics", {})
        weights = folder / WEIGHTS
        if not weights.exists():
            raise FileNotFoundError(f"{folder} has a manifest but no {WEIGHTS}")
        if m.get("weights_sha256") and _sha256(weights) != m["weights_sha256"]:
            raise ValueError(f"{weights} does not match {MANIFEST} (a save was interrupted?); "
                             "save or train the model again")
        tensors = load_file(str(weights))
        clf.heads_ = {h: {k: tensors[f"{h}.{k}"] for k in ("mean", "scale", "coef", "bias")}
                      for h in m["heads"]}
        return clf

    def __repr__(self) -> str:
        state = "fitted" if self.heads_ else "not fitted"
        return (f"SpeechEmotionClassifier(scheme={self.scheme!r}, "
                f"features={'+'.join(self.features)!r}, C={self.C}, {state})")


def default_model_dir(features: str | None = None) -> Path:
    """The shipped EmoDB model: eGeMAPS + log-mel when openSMILE is installed, else log-mel."""
    from affectlab.speech.features import opensmile_available

    root = Path(__file__).parent / "default_model"
    if features is None:
        features = "egemaps+logmel" if opensmile_available() else "logmel"
    return root / "+".join(parse_features(features)).replace("+", "_")


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _scheme_name(name: str) -> str:
    from affectlab.ontology import get_scheme

    return get_scheme(name).name


__all__ = ["SpeechEmotionClassifier", "default_model_dir", "parse_features",
           "speaker_standardise"]
