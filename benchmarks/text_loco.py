"""Leave-one-corpus-out, the baselines: how the text models do on a corpus they never saw.

Every labelled corpus's labels go through the ontology into Ekman-7 (a label that is already
an Ekman-7 label stays itself; a row is kept when its labels map to exactly one Ekman-7 label). For each corpus in turn, it is held out and
predicted by:

- (a) the single-corpus model, the shipped default trained on GoEmotions only, answering in
  Ekman-7 (its top label). For GoEmotions itself this is in-domain: its test split.
- (b) a frozen all-MiniLM-L6-v2 with logistic regression, trained on the other corpora's rows,
  each corpus weighted equally.

Macro-F1 is taken over the classes the held-out corpus shares with the training label space.
At most 6,000 training rows and 2,000 test rows are drawn per corpus (seed 0); test rows come
from the official test split where there is one. The model trained across corpora (the goal
of this benchmark) is not built yet: this table is its "today" column.

    python benchmarks/text_loco.py [--train-cap 6000] [--test-cap 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_today

from affectlab.datasets import info, load
from affectlab.ontology import get_scheme, map_label

CORPORA = ("goemotions", "carer", "tweeteval", "isear", "meld", "emoint", "crowdflower")
EKMAN = list(get_scheme("ekman7").label_names)


def ekman(name: str, df: pd.DataFrame) -> pd.DataFrame:
    scheme = info(name).scheme
    out = []
    for text, labels, emo in zip(df["text"], df["labels"],
                                 df["emotion"] if "emotion" in df else [None] * len(df),
                                 strict=True):
        raw = [emo] if emo else list(labels)
        # a label that is itself an Ekman-7 label stays itself (Parrott's tree puts disgust
        # under anger, so "anger" alone would map to both)
        mapped = {m for lab in raw for m in ([lab] if lab in EKMAN or not scheme
                                              else map_label(lab, scheme, "ekman7"))}
        if len(mapped) == 1 and isinstance(text, str) and text.strip():
            out.append((text, next(iter(mapped))))
    return pd.DataFrame(out, columns=["text", "label"]).drop_duplicates("text")


def split(name: str, cap_train: int, cap_test: int, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    if info(name).official_split:
        tr, te = ekman(name, load(name, split="train")), ekman(name, load(name, split="test"))
    else:
        all_ = ekman(name, load(name)).sample(frac=1.0, random_state=0)
        cut = int(len(all_) * 0.8)
        tr, te = all_.iloc[:cut], all_.iloc[cut:]
    tr = tr.sample(min(cap_train, len(tr)), random_state=int(rng.integers(1 << 30)))
    te = te.sample(min(cap_test, len(te)), random_state=int(rng.integers(1 << 30)))
    return tr.reset_index(drop=True), te.reset_index(drop=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train-cap", type=int, default=6000)
    ap.add_argument("--test-cap", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=Path("docs/results/text_loco.json"))
    a = ap.parse_args()
    t0 = time.time()
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import StandardScaler

    from affectlab.text.analyze import analyze_frame, get_model
    from affectlab.text.baselines import FrozenEncoderBaseline

    rng = np.random.default_rng(0)
    data = {c: split(c, a.train_cap, a.test_cap, rng) for c in CORPORA}
    enc = FrozenEncoderBaseline(progress=True)
    emb = {c: (enc.embed(list(tr["text"])), enc.embed(list(te["text"])))
           for c, (tr, te) in data.items()}
    clf = get_model()
    rows = {}
    for held in CORPORA:
        tr_c = [c for c in CORPORA if c != held]
        X = np.vstack([emb[c][0] for c in tr_c])
        y = np.concatenate([data[c][0]["label"].to_numpy() for c in tr_c])
        w = np.concatenate([np.full(len(data[c][0]), 1.0 / len(data[c][0])) for c in tr_c])
        scaler = StandardScaler().fit(X)
        lr = LogisticRegression(max_iter=3000, C=0.1).fit(scaler.transform(X), y,
                                                          sample_weight=w * len(y) / w.sum())
        te = data[held][1]
        shared = sorted(set(te["label"]) & set(y))
        pred_b = lr.predict(scaler.transform(emb[held][1]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = analyze_frame(list(te["text"]), "ekman7", model=clf)
        P = f[[f"p_{x}" for x in EKMAN]].to_numpy(float)
        pred_a = np.array([EKMAN[i] for i in np.nan_to_num(P, nan=-1).argmax(1)])
        gold = te["label"].to_numpy()
        rows[held] = {"test_rows": len(te), "train_rows": len(y), "shared_classes": shared,
                      "single_corpus_goemotions": float(f1_score(gold, pred_a, labels=shared,
                                                                 average="macro",
                                                                 zero_division=0)),
                      "frozen_minilm_lr": float(f1_score(gold, pred_b, labels=shared,
                                                         average="macro", zero_division=0))}
        print(held, {k: (round(v, 3) if isinstance(v, float) else v) for k, v in
                     rows[held].items()})
    mean = {k: float(np.mean([r[k] for r in rows.values()])) for k in
            ("single_corpus_goemotions", "frozen_minilm_lr")}
    res = {"machine": machine_today(), "corpora": list(CORPORA), "results": rows,
           "mean": mean, "train_cap": a.train_cap, "test_cap": a.test_cap,
           "seconds": time.time() - t0,
           "command": f"python benchmarks/text_loco.py --train-cap {a.train_cap} "
                      f"--test-cap {a.test_cap}"}
    a.out.write_text(json.dumps(res, indent=1))
    print("| held-out corpus | test rows | shared classes | (a) GoEmotions-only default | "
          "(b) frozen MiniLM + LR on the others |")
    for k, r in rows.items():
        print(f"| {k} | {r['test_rows']} | {len(r['shared_classes'])} | "
              f"{r['single_corpus_goemotions']:.3f} | {r['frozen_minilm_lr']:.3f} |")
    print(f"| mean | | | {mean['single_corpus_goemotions']:.3f} | "
          f"{mean['frozen_minilm_lr']:.3f} |")


if __name__ == "__main__":
    main()
