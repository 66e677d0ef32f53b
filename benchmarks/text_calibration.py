"""Calibration of the shipped text model: one temperature fitted on GoEmotions dev (the 28
sigmoids' logits, negative log-likelihood), then the expected calibration error (15 bins)
before and after, per corpus: GoEmotions test (multi-label: every label's probability against
its presence), and, single-label, CARER, TweetEval, MELD and ISEAR (a 2,000-item sample) with
the probabilities mapped to each corpus's scheme through the ontology and renormalised.

    python benchmarks/text_calibration.py [--out docs/results/text_calibration.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_today

from affectlab.datasets import info, load
from affectlab.metrics import expected_calibration_error, fit_temperature
from affectlab.ontology import map_proba
from affectlab.text.analyze import analyze_frame, get_model


def logits_of(texts: list[str], clf) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = analyze_frame(texts, model=clf)
    p = f[[f"p_{x}" for x in clf.labels_]].to_numpy(float)
    p = np.clip(np.nan_to_num(p, nan=0.5), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("docs/results/text_calibration.json"))
    a = ap.parse_args()
    clf = get_model()
    labels = list(clf.labels_)
    dev = load("goemotions", split="dev")
    Y = lambda df: np.array([[x in row for x in labels] for row in df["labels"]], int)
    T = fit_temperature(logits_of(list(dev["text"]), clf), Y(dev), multilabel=True)
    sig = lambda z, t: 1 / (1 + np.exp(-z / t))
    test = load("goemotions", split="test")
    zt = logits_of(list(test["text"]), clf)
    rows = {"goemotions (28, multi-label)": {
        "before": expected_calibration_error(sig(zt, 1.0), Y(test), multilabel=True),
        "after": expected_calibration_error(sig(zt, T), Y(test), multilabel=True),
        "items": len(test)}}
    rng = np.random.default_rng(0)
    for name in ("carer", "tweeteval", "meld", "isear"):
        df = load(name, split=None if name == "isear" else "test")
        if len(df) > 2000:
            df = df.iloc[np.sort(rng.choice(len(df), 2000, replace=False))]
        scheme = info(name).scheme
        z = logits_of(list(df["text"]), clf)
        res = {}
        for tag, t in (("before", 1.0), ("after", T)):
            mapped = map_proba(sig(z, t), clf.scheme, scheme)
            P = np.asarray(mapped.probs, float)
            keep = P.sum(1) > 0
            P = P[keep] / P[keep].sum(1, keepdims=True)
            names = list(mapped.labels)
            gold = [row[0] for row in df["labels"]]
            ok = np.array([g in names for g in gold])[keep]
            y = np.array([names.index(g) if g in names else -1 for g in gold])[keep]
            res[tag] = expected_calibration_error(P[ok], y[ok])
            res["items"] = int(ok.sum())
            res["accuracy"] = float((P[ok].argmax(1) == y[ok]).mean())
        rows[f"{name} ({scheme})"] = res
    out = {"machine": machine_today(), "temperature": T, "fitted_on": "goemotions dev",
           "bins": 15, "results": rows, "command": "python benchmarks/text_calibration.py"}
    a.out.write_text(json.dumps(out, indent=1))
    print(f"temperature fitted on GoEmotions dev: {T:.3f}")
    print("| corpus | items | ECE before | ECE after |")
    for k, r in rows.items():
        print(f"| {k} | {r['items']} | {r['before']:.3f} | {r['after']:.3f} |")


if __name__ == "__main__":
    main()
