"""Fit the neutral reference of the geometric action-unit measures on FER2013 train's neutral
faces and write src/affectlab/face/data/au_reference.json (shipped).

    python benchmarks/face_au_reference.py
"""

from __future__ import annotations

import datetime as dt

from affectlab.core.files import write_json
from affectlab.datasets import load
from affectlab.face.action_units import REFERENCE_FILE, fit_reference
from affectlab.face.corpora import corpus_landmarks


def main() -> None:
    df = load("fer2013", split="train")
    neutral = df[[r[0] == "neutral" for r in df.labels]]
    pts, presence = corpus_landmarks(list(neutral.path))
    keep = presence >= 0.5
    units = fit_reference(pts[keep])
    n = int(keep.sum())
    units.pop("n_faces")
    write_json({"source": "FER2013 train (the copy's split), neutral faces with mesh "
                          f"presence >= 0.5: {n} of {len(neutral)}",
                "statistic": "median and 1.4826 x MAD of each measure",
                "created": dt.date.today().isoformat(), "units": units}, REFERENCE_FILE)
    print(f"{REFERENCE_FILE}: {n} neutral faces")


if __name__ == "__main__":
    main()
