"""Frozen feature sets for face crops, each a matrix a linear head can learn from:

- `landmarks`: geometry of the normalised 468-point mesh (a fixed subset of points around the
  brows, eyes, nose, mouth and jaw, plus the action-unit measures);
- `cnn_features`: the penultimate features of affectlab's shipped FER2013 CNN (with test-time
  views);
- `mini_xception`: log-probabilities of the `fer` package's FER2013 mini-Xception;
- `facex`: log-probabilities of the `facex` package's expression network.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from affectlab.core.errors import UnknownNameError

FEATURE_SETS = ("cnn_features", "landmarks", "mini_xception", "facex")
# brows, eyes, nose, lips, jaw line: 81 mesh points that carry expression
LANDMARK_SUBSET = (
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,  # brows
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,  # eyes
    168, 6, 197, 195, 5, 4, 1, 2, 98, 327,  # nose
    61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
    78, 81, 13, 311, 308, 402, 14, 178,  # lips
    234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288,
    361, 323, 454,  # jaw line
)  # fmt: skip


def parse_backbone(backbone: str | Sequence[str]) -> tuple[str, ...]:
    parts = backbone.split("+") if isinstance(backbone, str) else list(backbone)
    out = []
    for p in parts:
        p = str(p).strip()
        if p not in FEATURE_SETS:
            raise UnknownNameError("face feature set", p, FEATURE_SETS)
        out.append(p)
    if not out:
        raise ValueError(f"no feature set in {backbone!r}; choose from {FEATURE_SETS}")
    return tuple(out)


def landmark_features(points: np.ndarray) -> np.ndarray:
    """(n, 2 * 81 + units) normalised x, y of the expression points and the AU measures."""
    from affectlab.face.action_units import measures
    from affectlab.face.geometry import normalise

    rows = []
    for p in points:
        q = normalise(p)[list(LANDMARK_SUBSET), :2].ravel()
        rows.append(np.concatenate([q, list(measures(p).values())]))
    return np.asarray(rows, dtype=np.float64)


def _tflite_probs(name: str, faces: np.ndarray) -> np.ndarray:
    """Log-probabilities (n, 7) of a packaged FER network on (n, h, w) uint8 grayscale faces."""
    import cv2

    from affectlab.face.backends import tflite

    model = tflite(name)
    _, h, w, c = model.input_shape
    out = []
    for face in faces:
        im = cv2.resize(face, (w, h), interpolation=cv2.INTER_AREA if face.shape[0] > h
                        else cv2.INTER_LINEAR).astype(np.float32)
        if name == "mini_xception":
            x = (im / 255.0 - 0.5) * 2.0  # the fer package's preprocessing (v2)
        else:
            x = im / 255.0  # facex: the grey face repeated over 3 channels, scaled to [0, 1]
        x = np.repeat(x[None, :, :, None], c, axis=3)
        out.append(model.run(x)[0][0])
    return np.log(np.clip(np.asarray(out, dtype=np.float64), 1e-6, 1.0))


# label order of the packaged networks' outputs
MINI_XCEPTION_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
FACEX_LABELS = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")


def pretrained_fer7(name: str, faces: np.ndarray) -> np.ndarray:
    """(n, 7) probabilities of a packaged network in fer7's label order."""
    from affectlab.datasets.faces import FER_LABELS

    own = MINI_XCEPTION_LABELS if name == "mini_xception" else FACEX_LABELS
    p = np.exp(_tflite_probs(name, faces))
    return p[:, [own.index(x) for x in FER_LABELS]]


def feature_matrix(kind: str, faces: np.ndarray, points: np.ndarray | None,
                   cnn: object | None = None) -> np.ndarray:
    """One feature set for (n, 48, 48) uint8 faces (and their mesh points for `landmarks`)."""
    if kind == "landmarks":
        if points is None:
            raise ValueError("landmark features need the faces' mesh points")
        return landmark_features(points)
    if kind in ("mini_xception", "facex"):
        return np.log(np.clip(pretrained_fer7(kind, faces), 1e-6, 1.0))
    if kind == "cnn_features":
        if cnn is None:
            from affectlab.face.classifier import FaceExpressionClassifier

            cnn = FaceExpressionClassifier.load()
        return cnn.cnn_features(faces)  # type: ignore[attr-defined]
    raise UnknownNameError("face feature set", kind, FEATURE_SETS)
