"""Modality-pairwise contrastive learning on LIRIS-ACCEDE: the audio and the visual features of
9,800 film excerpts are the two modalities; official movie-disjoint sets. The encoders learn on
the learning and validation sets without labels; then a linear model (ridge for the values,
logistic regression for the three classes) is fitted on the learning set, its regularisation
chosen on the validation set, and scored on the test set. Against: each modality alone, early
fusion (both feature vectors concatenated), and the same encoders without the contrastive stage
(random and frozen). Encoders: 3 seeds, mean and spread.

    python benchmarks/multimodal_liris.py [--seeds 3] [--epochs 60] [--out docs/results/multimodal]

Classes: low / mid / high by tertiles of the published ranks (the MediaEval affect task's
three-class split of LIRIS-ACCEDE used its own class boundaries; tertiles are this script's).
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
from affectlab.datasets.multimodal import modality_matrix
from affectlab.multimodal.contrastive import CLIP, PairwiseContrastive, _signed_log

ALPHAS = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
CS = (0.001, 0.01, 0.1, 1.0, 10.0)


def _standard(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    t = _signed_log(train)
    m, s = t.mean(0), np.where(t.std(0) > 1e-12, t.std(0), 1)
    return [np.clip((x - m) / s, -CLIP, CLIP) for x in (t, *map(_signed_log, others))]


def evaluate(ztr, zdv, zte, sets) -> dict:
    """Ridge per dimension and logistic regression per 3-class split: alpha/C chosen on dev."""
    from scipy.stats import pearsonr
    from sklearn.linear_model import LogisticRegression, Ridge

    out = {}
    for dim in ("valence", "arousal"):
        ytr, ydv, yte = (s[dim].to_numpy() for s in sets)
        best = max(ALPHAS, key=lambda a: pearsonr(Ridge(alpha=a).fit(ztr, ytr).predict(zdv),
                                                  ydv).statistic)
        pred = Ridge(alpha=best).fit(ztr, ytr).predict(zte)
        ctr, cdv, cte = (np.digitize(s[f"{dim}_rank"].to_numpy(), [9800 / 3, 2 * 9800 / 3])
                         for s in sets)
        c_best = max(CS, key=lambda c: LogisticRegression(C=c, max_iter=3000).fit(
            ztr, ctr).score(zdv, cdv))
        acc = LogisticRegression(C=c_best, max_iter=3000).fit(ztr, ctr).score(zte, cte)
        out[dim] = {"pearson": float(pearsonr(pred, yte).statistic),
                    "mse": float(np.mean((pred - yte) ** 2)), "accuracy3": float(acc),
                    "alpha": best, "C": c_best}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--out", type=Path, default=Path("docs/results/multimodal"))
    a = ap.parse_args()
    t0 = time.time()
    df = load("liris_accede")
    sets = [df[df["split"] == s] for s in ("train", "dev", "test")]
    views = {k: [modality_matrix(s, k) for s in sets] for k in ("audio", "visual")}
    splits = (views["audio"][0].shape[1], views["visual"][0].shape[1])
    both = [np.hstack([views["audio"][i], views["visual"][i]]) for i in range(3)]
    rows = {"audio only": [evaluate(*_standard(*views["audio"]), sets)],
            "visual only": [evaluate(*_standard(*views["visual"]), sets)],
            "early fusion (both, concatenated)": [evaluate(*_standard(*both), sets)]}
    unlabeled = np.vstack([both[0], both[1]])
    curves, aligned = [], {"contrastive": [], "random": []}
    for seed in range(a.seeds):
        for name, pre in (("encoders without the contrastive stage (random, frozen)", False),
                          ("pairwise contrastive encoders (frozen)", True)):
            enc = PairwiseContrastive(splits=splits, epochs=a.epochs, pretrain=pre, seed=seed,
                                      progress=True).fit(unlabeled)
            z = [enc.transform(x) for x in both]
            rows.setdefault(name, []).append(evaluate(*_standard(*z), sets))
            aligned["contrastive" if pre else "random"].append(enc.alignment(both[2]))
            if pre:
                curves.append(enc.loss_curve_)
    table = {}
    for name, runs in rows.items():
        table[name] = {dim: {k: [float(np.mean([r[dim][k] for r in runs])),
                                 float(np.std([r[dim][k] for r in runs]))]
                             for k in ("pearson", "mse", "accuracy3")}
                       for dim in ("valence", "arousal")}
    res = {"machine": machine(), "sets": {s: len(x) for s, x in zip(("train", "dev", "test"),
                                                                     sets, strict=True)},
           "features": {"audio": splits[0], "visual": splits[1]}, "seeds": a.seeds,
           "epochs": a.epochs, "results": table,
           "test_retrieval_top1": {k: [float(np.mean(v)), float(np.std(v))]
                                   for k, v in aligned.items()},
           "chance_retrieval": 1 / len(sets[2]), "loss_curves": curves,
           "seconds": time.time() - t0,
           "command": f"python benchmarks/multimodal_liris.py --seeds {a.seeds} "
                      f"--epochs {a.epochs}"}
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "multimodal_liris.json").write_text(json.dumps(res, indent=1))
    print("| features | valence r | valence MSE | valence acc3 | arousal r | arousal MSE | "
          "arousal acc3 |")
    for name, t in table.items():
        cells = [f"{t[d][k][0]:.3f}" + (f" ± {t[d][k][1]:.3f}" if t[d][k][1] else "")
                 for d in ("valence", "arousal") for k in ("pearson", "mse", "accuracy3")]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"test retrieval top-1 (audio -> visual): {res['test_retrieval_top1']}, chance "
          f"{res['chance_retrieval']:.5f}; {res['seconds']:.0f} s")


if __name__ == "__main__":
    main()
