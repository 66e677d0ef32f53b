"""Train the face expression CNN on FER2013 train (the copy's split), dev accuracy per epoch.

    python benchmarks/face_train_cnn.py --out build/face_cnn_proto --proto-weight 0.5
Checkpoints every epoch into OUT/checkpoint.pt; run again to resume.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from affectlab.datasets import load
from affectlab.datasets.faces import FER_LABELS
from affectlab.face.corpora import gray_faces
from affectlab.face.prototypes import class_prototypes
from affectlab.face.training import CNNConfig, train_cnn


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--proto-weight", type=float, default=0.0)
    ap.add_argument("--epochs", type=int, default=24)
    ap.add_argument("--width", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    train, dev = load("fer2013", split="train"), load("fer2013", split="dev")
    if a.limit:
        train, dev = train.head(a.limit), dev.head(a.limit)
    labels = list(FER_LABELS)
    y = np.array([labels.index(r[0]) for r in train.labels])
    yd = np.array([labels.index(r[0]) for r in dev.labels])
    x, xd = gray_faces(list(train.path)), gray_faces(list(dev.path))
    cfg = CNNConfig(width=a.width, epochs=a.epochs, proto_weight=a.proto_weight)
    a.out.mkdir(parents=True, exist_ok=True)
    log = open(a.out / "log.jsonl", "a")
    model, hist = train_cnn(x, y, len(labels), cfg, prototypes=class_prototypes(labels, "fer7"),
                            x_dev=xd, y_dev=yd, checkpoint=a.out / "checkpoint.pt",
                            progress=False, log=lambda s: (print(s, flush=True),
                                                           log.write(s + "\n"), log.flush()))
    torch.save(model.state_dict(), a.out / "final.pt")
    print("done", hist[-1], file=sys.stderr)


if __name__ == "__main__":
    main()
