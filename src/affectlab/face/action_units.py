"""Action-unit intensities estimated from landmark geometry (FACS, Ekman & Friesen).

Each unit has one geometric measure in the normalised face frame (frontal, level, eye distance
1; see `geometry`), chosen from the muscle's visible effect: AU12 pulls the lip corners up and
out, AU26 lowers the jaw, and so on. A measure becomes an intensity on FACS's 0-5 scale as its
distance from a neutral reference in reference standard deviations (clipped at 0 and 5). The
reference (mean and spread of every measure on neutral faces) is fitted by `fit_reference` and
shipped in `face/data/au_reference.json`. These are geometric estimates, not FACS coding by a
trained coder: units without a landmark trace (AU14 dimpler, AU28 lip suck) are not offered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from affectlab.face.geometry import normalise

AUS: dict[str, str] = {
    "AU01": "inner brow raiser", "AU02": "outer brow raiser", "AU04": "brow lowerer",
    "AU05": "upper lid raiser", "AU06": "cheek raiser", "AU07": "lid tightener",
    "AU09": "nose wrinkler", "AU10": "upper lip raiser", "AU12": "lip corner puller",
    "AU15": "lip corner depressor", "AU17": "chin raiser", "AU20": "lip stretcher",
    "AU23": "lip tightener", "AU25": "lips part", "AU26": "jaw drop",
}  # fmt: skip
REFERENCE_FILE = Path(__file__).parent / "data" / "au_reference.json"

# landmark indices (mediapipe face mesh); R = the person's right side
_BROW_INNER = (107, 55, 336, 285)
_BROW_OUTER = (70, 46, 300, 276)
_BROW_MID = (105, 66, 334, 296)
_EYE_INNER = (133, 362)
_EYE_OUTER = (33, 263)
_UPPER_LID = (159, 386)
_LOWER_LID = (145, 374)
_CHEEK = (205, 425, 50, 280)
_ALA = (98, 327)
_MOUTH_CORNERS = (61, 291)
_UPPER_LIP_OUT, _UPPER_LIP_IN, _LOWER_LIP_IN, _LOWER_LIP_OUT = 0, 13, 14, 17
_NOSE_TIP, _NOSE_BASE, _CHIN = 1, 2, 152


def measures(points: np.ndarray) -> dict[str, float]:
    """The raw geometric measure of each unit (larger = more of the unit) for one face."""
    p = normalise(points)
    y = p[:, 1]

    def mean_y(ix: Sequence[int]) -> float:
        return float(y[list(ix)].mean())

    eye_line = mean_y(_EYE_INNER + _EYE_OUTER)
    inner_brow = mean_y(_BROW_INNER) - mean_y(_EYE_INNER)
    outer_brow = mean_y(_BROW_OUTER) - mean_y(_EYE_OUTER)
    brow_gap = float(abs(p[107, 0] - p[336, 0]) + abs(p[55, 0] - p[285, 0])) / 2
    upper_lid = mean_y(_UPPER_LID) - mean_y(_EYE_INNER + _EYE_OUTER)
    lower_lid = mean_y(_LOWER_LID) - eye_line
    aperture = mean_y(_UPPER_LID) - mean_y(_LOWER_LID)
    cheek = mean_y(_CHEEK) - y[_NOSE_TIP]
    ala = mean_y(_ALA) - eye_line
    lip_mid = (y[_UPPER_LIP_IN] + y[_LOWER_LIP_IN]) / 2
    corner_rise = mean_y(_MOUTH_CORNERS) - lip_mid
    width = float(abs(p[_MOUTH_CORNERS[1], 0] - p[_MOUTH_CORNERS[0], 0]))
    upper_lip = y[_UPPER_LIP_OUT] - y[_NOSE_BASE]
    lips = (y[_UPPER_LIP_OUT] - y[_UPPER_LIP_IN]) + (y[_LOWER_LIP_IN] - y[_LOWER_LIP_OUT])
    gap = y[_UPPER_LIP_IN] - y[_LOWER_LIP_IN]
    jaw = y[_NOSE_BASE] - y[_CHIN]
    chin = y[_LOWER_LIP_OUT] - y[_CHIN]
    return {
        "AU01": inner_brow,
        "AU02": outer_brow,
        "AU04": -(mean_y(_BROW_INNER + _BROW_MID) - eye_line) - 0.5 * brow_gap,
        "AU05": upper_lid,
        "AU06": lower_lid + 0.5 * cheek,
        "AU07": -aperture,
        "AU09": ala - 0.5 * (mean_y(_BROW_INNER) - eye_line),
        "AU10": upper_lip,
        "AU12": corner_rise + 0.5 * width,
        "AU15": -corner_rise,
        "AU17": -chin - 0.5 * float(max(gap, 0.0)),  # open lips lengthen the chin measure
        "AU20": width - max(0.0, corner_rise) * 2,
        "AU23": -lips,
        "AU25": float(max(gap, 0.0)),
        # the jaw's own drop is hard to see on small faces (the chin point barely moves in
        # the mesh); the mouth's opening, inner and outer lips, carries it (FER2013 dev AUC)
        "AU26": gap + (y[_UPPER_LIP_OUT] - y[_LOWER_LIP_OUT]) + 0.1 * jaw,
    }


def measure_matrix(points: Sequence[np.ndarray]) -> np.ndarray:
    """(n_faces, n_units) raw measures in the order of `AUS`."""
    return np.array([[measures(p)[k] for k in AUS] for p in points], dtype=np.float64)


def fit_reference(neutral_points: Sequence[np.ndarray]) -> dict[str, dict[str, float]]:
    """Median and robust spread (1.4826 x MAD) of every measure on neutral faces."""
    m = measure_matrix(neutral_points)
    med = np.median(m, 0)
    mad = 1.4826 * np.median(np.abs(m - med), 0)
    return {k: {"median": float(med[i]), "spread": float(max(mad[i], 1e-4))}
            for i, k in enumerate(AUS)} | {"n_faces": {"median": len(m), "spread": 0.0}}


@lru_cache(maxsize=1)
def reference() -> dict[str, dict[str, float]]:
    return json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))["units"]


def intensities(points: np.ndarray, ref: dict[str, dict[str, float]] | None = None
                ) -> dict[str, float]:
    """Intensity 0-5 per unit: how many neutral spreads the measure lies above neutral."""
    ref = reference() if ref is None else ref
    raw = measures(points)
    return {k: float(np.clip((raw[k] - ref[k]["median"]) / ref[k]["spread"] / 2, 0.0, 5.0))
            for k in AUS}
