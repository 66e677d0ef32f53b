"""Does the ONNX engine keep the default model's accuracy? GoEmotions test (5,427 comments),
the model's own dev-tuned thresholds, macro-F1 over the 28 labels and over Ekman-7 (mapped
through the ontology), for the torch engine, ONNX (fp32) and ONNX with int8 weights; plus the
largest probability difference from torch.

    python benchmarks/text_onnx_accuracy.py [--out docs/results/text_onnx.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_today

from affectlab.datasets import load
from affectlab.text.analyze import analyze_frame, get_model


def macro_f1(gold: list[list[str]], pred: list[list[str]], labels: list[str]) -> float:
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    mlb = MultiLabelBinarizer(classes=labels)
    return float(f1_score(mlb.fit_transform(gold), mlb.transform(pred), average="macro",
                          zero_division=0))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("docs/results/text_onnx.json"))
    a = ap.parse_args()
    df = load("goemotions", split="test")
    ek = load("goemotions", split="test", variant="ekman")
    texts = list(df["text"])
    clf = get_model()
    labels28 = list(clf.labels_)
    from affectlab.ontology import get_scheme

    labels7 = list(get_scheme("ekman7").label_names)
    rows, ref = {}, None
    for engine in ("torch", "onnx", "onnx-int8"):
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f28 = analyze_frame(texts, model=clf, engine=engine)
            f7 = analyze_frame(texts, "ekman7", model=clf, engine=engine)
        P = f28[[f"p_{x}" for x in labels28]].to_numpy(float)
        ref = P if ref is None else ref
        rows[engine] = {"macro_f1_28": macro_f1(list(df["labels"]), list(f28["labels"]),
                                                labels28),
                        "macro_f1_ekman7": macro_f1(list(ek["labels"]), list(f7["labels"]),
                                                    labels7),
                        "max_abs_prob_diff_vs_torch": float(np.nanmax(np.abs(P - ref))),
                        "seconds_both_schemes": time.perf_counter() - t}
        print(engine, {k: round(v, 4) for k, v in rows[engine].items()})
    res = {"machine": machine_today(), "texts": len(texts), "results": rows,
           "command": "python benchmarks/text_onnx_accuracy.py"}
    a.out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
