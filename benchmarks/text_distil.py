"""A big teacher, a small student: all-mpnet-base-v2 across corpora, distilled into MiniLM.

Every labelled corpus's labels go through the ontology into Ekman-7 (`text.corpora`), as in the
leave-one-corpus-out benchmark. Three models are trained and then measured on every corpus's
own test rows (macro-F1 over the labels that corpus names):

- teacher: all-mpnet-base-v2 with a LoRA adapter (rank 16), one masked Ekman-7 softmax
  (`fit_corpora`, heads="masked") on `--train-cap` labelled rows per corpus;
- MiniLM, direct: the same recipe and rows on all-MiniLM-L6-v2 (what the student must beat);
- student: all-MiniLM-L6-v2 trained on the teacher's soft outputs (`fit_distil`) over a pool
  of unlabelled text: up to `--pool-cap` training-split texts per corpus (labels unused), the
  labelled rows included, every test text left out.

Both encoders' inference speed on the test texts is reported beside the scores. Each stage is
kept under `--work` (the models, and the teacher's outputs in resumable pieces), so a killed
run resumes where it stopped; `--fresh` starts again.

    python benchmarks/text_distil.py [--train-cap 1000] [--pool-cap 4000] [--test-cap 1000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_today

from affectlab.core.files import write_text
from affectlab.text.corpora import LABELLED, mix, reachable, text_key, train_test

TEACHER = "all-mpnet-base-v2"
MODELS = {"teacher": "teacher (mpnet)", "direct": "MiniLM, direct",
          "student": "student (MiniLM from the teacher)"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train-cap", type=int, default=1000, help="labelled rows per corpus")
    ap.add_argument("--pool-cap", type=int, default=4000, help="unlabelled texts per corpus")
    ap.add_argument("--test-cap", type=int, default=1000)
    ap.add_argument("--epochs", type=float, default=2.0, help="teacher and direct MiniLM")
    ap.add_argument("--distil-epochs", type=float, default=2.0)
    ap.add_argument("--max-length", type=int, default=96)
    ap.add_argument("--teacher", default=TEACHER, help="the teacher's encoder")
    ap.add_argument("--work", type=Path, default=Path("build/text_distil"))
    ap.add_argument("--fresh", action="store_true", help="forget what --work holds")
    ap.add_argument("--out", type=Path, default=Path("docs/results/text_distil.json"))
    a = ap.parse_args(argv)
    if a.fresh and a.work.exists():
        shutil.rmtree(a.work)
    a.work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()

    from affectlab.text import EmotionClassifier, TrainSettings
    from affectlab.text.distil import teacher_outputs
    from affectlab.text.recipes import held_out_f1

    labelled, pool, tests = {}, [], {}
    for c in LABELLED:
        tr, te = train_test(c)
        tests[c] = te.sample(min(a.test_cap, len(te)), random_state=0).reset_index(drop=True)
        labelled[c] = tr.sample(min(a.train_cap, len(tr)), random_state=0)
        extra = tr.sample(min(a.pool_cap, len(tr)), random_state=1)
        pool += [*labelled[c]["text"], *extra["text"]]
    test_keys = {text_key(t) for te in tests.values() for t in te["text"]}
    seen: set[str] = set()
    pool_texts = []
    for t in pool:  # de-duplicated, every test text left out
        k = text_key(t)
        if k not in seen and k not in test_keys:
            seen.add(k)
            pool_texts.append(t)
    parts = mix(labelled, per_corpus=a.train_cap,
                exclude=[t for te in tests.values() for t in te["text"]])
    print(f"{sum(len(p.texts) for p in parts)} labelled rows, {len(pool_texts)} pool texts, "
          f"{sum(len(te) for te in tests.values())} test texts", flush=True)

    settings = TrainSettings(epochs=a.epochs, max_length=a.max_length)
    models: dict[str, Any] = {}
    seconds: dict[str, float] = {}

    def trained(name: str, train: Any) -> Any:
        folder = a.work / name
        if (folder / "affectlab.json").is_file():
            print(f"{name}: kept from {folder}", flush=True)
            return EmotionClassifier.load(folder)
        started = time.time()
        clf = train()
        seconds[name] = round(time.time() - started, 1)
        clf.save(folder)
        print(f"{name}: trained in {seconds[name] / 60:.1f} min", flush=True)
        return clf

    models["teacher"] = trained("teacher", lambda: EmotionClassifier(
        "ekman7", a.teacher, settings=settings).fit_corpora(parts, heads="masked"))
    models["direct"] = trained("direct", lambda: EmotionClassifier(
        "ekman7", settings=settings).fit_corpora(parts, heads="masked"))
    started = time.time()
    outputs = teacher_outputs(models["teacher"], pool_texts, a.work / "teacher_outputs")
    seconds["teacher_outputs"] = round(time.time() - started, 1)
    distil = TrainSettings(epochs=a.distil_epochs, max_length=a.max_length)
    models["student"] = trained("student", lambda: EmotionClassifier(
        "ekman7", settings=distil).fit_distil(models["teacher"], pool_texts, outputs=outputs))

    rows: dict[str, dict[str, float]] = {}
    rate: dict[str, float] = {}
    for name, clf in models.items():
        n, spent = 0, 0.0
        for c, te in tests.items():
            started = time.time()
            rows.setdefault(c, {})[name] = held_out_f1(clf, te, reachable(c))
            spent += time.time() - started
            n += len(te)
        rate[name] = n / spent
        print(name, {c: round(r[name], 3) for c, r in rows.items()}, flush=True)
    mean = {k: float(np.mean([r[k] for r in rows.values()])) for k in models}
    res = {"machine": machine_today(), "results": rows, "mean": mean,
           "texts_per_second_scoring": rate, "seconds": seconds,
           "labelled_rows": {p.name: len(p.texts) for p in parts}, "pool_texts": len(pool_texts),
           "test_rows": {c: len(te) for c, te in tests.items()}, "teacher": a.teacher,
           "train_cap": a.train_cap, "pool_cap": a.pool_cap, "test_cap": a.test_cap,
           "epochs": a.epochs, "distil_epochs": a.distil_epochs, "max_length": a.max_length,
           "total_seconds": round(time.time() - t0, 1),
           "command": f"python benchmarks/text_distil.py --train-cap {a.train_cap} --pool-cap "
                      f"{a.pool_cap} --test-cap {a.test_cap} --epochs {a.epochs} "
                      f"--distil-epochs {a.distil_epochs} --max-length {a.max_length}"
                      + ("" if a.teacher == TEACHER else f" --teacher {a.teacher}")}
    write_text(json.dumps(res, indent=1), a.out)
    print("| corpus | test rows | " + " | ".join(MODELS.values()) + " |")
    print("|---|---|" + "---|" * len(MODELS))
    for c, r in rows.items():
        print(f"| {c} | {len(tests[c])} | " + " | ".join(f"{r[k]:.3f}" for k in MODELS) + " |")
    print("| mean | | " + " | ".join(f"{mean[k]:.3f}" for k in MODELS) + " |")
    print("| texts/s (scoring) | | " + " | ".join(f"{rate[k]:.0f}" for k in MODELS) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
