"""Fine-tuning a text emotion network on one or several tasks at once (labels, V/A/D).

Batches are bucketed by length (shuffled chunks, sorted inside each chunk) so padding stays
small, tasks are interleaved at random, the learning rate warms up linearly then decays
linearly, and optional LEIA-style emotion-word masking draws fresh masks each epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from affectlab.text.encoder import Batch, bucketed
from affectlab.text.masking import EmotionWordMasker
from affectlab.text.network import EmotionNetwork, HeadSpec

LABEL_LOSSES = ("bce", "balanced", "asymmetric")
MAX_POS_WEIGHT = 10.0


@dataclass
class TrainSettings:
    """How a model is trained; saved with it so a run can be reproduced."""

    epochs: float = 3.0
    batch_size: int = 32
    lr: float = 5e-4  # adapter
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    max_length: int = 128
    seed: int = 0
    mask_emotion_words: bool = False
    p_emotion: float = 0.5
    p_other: float = 0.05
    clip_norm: float = 1.0
    # Multi-label heads: "bce" (binary cross-entropy), "balanced" (each label's positives
    # weighted by sqrt(negatives / positives) in its training rows, at most 10) or
    # "asymmetric" (Ridnik et al. 2021: easy negatives down-weighted by p**gamma after a
    # probability margin, positives as in bce).
    label_loss: str = "bce"
    loss_gamma: float = 4.0
    loss_margin: float = 0.05

    def __post_init__(self) -> None:
        if self.epochs <= 0 or self.batch_size < 1 or self.max_length < 4:
            raise ValueError("epochs must be > 0, batch_size >= 1 and max_length >= 4")
        if self.label_loss not in LABEL_LOSSES:
            raise ValueError(f"label_loss is one of {', '.join(LABEL_LOSSES)}, "
                             f"not {self.label_loss!r}")
        if self.loss_gamma < 0 or not 0 <= self.loss_margin < 1:
            raise ValueError("loss_gamma must be >= 0 and loss_margin in [0, 1)")
        if not 0 <= self.warmup < 1:
            raise ValueError("warmup is a fraction of the steps, in [0, 1)")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Task:
    """One head's training data: token ids per text and targets in the head's layout."""

    head: HeadSpec
    texts: list[str]
    targets: np.ndarray
    weight: float = 1.0
    allowed: np.ndarray | None = None  # single-label: the outputs this task may supervise
    name: str = ""  # how the history names it (default: the head's name)

    @property
    def key(self) -> str:
        return self.name or self.head.name


def truncate(ids: np.ndarray | list[int], max_length: int) -> np.ndarray:
    """Keep the first `max_length - 1` ids and the final special token."""
    ids = np.asarray(ids, dtype=np.int64)
    if ids.size <= max_length:
        return ids
    return np.concatenate([ids[: max_length - 1], ids[-1:]])


def asymmetric_loss(logits: torch.Tensor, target: torch.Tensor, gamma: float = 4.0,
                    margin: float = 0.05) -> torch.Tensor:
    """Asymmetric multi-label loss (Ridnik et al., ICCV 2021) with gamma+ = 0: a positive costs
    -log p as in BCE; a negative costs -(p_m ** gamma) log(1 - p_m), p_m = max(p - margin, 0),
    so the many easy negatives of a rare label stop drowning its few positives. Soft targets
    mix the two terms. Mean over labels and rows, like BCE."""
    log_p = nn.functional.logsigmoid(logits)
    p = log_p.exp()
    p_m = (p - margin).clamp(min=0.0) if margin > 0 else p
    # log(1 - p_m): from the logits where there is no margin, for numerical safety.
    log_q = (nn.functional.logsigmoid(-logits) if margin <= 0
             else torch.log((1.0 - p_m).clamp(min=1e-8)))
    neg = (p_m.detach() ** gamma if gamma else 1.0) * log_q
    return -(target * log_p + (1.0 - target) * neg).mean()


def positive_weights(targets: np.ndarray, cap: float = MAX_POS_WEIGHT) -> np.ndarray:
    """Per label, sqrt(negatives / positives) in `targets` (rows x labels), between 1 and
    `cap`; a label with no positive rows gets `cap`."""
    t = np.asarray(targets, dtype=np.float64)
    pos = t.sum(0)
    neg = t.shape[0] - pos
    with np.errstate(divide="ignore"):
        w = np.sqrt(np.where(pos > 0, neg / np.maximum(pos, 1e-12), cap ** 2))
    return np.clip(w, 1.0, cap).astype(np.float32)


def _loss(kind: str, out: torch.Tensor, target: torch.Tensor,
          allowed: torch.Tensor | None = None, *, label_loss: str = "bce",
          pos_weight: torch.Tensor | None = None, gamma: float = 4.0,
          margin: float = 0.05) -> torch.Tensor:
    """The head's loss. A single-label task with `allowed` is a masked softmax: outputs its
    corpus's scheme cannot name are left out, so they are neither pushed up nor down. Float
    targets of a single-label head are probabilities (cross-entropy against a teacher's soft
    labels; a multi-label head takes them as they are). A NaN regression target (a dimension
    the corpus does not rate) is left out of the mean. `label_loss` picks a multi-label head's
    loss (see `TrainSettings`); `pos_weight` is the "balanced" loss's weight per label."""
    if kind == "multilabel":
        if label_loss == "asymmetric":
            return asymmetric_loss(out, target, gamma, margin)
        weight = pos_weight if label_loss == "balanced" else None
        return nn.functional.binary_cross_entropy_with_logits(out, target, pos_weight=weight)
    if kind == "single":
        if allowed is not None:
            out = out.masked_fill(~allowed, float("-inf"))
        if target.is_floating_point():  # soft targets: a teacher's probabilities
            logp = nn.functional.log_softmax(out, dim=-1).masked_fill(target <= 0, 0.0)
            return -(target * logp).sum(-1).mean()
        return nn.functional.cross_entropy(out, target)
    rated = ~torch.isnan(target)
    if bool(rated.all()):
        return nn.functional.mse_loss(out, target)
    if not bool(rated.any()):
        return out.sum() * 0.0
    return nn.functional.mse_loss(out[rated], target[rated])


def _chunked_order(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    """A random order in which neighbouring items have similar lengths (chunks of 50 batches)."""
    idx = rng.permutation(lengths.size)
    chunk = batch_size * 50
    parts = [c[np.argsort(-lengths[c], kind="stable")] for c in
             (idx[i:i + chunk] for i in range(0, idx.size, chunk))]
    return np.concatenate(parts) if parts else idx


def train_network(net: EmotionNetwork, tokenizer: Any, tasks: list[Task],
                  settings: TrainSettings, *, progress: bool = True,
                  on_epoch: Callable[[int, dict[str, float]], None] | None = None) -> list[dict]:
    """Train `net` in place; returns one record per epoch (mean loss per task, seconds)."""
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    masker = None
    if settings.mask_emotion_words:
        masker = EmotionWordMasker(tokenizer, settings.p_emotion, settings.p_other,
                                   seed=settings.seed)
    planned, plain = [], []
    for task in tasks:
        if masker is not None:
            planned.append(masker.plan(task.texts))
            plain.append(None)
        else:
            enc = tokenizer(task.texts, add_special_tokens=True, truncation=False, verbose=False)
            plain.append([truncate(x, settings.max_length) for x in enc["input_ids"]])
            planned.append(None)

    steps_per_epoch = sum(math.ceil(len(t.texts) / settings.batch_size) for t in tasks)
    total = max(1, round(settings.epochs * steps_per_epoch))
    warm = int(settings.warmup * total)
    adapter = [p for n, p in net.named_parameters() if p.requires_grad and not n.startswith("heads")]
    groups = [{"params": list(net.heads.parameters()), "lr": settings.head_lr}]
    if adapter:
        groups.append({"params": adapter, "lr": settings.lr})
    opt = torch.optim.AdamW(groups, weight_decay=settings.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    pad = tokenizer.pad_token_id
    # the "balanced" loss's weight per label, once per multi-label task
    pos_weights = [torch.from_numpy(positive_weights(t.targets))
                   if settings.label_loss == "balanced" and t.head.kind == "multilabel" else None
                   for t in tasks]
    from affectlab.core.progress import progress_bar

    with progress_bar(progress, total, "training", transient=False) as advance:
        return _train_loop(net, tasks, settings, total, plain, planned, masker, groups, opt,
                           sched, pad, rng, advance, on_epoch, pos_weights)


def _train_loop(net: Any, tasks: Any, settings: TrainSettings, total: int, plain: list[Any],
                planned: list[Any], masker: Any, groups: list[dict], opt: Any, sched: Any,
                pad: int, rng: Any, advance: Any, on_epoch: Any,
                pos_weights: list[Any]) -> list[dict]:
    """The epochs of `train_network`, one progress step per optimiser step."""
    history: list[dict] = []
    step = 0
    net.train()
    try:
        epoch = 0
        while step < total:
            started = time.perf_counter()
            schedule: list[tuple[int, Batch]] = []
            for k, task in enumerate(tasks):
                ids = plain[k] if masker is None else [
                    truncate(x, settings.max_length) for x in masker.apply(planned[k])]
                lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
                order = _chunked_order(lengths, settings.batch_size, rng)
                schedule += [(k, b) for b in bucketed(ids, settings.batch_size, pad, order=order)]
            schedule = [schedule[i] for i in rng.permutation(len(schedule))]
            sums = np.zeros(len(tasks))
            counts = np.zeros(len(tasks))
            for k, batch in schedule:
                if step >= total:
                    break
                task = tasks[k]
                target = torch.from_numpy(task.targets[batch.index])
                out = net(batch.input_ids, batch.attention_mask, task.head.name)
                allowed = None if task.allowed is None else torch.from_numpy(task.allowed)
                loss = task.weight * _loss(task.head.kind, out, target, allowed,
                                           label_loss=settings.label_loss,
                                           pos_weight=pos_weights[k],
                                           gamma=settings.loss_gamma,
                                           margin=settings.loss_margin)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if settings.clip_norm:
                    nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]],
                                             settings.clip_norm)
                opt.step()
                sched.step()
                step += 1
                sums[k] += float(loss.detach())
                counts[k] += 1
                advance(1, description=f"epoch {epoch + 1} loss {float(loss.detach()):.3f}")
            record = {t.key: float(s / max(c, 1)) for t, s, c in zip(tasks, sums, counts,
                                                                     strict=True)}
            record["seconds"] = time.perf_counter() - started
            record["epoch"] = epoch + 1
            history.append(record)
            if on_epoch is not None:
                on_epoch(epoch + 1, record)
            epoch += 1
    finally:
        net.eval()
    return history
