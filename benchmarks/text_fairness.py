"""Fairness of the text model on affectlab's template set (`affectlab.text.fairness`): the gap,
between groups that differ by gender or ethnicity, in the probability of the intended emotion,
and how often the top label changes when only the person changes. Ekman-7 scheme.

    python benchmarks/text_fairness.py [--engine torch] [--out docs/results/text_fairness.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_today

from affectlab.ontology import get_scheme
from affectlab.text.analyze import analyze_frame, get_model
from affectlab.text.fairness import fairness_report, template_set


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="torch")
    ap.add_argument("--model", default=None)
    ap.add_argument("--out", type=Path, default=Path("docs/results/text_fairness.json"))
    a = ap.parse_args()
    df = template_set()
    unique = list(dict.fromkeys(df["text"]))
    labels = list(get_scheme("ekman7").label_names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = analyze_frame(unique, "ekman7", model=get_model(a.model), engine=a.engine)
    P = f[[f"p_{x}" for x in labels]].to_numpy(float)
    P = P / P.sum(1, keepdims=True)  # mapped scores -> one distribution per text
    row = {t: i for i, t in enumerate(unique)}
    probs = P[[row[t] for t in df["text"]]]
    rep = fairness_report(df, probs, labels)
    res = {"machine": machine_today(), "sentences": len(df), "unique_texts": len(unique),
           "scheme": "ekman7", "model": a.model or "shipped default", "engine": a.engine,
           "report": rep, "command": "python benchmarks/text_fairness.py"}
    a.out.write_text(json.dumps(res, indent=1))
    print(f"{len(unique):,} sentences ({len(df):,} group memberships), Ekman-7")
    print("| axis | groups | mean gap in P(intended) | largest cell gap | top label changes |")
    for axis, r in rep.items():
        print(f"| {axis} | {', '.join(r['groups'])} | {r['mean_gap']:.4f} | "
              f"{r['max_cell_gap']:.3f} | {r['top_label_changes']:.3f} |")
    for axis, r in rep.items():
        print(axis, "accuracy:", {k: round(v, 3) for k, v in r["accuracy"].items()},
              "P(intended):", {k: round(v, 3) for k, v in r["mean_p_intended"].items()})


if __name__ == "__main__":
    main()
