"""Late-fusion rules on real human judgements (CREMA-D): predict what raters perceived from the
face and voice together from what other raters perceived from the voice alone and the face
alone, 7,442 clips of 91 actors, actor-wise 10-fold cross-validation for the rules that learn.

    python benchmarks/fusion_crema_d.py [--out docs/results/multimodal]

Measures: accuracy against the audio-visual majority (a tie counts every tied emotion as
right), the cross-entropy of the audio-visual vote distribution under the prediction (lower is
better), the same on the clips where the voice and face majorities disagree, and the two
single modalities as baselines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine

from affectlab.datasets import load
from affectlab.datasets.multimodal import CREMA_LABELS, vote_distributions
from affectlab.multimodal.fusion import LateFusion, fuse


def scores(pred: np.ndarray, av: np.ndarray, ties: list[set[int]], sel: np.ndarray) -> dict:
    top = pred.argmax(1)
    right = np.array([t in s for t, s in zip(top, ties, strict=True)])
    q = np.clip(pred, 1e-3, 1)
    q = q / q.sum(1, keepdims=True)
    ce = -(av * np.log(q)).sum(1)
    return {"accuracy": float(right.mean()), "cross_entropy": float(ce.mean()),
            "accuracy_discordant": float(right[sel].mean()),
            "cross_entropy_discordant": float(ce[sel].mean())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("docs/results/multimodal"))
    ap.add_argument("--folds", type=int, default=10)
    a = ap.parse_args()
    t0 = time.time()
    df = load("crema_d")
    voice, face, av = (vote_distributions(df, m) for m in ("voice", "face", "av"))
    ties = [{CREMA_LABELS.index(e) for e in v.split(":")} for v in df["av_vote"]]
    discordant = voice.argmax(1) != face.argmax(1)
    y = av.argmax(1)
    groups = df["subject"].to_numpy()
    X = np.hstack([voice, face])
    preds = {"voice only": voice, "face only": face,
             "mean": fuse([voice, face], "mean"), "product": fuse([voice, face], "product"),
             "reliability": fuse([voice, face], "reliability")}
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    learned, stacked = np.zeros_like(av), np.zeros_like(av)
    weights = []
    for train, test in GroupKFold(a.folds).split(X, y, groups):
        m = LateFusion("learned").fit(X[train], y[train])
        learned[test] = m.predict_proba(X[test])
        weights.append(m.weights_.tolist())
        lr = LogisticRegression(max_iter=2000, C=1.0).fit(X[train], y[train])
        stacked[np.ix_(test, lr.classes_)] = lr.predict_proba(X[test])
    preds["learned (log-linear pooling)"] = learned
    preds["stacked logistic regression"] = stacked
    table = {k: scores(v, av, ties, discordant) for k, v in preds.items()}
    res = {"machine": machine(), "clips": len(df), "actors": int(df["subject"].nunique()),
           "discordant_clips": int(discordant.sum()), "folds": a.folds,
           "learned_weights_voice_face": np.mean(weights, 0).tolist(), "results": table,
           "seconds": time.time() - t0,
           "command": "python benchmarks/fusion_crema_d.py"}
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "fusion_crema_d.json").write_text(json.dumps(res, indent=1))
    print(f"{len(df)} clips, {res['actors']} actors; voice and face majorities disagree on "
          f"{res['discordant_clips']}; learned weights (voice, face) "
          f"{res['learned_weights_voice_face'][0]:.2f}, {res['learned_weights_voice_face'][1]:.2f}")
    print("| rule | accuracy | cross-entropy | accuracy, discordant | cross-entropy, discordant |")
    for k, v in table.items():
        print(f"| {k} | {v['accuracy']:.3f} | {v['cross_entropy']:.3f} | "
              f"{v['accuracy_discordant']:.3f} | {v['cross_entropy_discordant']:.3f} |")


if __name__ == "__main__":
    main()
