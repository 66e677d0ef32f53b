"""A landmark motion model learned from real faces: per action unit, the displacement of the
468 mesh points that accompanies one intensity step of it, and per basic emotion, the mean
displacement of its faces from the neutral ones.

Fitted by `benchmarks/face_motion_fit.py` with `fit_motion_pairs` on pairs of one person's
expressive and neutral photos (facial_expressions), every mesh in a similarity-normalised 2D
frame (eye midpoint at the origin, eyes level, eye distance 1, y up): per point, a ridge on the
action-unit changes of the units whose region holds it (where their muscles act). Shipped as
`face/data/motion.safetensors` beside `motion.json`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.face.action_units import AUS
from affectlab.face.geometry import eye_centres

DATA = Path(__file__).parent / "data"
WEIGHTS = DATA / "motion.safetensors"
CARD = DATA / "motion.json"
FER_OF = {"joy": "happy", "sadness": "sad", "anger": "angry", "fear": "fear",
          "surprise": "surprise", "disgust": "disgust"}


def frame2d(points: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(origin, angle, eye distance) of the 2D face frame of one face's points (pixels)."""
    r, l_ = (c[:2].astype(np.float64) for c in eye_centres(points))
    d = l_ - r
    return (r + l_) / 2, float(np.arctan2(d[1], d[0])), float(np.linalg.norm(d))


def to_frame(points: np.ndarray) -> np.ndarray:
    """(n, 2) x, y of the points in the face frame (y up)."""
    o, a, s = frame2d(points)
    c, n = np.cos(a), np.sin(a)
    q = (points[:, :2] - o) @ np.array([[c, -n], [n, c]])
    return q * np.array([1.0, -1.0]) / s


def from_frame(delta: np.ndarray, points: np.ndarray) -> np.ndarray:
    """A displacement given in the face frame of `points`, in image pixels."""
    _, a, s = frame2d(points)
    c, n = np.cos(a), np.sin(a)
    return (delta * np.array([1.0, -1.0]) * s) @ np.array([[c, n], [-n, c]])


# each unit's own region (FACS: where its muscle acts), as windows on the neutral face frame
# (x across, y up; eye distance 1): (x_min, x_max, y_min, y_max, |x| at least)
REGIONS: dict[str, tuple[float, float, float, float, float]] = {
    "AU01": (-0.6, 0.6, 0.05, 2.0, 0.0), "AU02": (-2.0, 2.0, 0.05, 2.0, 0.3),
    "AU04": (-2.0, 2.0, 0.05, 2.0, 0.0), "AU05": (-2.0, 2.0, -0.25, 0.3, 0.2),
    "AU06": (-2.0, 2.0, -0.7, 0.05, 0.2), "AU07": (-2.0, 2.0, -0.25, 0.3, 0.2),
    "AU09": (-0.5, 0.5, -1.3, 0.1, 0.0), "AU10": (-0.6, 0.6, -1.4, -0.6, 0.0),
    "AU12": (-2.0, 2.0, -1.9, -0.6, 0.0), "AU15": (-2.0, 2.0, -1.9, -0.8, 0.0),
    "AU17": (-0.8, 0.8, -3.0, -1.2, 0.0), "AU20": (-2.0, 2.0, -1.9, -0.8, 0.0),
    "AU23": (-1.0, 1.0, -1.8, -0.8, 0.0), "AU25": (-1.0, 1.0, -2.0, -1.0, 0.0),
    "AU26": (-2.0, 2.0, -3.0, -1.1, 0.0),
}  # fmt: skip


def region_masks(neutral: np.ndarray) -> np.ndarray:
    """(units, 468) 0/1: whether each point lies in each unit's region of the neutral face."""
    x, y = neutral[:, 0], neutral[:, 1]
    out = np.zeros((len(AUS), len(neutral)))
    for i, u in enumerate(AUS):
        x0, x1, y0, y1, ax = REGIONS[u]
        out[i] = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1) & (np.abs(x) >= ax)
    return out


def fit_motion_pairs(offsets: np.ndarray, dz: np.ndarray, neutral: np.ndarray,
                     alpha: float = 10.0) -> np.ndarray:
    """(units, 468, 2) per-step displacements from pairs of a person's expressive and neutral
    faces: `offsets` (n, 468, 2) face-frame moves from the person's own neutral, `dz` (n, units)
    the AU intensity differences. Each point is fitted only on the units whose region holds it
    (a ridge per point), so jaw or pose changes cannot leak into a brow unit."""
    masks = region_masks(neutral)
    out = np.zeros((len(AUS), offsets.shape[1], 2))
    for j in range(offsets.shape[1]):
        use = np.flatnonzero(masks[:, j])
        if not use.size:
            continue
        A = dz[:, use]
        coef = np.linalg.solve(A.T @ A + alpha * np.eye(len(use)), A.T @ offsets[:, j, :])
        out[use, j, :] = coef
    return out.astype(np.float32)


def save_motion(model: dict[str, Any], info: dict[str, Any]) -> None:
    from affectlab.core.files import save_arrays, write_json

    arrays = {"units": model["units"], "neutral": model["neutral"]}
    arrays.update({f"mean.{k}": v for k, v in model["means"].items()})
    save_arrays(arrays, WEIGHTS, dtype=np.float32)
    write_json({"units": list(AUS), **{k: model[k] for k in ("counts", "n") if k in model},
                **info}, CARD)


@lru_cache(maxsize=1)
def load_motion() -> dict[str, Any]:
    from affectlab.core.files import load_arrays

    a = load_arrays(WEIGHTS)
    return {"units": np.asarray(a["units"], np.float64),
            "neutral": np.asarray(a["neutral"], np.float64),
            "means": {k.split(".", 1)[1]: np.asarray(v, np.float64) for k, v in a.items()
                      if k.startswith("mean.")},
            "card": json.loads(CARD.read_text(encoding="utf-8"))}


def displacement(units: dict[str, float], emotion: str | None, level: float,
                 global_weight: float = 0.5) -> np.ndarray:
    """(468, 2) face-frame displacement: the emotion's mean displacement x level (global), then
    each planned unit's own displacement in its own region (local)."""
    m = load_motion()
    out = np.zeros_like(m["neutral"])
    if emotion in m["means"]:
        out += global_weight * level * m["means"][emotion]
    for i, u in enumerate(AUS):
        a = units.get(u, 0.0)
        if a > 0:
            out += a * m["units"][i]  # zero outside the unit's own region
    return out


def describe(units: dict[str, float]) -> dict[str, Any]:
    """The expected motion of a plan, in words a person reads: per face region, the mean
    displacement (eye distances; + is up / outwards)."""
    regions = {"brows": [70, 63, 105, 66, 107, 336, 296, 334, 293, 300],
               "upper lids": [159, 158, 160, 386, 385, 387],
               "lower lids": [145, 144, 153, 374, 373, 380],
               "nose wings": [98, 327], "lip corners": [61, 291],
               "upper lip": [0, 37, 267], "lower lip": [17, 84, 314], "chin": [152, 148, 377]}
    d = displacement(units, None, 0.0)
    out = {}
    for name, ix in regions.items():
        v = d[ix]
        up = float(v[:, 1].mean())
        side = float((np.sign(to_side(ix)) * v[:, 0]).mean())
        if abs(up) > 0.003 or abs(side) > 0.003:
            out[name] = {"up": round(up, 4), "outwards": round(side, 4)}
    return out


def to_side(ix: list[int]) -> np.ndarray:
    """+1 for points on the image's right half of the neutral face, -1 on the left."""
    x = load_motion()["neutral"][ix, 0]
    return np.where(x >= 0, 1.0, -1.0)
