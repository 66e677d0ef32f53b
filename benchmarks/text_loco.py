"""Leave-one-corpus-out: how text models do on a corpus they never saw.

Every labelled corpus's labels go through the ontology into Ekman-7 (`text.corpora`): a row is
kept when its labels reach exactly one Ekman-7 label; texts are repaired and de-duplicated.
Each corpus gives at most `--train-cap` training rows (seed 0) and `--test-cap` test rows (its
official test split where it has one, else the last 20% of a seed-0 shuffle). For each corpus
in turn, it is held out and predicted by:

- (a) the single-corpus model, the shipped default trained on GoEmotions only, answering in
  Ekman-7 (its top label). For GoEmotions itself this is in-domain: its test split.
- (b) a frozen all-MiniLM-L6-v2 with logistic regression on the other corpora's rows.
- (c) affectlab's cross-corpus model (`EmotionClassifier.fit_corpora`, heads="masked"): a LoRA
  adapter on the same MiniLM, one Ekman-7 softmax, each corpus supervising only the labels its
  scheme names, trained on the same rows as (b).
- (d) with `--per-corpus-heads`: the same with one head per corpus (the ablation).

(b), (c) and (d) see the same rows: each other corpus's capped rows, corpus-balanced (a
smaller corpus drawn again up to twice its size), CrowdFlower at half weight, and every text
of the held-out test set removed. Macro-F1 is over the classes the held-out corpus shares with
the training label space. Finished rows are kept in `build/<out>.partial.json` (and the frozen embeddings in
`build/`), so a killed run
resumes where it stopped.

    python benchmarks/text_loco.py [--train-cap 3000] [--test-cap 2000] [--epochs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_today

from affectlab.core.files import write_text
from affectlab.ontology import get_scheme
from affectlab.text.corpora import LABELLED, mix, reachable, train_test

EKMAN = list(get_scheme("ekman7").label_names)
COLUMNS = {"single_corpus_goemotions": "(a) GoEmotions-only default",
           "frozen_minilm_lr": "(b) frozen MiniLM + LR",
           "cross_corpus_masked": "(c) cross-corpus, masked softmax",
           "cross_corpus_per_corpus_heads": "(d) cross-corpus, a head per corpus"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train-cap", type=int, default=3000)
    ap.add_argument("--test-cap", type=int, default=2000)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--max-length", type=int, default=96)
    ap.add_argument("--per-corpus-heads", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated held-out corpora (default all)")
    ap.add_argument("--out", type=Path, default=Path("docs/results/text_loco.json"))
    a = ap.parse_args()
    t0 = time.time()
    from affectlab import metrics
    from affectlab.text import EmotionClassifier, TrainSettings
    from affectlab.text.analyze import analyze_frame, get_model

    data = {}
    for c in LABELLED:
        tr, te = train_test(c)
        data[c] = (tr.sample(min(a.train_cap, len(tr)), random_state=0),
                   te.sample(min(a.test_cap, len(te)), random_state=0).reset_index(drop=True))
    texts = sorted({t for tr, te in data.values() for t in [*tr["text"], *te["text"]]})
    Path("build").mkdir(exist_ok=True)
    vectors = _frozen_vectors(texts, Path("build") / f"{a.out.stem}.vectors.npz")
    default = get_model()
    partial = Path("build") / f"{a.out.stem}.partial.json"
    rows = json.loads(partial.read_text()) if partial.exists() else {}
    held_list = [x for x in a.only.split(",") if x] or list(LABELLED)
    for held in held_list:
        if held in rows and (not a.per_corpus_heads or
                             "cross_corpus_per_corpus_heads" in rows[held]):
            continue
        te = data[held][1]
        parts = mix({c: data[c][0] for c in LABELLED if c != held}, per_corpus=a.train_cap,
                    exclude=te["text"].tolist())
        space = sorted({x for p in parts for x in p.labels}, key=EKMAN.index)
        shared = [x for x in reachable(held) if x in space]
        gold = te["label"].tolist()

        def f1(pred: list[str], shared: list[str] = shared, gold: list[str] = gold) -> float:
            return float(metrics.macro_f1(gold, pred, labels=shared))

        def top(probs: np.ndarray, shared: list[str] = shared) -> list[str]:
            cols = [EKMAN.index(x) for x in shared]
            return [shared[i] for i in np.nan_to_num(probs[:, cols], nan=-1).argmax(1)]

        row = rows.get(held) or {"test_rows": len(te), "shared_classes": shared,
                                 "train_rows": {p.name: len(p.texts) for p in parts}}
        if "single_corpus_goemotions" not in row:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f = analyze_frame(te["text"].tolist(), "ekman7", model=default)
            row["single_corpus_goemotions"] = f1(top(f[[f"p_{x}" for x in EKMAN]].to_numpy(float)))
            row["frozen_minilm_lr"] = f1(top(_frozen_lr(parts, vectors, te)))
        settings = TrainSettings(epochs=a.epochs, max_length=a.max_length)
        modes = ["masked"] + (["per-corpus"] if a.per_corpus_heads else [])
        for mode in modes:
            key = "cross_corpus_masked" if mode == "masked" else "cross_corpus_per_corpus_heads"
            if key in row:
                continue
            started = time.time()
            clf = EmotionClassifier("ekman7", settings=settings, progress=True)
            clf.fit_corpora(parts, heads=mode)
            row[key] = f1(top(clf.predict_proba(te["text"].tolist())))
            row[f"{key}_seconds"] = round(time.time() - started, 1)
        rows[held] = row
        write_text(json.dumps(rows, indent=1), partial)
        print(held, {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()
                     if k in COLUMNS}, flush=True)
    keys = [k for k in COLUMNS if all(k in r for r in rows.values())]
    mean = {k: float(np.mean([r[k] for r in rows.values()])) for k in keys}
    wins = {k: int(sum(r[k] > r["frozen_minilm_lr"] for r in rows.values())) for k in keys}
    res = {"machine": machine_today(), "corpora": list(rows), "results": rows, "mean": mean,
           "wins_over_frozen_lr": wins, "train_cap": a.train_cap, "test_cap": a.test_cap,
           "epochs": a.epochs, "max_length": a.max_length, "seconds": time.time() - t0,
           "command": f"python benchmarks/text_loco.py --train-cap {a.train_cap} "
                      f"--test-cap {a.test_cap} --epochs {a.epochs} --max-length "
                      f"{a.max_length}" + (" --per-corpus-heads" if a.per_corpus_heads else "")}
    write_text(json.dumps(res, indent=1), a.out)
    print("| held-out corpus | test rows | shared classes | "
          + " | ".join(COLUMNS[k] for k in keys) + " |")
    for k, r in rows.items():
        print(f"| {k} | {r['test_rows']} | {len(r['shared_classes'])} | "
              + " | ".join(f"{r[c]:.3f}" for c in keys) + " |")
    print("| mean | | | " + " | ".join(f"{mean[c]:.3f}" for c in keys) + " |")
    print("| better than (b) | | | " + " | ".join(f"{wins[c]} of {len(rows)}" for c in keys)
          + " |")
    if os.environ.get("AFFECTLAB_LOCO_KEEP_PARTIAL") != "1" and len(rows) == len(LABELLED):
        partial.unlink(missing_ok=True)


def _frozen_vectors(texts: list[str], cache: Path) -> dict[str, np.ndarray]:
    """Frozen MiniLM embeddings of `texts`, kept beside the results so a rerun skips them."""
    from affectlab.core.files import atomic_path
    from affectlab.text.baselines import FrozenEncoderBaseline

    if cache.exists():
        got = np.load(cache, allow_pickle=False)
        if list(got["texts"]) == texts:
            return dict(zip(texts, got["vectors"], strict=True))
    vectors = FrozenEncoderBaseline(progress=True).embed(texts)
    with atomic_path(cache) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, texts=np.array(texts), vectors=vectors)
    return dict(zip(texts, vectors, strict=True))


def _frozen_lr(parts: list, vectors: dict, te) -> np.ndarray:
    """(b): logistic regression on frozen embeddings of the same rows, corpus weights kept."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X = np.vstack([vectors[t] for p in parts for t in p.texts])
    y = np.array([lab for p in parts for lab in p.labels])
    w = np.concatenate([np.full(len(p.texts), p.weight) for p in parts])
    scaler = StandardScaler().fit(X)
    lr = LogisticRegression(max_iter=3000, C=0.1).fit(scaler.transform(X), y,
                                                      sample_weight=w * len(y) / w.sum())
    probs = np.full((len(te), len(EKMAN)), np.nan)
    p = lr.predict_proba(scaler.transform(np.vstack([vectors[t] for t in te["text"]])))
    for j, name in enumerate(lr.classes_):
        probs[:, EKMAN.index(name)] = p[:, j]
    return probs


if __name__ == "__main__":
    main()
