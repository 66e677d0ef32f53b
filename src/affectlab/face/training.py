"""Training the expression CNN: cross-entropy, optionally + Proto-KD, checkpointed every epoch.

A killed run resumes from its last finished epoch (same data and settings, checked); the result
is the same as an uninterrupted run with the same seed.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from affectlab.core.errors import ResumeMismatchError
from affectlab.core.files import atomic_path
from affectlab.core.progress import progress_bar
from affectlab.face.cnn import FaceCNN, augment, predict_logits, proto_kd_loss


@dataclass
class CNNConfig:
    """Hyper-parameters of one training run (recorded in the model's manifest)."""

    width: int = 24
    epochs: int = 24
    batch_size: int = 128
    lr: float = 0.05
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    dropout: float = 0.3
    proto_weight: float = 0.0
    proto_dim: int = 64
    seed: int = 0


def _fingerprint(x: np.ndarray, y: np.ndarray) -> str:
    import hashlib

    h = hashlib.sha256(np.ascontiguousarray(x[::97]).tobytes())
    h.update(np.ascontiguousarray(y).tobytes())
    return f"{x.shape}-{h.hexdigest()[:16]}"


def train_cnn(x: np.ndarray, y: np.ndarray, n_classes: int, config: CNNConfig, *,
              prototypes: np.ndarray | None = None, x_dev: np.ndarray | None = None,
              y_dev: np.ndarray | None = None, checkpoint: str | Path | None = None,
              progress: bool = True, log: Any = None) -> tuple[FaceCNN, list[dict[str, Any]]]:
    """Train a FaceCNN on (n, 48, 48) uint8 faces with integer targets; returns model, history."""
    torch.manual_seed(config.seed)
    model = FaceCNN(n_classes, config.width, config.dropout, config.proto_dim)
    model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9, nesterov=True,
                          weight_decay=config.weight_decay)
    steps_per_epoch = math.ceil(len(x) / config.batch_size)
    total = steps_per_epoch * config.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=total,
                                                pct_start=0.15)
    protos = None if prototypes is None else torch.as_tensor(prototypes)
    if config.proto_weight > 0 and protos is None:
        raise ValueError("proto_weight > 0 needs the class prototypes")
    faces = torch.as_tensor(x, dtype=torch.float32).unsqueeze(1) / 255.0
    targets = torch.as_tensor(y, dtype=torch.long)
    fp = _fingerprint(x, y)
    start, history = 0, []
    ckpt = Path(checkpoint) if checkpoint else None
    if ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        if state["config"] != asdict(config) or state["data"] != fp:
            raise ResumeMismatchError(f"{ckpt} was written by a run with other data or "
                                      "settings; remove it or choose another checkpoint")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start, history = state["epoch"], state["history"]
    loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    with progress_bar(progress, total, "training the face CNN") as advance:
        advance(start * steps_per_epoch)
        for epoch in range(start, config.epochs):
            # one generator per epoch: a resumed run draws what an uninterrupted one would
            gen = torch.Generator().manual_seed(config.seed * 1000 + epoch + 1)
            torch.manual_seed(config.seed * 1000 + epoch + 1)  # dropout draws from this one
            model.train()
            order = torch.randperm(len(x), generator=gen)
            t0, seen, ce_sum, kd_sum, correct = time.time(), 0, 0.0, 0.0, 0
            for i in range(0, len(x), config.batch_size):
                idx = order[i:i + config.batch_size]
                xb = augment(faces[idx], gen).contiguous(memory_format=torch.channels_last)
                logits, feats = model(xb)
                ce = loss_fn(logits, targets[idx])
                loss = ce
                if config.proto_weight > 0:
                    kd = proto_kd_loss(model, feats, targets[idx], protos)
                    loss = ce + config.proto_weight * kd
                    kd_sum += float(kd.detach()) * len(idx)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                ce_sum += float(ce.detach()) * len(idx)
                correct += int((logits.argmax(1) == targets[idx]).sum())
                seen += len(idx)
                advance(1)
            row = {"epoch": epoch + 1, "train_ce": ce_sum / seen, "train_kd": kd_sum / seen,
                   "train_acc": correct / seen, "seconds": time.time() - t0}
            if x_dev is not None and y_dev is not None:
                probs, _ = predict_logits(model, torch.as_tensor(
                    x_dev, dtype=torch.float32).unsqueeze(1) / 255.0, views=2)
                row["dev_acc"] = float((probs.argmax(1).numpy() == y_dev).mean())
            history.append(row)
            if ckpt is not None:
                ckpt.parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(ckpt) as tmp:
                    torch.save({"config": asdict(config), "data": fp, "epoch": epoch + 1,
                                "history": history, "model": model.state_dict(),
                                "opt": opt.state_dict(), "sched": sched.state_dict()}, tmp)
            if log is not None:
                log(json.dumps(row))
    model.eval()
    return model, history
