"""Train affectlab's face expression CNN on FER2013 train (the copy's split) and save it as a
FaceExpressionClassifier folder. This is the command that made the shipped default:

    python benchmarks/face_train_cnn.py --out build/face_cnn_proto --proto-weight 0.5 \
        --save src/affectlab/face/default_model

and the Proto-KD ablation (cross-entropy only): --proto-weight 0 --out build/face_cnn_ce.
It checkpoints every epoch into OUT/checkpoint.pt: run the same command again to resume.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import torch

from affectlab.datasets import load
from affectlab.face.classifier import FaceExpressionClassifier
from affectlab.face.corpora import gray_faces


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True, help="checkpoint and log folder")
    ap.add_argument("--save", type=Path, help="model folder to write (default OUT/model)")
    ap.add_argument("--proto-weight", type=float, default=0.5)
    ap.add_argument("--epochs", type=int, default=24)
    ap.add_argument("--width", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    train, dev = load("fer2013", split="train"), load("fer2013", split="dev")
    x, xd = gray_faces(list(train.path)), gray_faces(list(dev.path))
    y, yd = [r[0] for r in train.labels], [r[0] for r in dev.labels]
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    clf = FaceExpressionClassifier("fer7", "cnn", width=a.width, epochs=a.epochs,
                                   proto_weight=a.proto_weight)
    clf.fit(x, y, dev=(xd, yd), checkpoint=str(a.out / "checkpoint.pt"), progress=True)
    hist = clf.history_
    dev_acc = clf.score(xd, yd)  # ten test views
    train_seconds = sum(h["seconds"] for h in hist)
    save = a.save or a.out / "model"
    clf.save(save, metrics={"fer2013_dev_accuracy": dev_acc},
             training={"data": "FER2013 train, the copy's random split (25,060 faces), "
                               "48x48 grey",
                       "dev": "FER2013 dev (4,937 faces)",
                       "command": f"python benchmarks/face_train_cnn.py --out {a.out} "
                                  f"--proto-weight {a.proto_weight} --epochs {a.epochs} "
                                  f"--width {a.width}",
                       "train_seconds": round(train_seconds), "epochs": len(hist),
                       "threads": a.threads, "history": hist,
                       "date": dt.date.today().isoformat()})
    print(json.dumps({"model": str(save), "dev_accuracy": dev_acc,
                      "train_seconds": train_seconds, "wall": time.time() - t0}))


if __name__ == "__main__":
    main()
