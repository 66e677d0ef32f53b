"""`FaceExpressionClassifier`: face crops -> expression probabilities of any scheme.

Two kinds of backbone:

- ``cnn``: affectlab's small CNN trained end to end on 48x48 grayscale faces (cross-entropy,
  optionally + the Proto-KD loss of the 5x5 valence-arousal grid), answered with test-time
  crops and mirror images;
- frozen feature sets joined by "+" (``landmarks``, ``cnn_features`` of the shipped model,
  ``mini_xception``, ``facex``; see `features`) under a standardised logistic regression.

Weights are safetensors beside the shared manifest (`affectlab.json`, kind "face.classifier").
It is a scikit-learn estimator (hyper-parameters in `__init__`, `clone` works).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.errors import ManifestError, NotFittedError
from affectlab.core.files import file_sha256
from affectlab.core.manifest import Manifest
from affectlab.face.features import parse_backbone
from affectlab.ontology.label_model import SchemeLabelModel, label_rows

KIND = "face.classifier"
WEIGHTS = "weights.safetensors"
FORMAT_VERSION = 1
DEFAULT_DIR = Path(__file__).parent / "default_model"

Faces = np.ndarray | Sequence[str | os.PathLike[str]]


def as_faces(faces: Faces) -> np.ndarray:
    """(n, 48, 48) uint8 from such an array, (n, h, w) crops, or image paths (each image one
    face crop, read as grayscale)."""
    from affectlab.face.corpora import read_gray

    if isinstance(faces, np.ndarray):
        a = faces
        if a.ndim == 4 and a.shape[-1] in (1, 3):
            a = a.mean(-1) if a.shape[-1] == 3 else a[..., 0]
        if a.ndim != 3:
            raise ValueError(f"faces must be an (n, h, w) array or a list of paths; got {a.shape}")
        if a.shape[1:] != (48, 48):
            import cv2

            a = np.stack([cv2.resize(np.asarray(f, np.float32), (48, 48),
                                     interpolation=cv2.INTER_AREA) for f in a])
        if a.dtype != np.uint8:
            a = np.clip(a * (255.0 if a.size and a.max() <= 1.0 else 1.0), 0, 255)
        return a.astype(np.uint8)
    return np.stack([read_gray(p) for p in faces]) if len(faces) else np.zeros((0, 48, 48),
                                                                                np.uint8)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


class FaceExpressionClassifier(SchemeLabelModel):
    """Emotion from face crops: fit on (n, 48, 48) faces (or crop paths) and labels of a scheme."""

    multi_label = False

    def __init__(self, scheme: str | None = "fer7", backbone: str = "cnn", *, width: int = 24,
                 epochs: int = 24, proto_weight: float = 0.5, views: int = 10, C: float = 1.0,
                 class_weight: str | None = "balanced", seed: int = 0) -> None:
        self.scheme = scheme
        self.backbone = backbone
        self.width = width
        self.epochs = epochs
        self.proto_weight = proto_weight
        self.views = views
        self.C = C
        self.class_weight = class_weight
        self.seed = seed
        if backbone != "cnn":
            parse_backbone(backbone)
        if scheme is not None:
            from affectlab.ontology import get_scheme

            get_scheme(scheme)

    @property
    def scheme_name(self) -> str | None:
        if self.scheme is None:
            return None
        from affectlab.ontology import get_scheme

        return get_scheme(self.scheme).name

    # ---- fitting --------------------------------------------------------------------------
    def fit(self, faces: Faces, labels: Sequence[Any], *, points: np.ndarray | None = None,
            dev: tuple[Faces, Sequence[Any]] | None = None, checkpoint: str | None = None,
            progress: bool = False) -> FaceExpressionClassifier:
        """Train on faces and one label each; `points` (n, 468, 3) for landmark features
        (computed from the crops when omitted); `checkpoint` makes CNN training resumable."""
        x = as_faces(faces)
        rows = label_rows(list(labels))
        if len(rows) != len(x):
            raise ValueError(f"{len(rows)} labels for {len(x)} faces")
        self.thresholds_, self.metrics_ = {}, {}
        self.labels_ = self._label_order(rows) if self.scheme else sorted({str(r[0])
                                                                           for r in rows})
        y = self._targets(rows, False)
        if len(np.unique(y)) < 2:
            raise ValueError("training needs at least two different expressions")
        if self.backbone == "cnn":
            self._fit_cnn(x, y, dev, checkpoint, progress)
        else:
            self._fit_linear(x, y, points, progress)
        return self

    def _fit_cnn(self, x: np.ndarray, y: np.ndarray, dev: Any, checkpoint: str | None,
                 progress: bool) -> None:
        from affectlab.face.prototypes import class_prototypes
        from affectlab.face.training import CNNConfig, train_cnn

        cfg = CNNConfig(width=int(self.width), epochs=int(self.epochs),
                        proto_weight=float(self.proto_weight), seed=int(self.seed))
        protos = class_prototypes(self.labels_, self.scheme_name) if self.scheme else None
        xd = yd = None
        if dev is not None:
            xd = as_faces(dev[0])
            yd = self._targets(label_rows(list(dev[1])), False)
        self.net_, self.history_ = train_cnn(x, y, len(self.labels_), cfg, prototypes=protos,
                                             x_dev=xd, y_dev=yd, checkpoint=checkpoint,
                                             progress=progress)
        self.config_ = asdict(cfg)

    def featurize(self, faces: Faces, points: np.ndarray | None = None,
                  progress: bool = False) -> np.ndarray:
        """The frozen feature matrix of a linear-head model."""
        from affectlab.face.corpora import crop_landmarks
        from affectlab.face.features import feature_matrix

        x = as_faces(faces)
        kinds = parse_backbone(self.backbone)
        if "landmarks" in kinds and points is None:
            points = crop_landmarks(x, progress=progress)
        return np.hstack([feature_matrix(k, x, points) for k in kinds])

    def _fit_linear(self, x: np.ndarray, y: np.ndarray, points: np.ndarray | None,
                    progress: bool) -> None:
        from sklearn.linear_model import LogisticRegression

        X = self.featurize(x, points, progress)
        mu, sd = X.mean(0), X.std(0)
        sd = np.where(sd > 1e-10, sd, 1.0)
        lr = LogisticRegression(C=float(self.C), max_iter=3000, class_weight=self.class_weight)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*did not converge.*")
            lr.fit((X - mu) / sd, y)
        coef = np.zeros((len(self.labels_), X.shape[1]))
        bias = np.full(len(self.labels_), -1e4)  # labels never seen stay at probability 0
        if len(lr.classes_) == 2:
            coef[lr.classes_] = np.stack([-lr.coef_[0] / 2, lr.coef_[0] / 2])
            bias[lr.classes_] = np.array([-lr.intercept_[0] / 2, lr.intercept_[0] / 2])
        else:
            coef[lr.classes_], bias[lr.classes_] = lr.coef_, lr.intercept_
        self.head_ = {"mean": mu, "scale": sd, "coef": coef, "bias": bias}

    # ---- prediction -----------------------------------------------------------------------
    @property
    def fitted(self) -> bool:
        return getattr(self, "labels_", None) is not None and (
            getattr(self, "net_", None) is not None or getattr(self, "head_", None) is not None)

    def __sklearn_is_fitted__(self) -> bool:
        return self.fitted

    def _require(self) -> None:
        if not self.fitted:
            raise NotFittedError(self)

    def predict_proba(self, faces: Faces, points: np.ndarray | None = None) -> np.ndarray:
        """(n, labels) probabilities in this model's own labels."""
        return self.proba_and_features(faces, points)[0]

    def proba_and_features(self, faces: Faces, points: np.ndarray | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities and the features the head read (the CNN's penultimate layer, or
        the linear head's feature matrix), from one pass: a face embedding for downstream
        models (say, cross-modal contrastive learning on video)."""
        self._require()
        x = as_faces(faces)
        if len(x) == 0:
            return np.zeros((0, len(self.labels_))), np.zeros((0, 0))
        if getattr(self, "net_", None) is not None:
            return self._cnn(x)
        w = self.head_
        X = self.featurize(x, points)
        return _softmax(((X - w["mean"]) / w["scale"]) @ w["coef"].T + w["bias"]), X

    def _cnn(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import torch

        from affectlab.face.cnn import predict_logits

        faces = torch.as_tensor(x, dtype=torch.float32).unsqueeze(1) / 255.0
        probs, feats = predict_logits(self.net_, faces, views=int(self.views))
        return probs.numpy().astype(np.float64), feats.numpy().astype(np.float64)

    def cnn_features(self, faces: Faces) -> np.ndarray:
        """(n, 8 x width) penultimate features of the CNN (mean over test views)."""
        self._require()
        if getattr(self, "net_", None) is None:
            raise ValueError("this model has no CNN; its backbone is " + repr(self.backbone))
        return self._cnn(as_faces(faces))[1]

    def predict(self, faces: Faces, points: np.ndarray | None = None) -> list[str]:
        probs = self.predict_proba(faces, points)
        return [self.labels_[i] for i in probs.argmax(1)]

    def score(self, faces: Faces, labels: Sequence[Any], points: np.ndarray | None = None
              ) -> float:
        """Accuracy (the field's FER2013 headline number)."""
        index = self._label_index()
        gold = np.array([index(r[0]) for r in label_rows(list(labels))])
        return float((self.predict_proba(faces, points).argmax(1) == gold).mean())

    # ---- persistence ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str], *, metrics: dict[str, Any] | None = None,
             training: dict[str, Any] | None = None) -> Path:
        """Weights (safetensors) then the manifest `affectlab.json` into folder `path`."""
        from affectlab.core.files import save_arrays
        from affectlab.core.manifest import write_manifest

        self._require()
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        if getattr(self, "net_", None) is not None:
            arrays = {k: v.detach().cpu().numpy() for k, v in self.net_.state_dict().items()
                      if v.dtype.is_floating_point}
            config = {"kind": "cnn", "cnn": getattr(self, "config_", {}),
                      "buffers": {k: int(v) for k, v in self.net_.state_dict().items()
                                  if not v.dtype.is_floating_point}}
        else:
            arrays = dict(self.head_)
            config = {"kind": "linear"}
        save_arrays(arrays, out / WEIGHTS, dtype=np.float32)
        if metrics is not None:
            self.metrics_ = metrics
        config.update({"views": int(self.views), "C": float(self.C), "width": int(self.width),
                       "epochs": int(self.epochs), "proto_weight": float(self.proto_weight),
                       "class_weight": self.class_weight, "seed": int(self.seed),
                       "weights_sha256": file_sha256(out / WEIGHTS)})
        write_manifest(out, Manifest(kind=KIND, format_version=FORMAT_VERSION,
                                     scheme=self.scheme_name, labels=list(self.labels_),
                                     backbone=self.backbone, training=dict(training or {}),
                                     metrics=getattr(self, "metrics_", {}), config=config,
                                     files=[WEIGHTS]))
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> FaceExpressionClassifier:
        """A saved model from folder `path`, or the shipped default."""
        from affectlab.core.files import load_arrays
        from affectlab.core.manifest import read_manifest

        folder = DEFAULT_DIR if path is None else Path(path)
        m = read_manifest(folder, KIND, max_version=FORMAT_VERSION, what="face model")
        c = m.config
        clf = cls(m.scheme, m.backbone, width=c["width"], epochs=c["epochs"],
                  proto_weight=c["proto_weight"], views=c["views"], C=c["C"],
                  class_weight=c.get("class_weight"), seed=c.get("seed", 0))
        weights = folder / WEIGHTS
        if file_sha256(weights) != c.get("weights_sha256"):
            raise ManifestError(f"{weights} does not match the manifest of {folder} (a save "
                                "was interrupted?); save or train the model again")
        arrays = load_arrays(weights)
        clf.labels_ = list(m.labels or [])
        clf.metrics_, clf.thresholds_ = dict(m.metrics), {}
        if c["kind"] == "cnn":
            import torch

            from affectlab.face.cnn import FaceCNN

            net = FaceCNN(len(clf.labels_), int(c["width"]))
            state = {k: torch.as_tensor(v) for k, v in arrays.items()}
            state.update({k: torch.tensor(v) for k, v in c.get("buffers", {}).items()})
            net.load_state_dict(state)
            clf.net_ = net.eval()
            clf.config_ = c.get("cnn", {})
        else:
            clf.head_ = {k: np.asarray(arrays[k], np.float64)
                         for k in ("mean", "scale", "coef", "bias")}
        clf.manifest_ = m
        return clf

    def __repr__(self) -> str:
        state = "fitted" if self.fitted else "not fitted"
        return (f"FaceExpressionClassifier(scheme={self.scheme!r}, backbone={self.backbone!r}, "
                f"{state})")


__all__ = ["DEFAULT_DIR", "KIND", "FaceExpressionClassifier", "as_faces"]
