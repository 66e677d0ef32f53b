"""Fit the landmark motion model (per action unit and per basic emotion) on FER2013 train and
write src/affectlab/face/data/motion.safetensors and motion.json (shipped).

    python benchmarks/face_motion_fit.py
"""

from __future__ import annotations

import datetime as dt

from affectlab.datasets import load
from affectlab.face.corpora import corpus_landmarks
from affectlab.face.motion import WEIGHTS, fit_motion, save_motion


def main() -> None:
    df = load("fer2013", split="train")
    pts, presence = corpus_landmarks(list(df.path))
    keep = presence >= 0.5
    labels = [r[0] for r, k in zip(df.labels, keep, strict=True) if k]
    model = fit_motion(pts[keep], labels)
    save_motion(model, {"source": "FER2013 train (the copy's split), faces with mesh presence "
                                  ">= 0.5", "frame": "eye midpoint origin, eyes level, eye "
                                  "distance 1, y up", "fit": "per unit: mean face with intensity "
                                  ">= 1.0 minus mean face with < 0.25, per intensity step, "
                                  "inside the unit's region",
                        "created": dt.date.today().isoformat()})
    print(f"{WEIGHTS}: {model['n']} faces; faces with/without each unit {model['counts']}")


if __name__ == "__main__":
    main()
