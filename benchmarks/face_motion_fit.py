"""Fit the landmark motion model on pairs of one person's expressive and neutral photos
(facial_expressions: LFW people with both), leaving out the people the editing benchmark
draws on, and write src/affectlab/face/data/motion.safetensors and motion.json.

    python benchmarks/face_motion_fit.py
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from affectlab.datasets import load
from affectlab.face.action_units import AUS, measure_matrix, reference
from affectlab.face.motion import FER_OF, WEIGHTS, fit_motion_pairs, save_motion, to_frame


def main() -> None:
    from face_edit import neutral_faces
    from face_expression import wild_crops

    df = load("facial_expressions")
    _, pts, found, _ = wild_crops(list(df.path))
    held_out = {load("facial_expressions").set_index("path").loc[p, "subject"]
                for p, *_ in neutral_faces(20)}
    labels = np.array([r[0] for r in df.labels])
    people = np.array(df.subject)
    ref = reference()
    z = (measure_matrix(pts) - [ref[u]["median"] for u in AUS]) / (
        2 * np.array([ref[u]["spread"] for u in AUS]))
    offsets, dz, emo, neutrals = [], [], [], []
    for person in sorted(set(people) - held_out):
        idx = np.flatnonzero((people == person) & found)
        neu = [i for i in idx if labels[i] == "neutral"]
        exp = [i for i in idx if labels[i] != "neutral"]
        if not neu or not exp:
            continue
        q0 = np.mean([to_frame(pts[i]) for i in neu], 0)
        neutrals.append(q0)
        for i in exp:
            offsets.append(to_frame(pts[i]) - q0)
            dz.append(z[i] - z[neu].mean(0))
            emo.append(labels[i])
    offsets, dz, emo = np.stack(offsets), np.stack(dz), np.array(emo)
    neutral = np.mean(neutrals, 0)
    units = fit_motion_pairs(offsets, dz, neutral, alpha=300.0)
    names = {"happiness": "joy", "sadness": "sadness", "anger": "anger", "fear": "fear",
             "surprise": "surprise", "disgust": "disgust"}
    means = {names[e]: offsets[emo == e].mean(0).astype(np.float32) for e in names
             if (emo == e).sum() >= 3}
    for e in FER_OF:
        means.setdefault(e, np.zeros_like(neutral, dtype=np.float32))
    reach = corpus_reach(units, means, offsets, emo, names)
    save_motion({"units": units, "neutral": neutral.astype(np.float32), "means": means,
                 "n": len(offsets)},
                {"source": f"facial_expressions: {len(offsets)} expressive photos against the "
                           f"same person's neutral photos, {len(neutrals)} people; the 20 "
                           "people of the editing benchmark left out",
                 "fit": "per point, a ridge (alpha 300) on the AU intensity differences of the "
                        "units whose region holds the point",
                 "corpus_reach": reach,
                 "corpus_reach_means": "per emotion, how far the fitting corpus's own "
                                       "expressive faces of that emotion go along its planned "
                                       "motion at intensity 1 (90th percentile of the "
                                       "projection; 1 = as far as the plan)",
                 "created": dt.date.today().isoformat()})
    print("corpus reach: " + ", ".join(f"{k} {v:.2f}" for k, v in reach.items()))
    mags = np.linalg.norm(units, axis=2).max(1)
    print(f"{WEIGHTS}: {len(offsets)} pairs; largest move per step "
          + ", ".join(f"{u} {m:.3f}" for u, m in zip(AUS, mags, strict=True)))


def corpus_reach(units: np.ndarray, means: dict[str, np.ndarray], offsets: np.ndarray,
                 emo: np.ndarray, names: dict[str, str]) -> dict[str, float]:
    """How far real expressive faces go along each emotion's planned motion: the projection of
    every pair's offset on the plan at intensity 1, 90th percentile (1 = as far as the plan)."""
    from affectlab.face.plan import plan

    reach = {}
    for label, e in names.items():
        sel = emo == label
        if sel.sum() < 3:
            continue
        planned = plan(e, intensity=1.0).units
        d = 0.5 * means[e] + sum(a * units[list(AUS).index(u)] for u, a in planned.items())
        c = (offsets[sel] * d).sum((1, 2)) / float((d * d).sum())
        reach[e] = float(np.percentile(c, 90))
    return {k: round(v, 3) for k, v in reach.items()}


if __name__ == "__main__":
    main()
