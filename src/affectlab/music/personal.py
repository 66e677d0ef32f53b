"""Per-listener adaptation: annotators as tasks, MAML against plain pre-training (after
Personalized DMER).

Each annotator is a task. The support set is one clip they annotated (one shot); the query set
is another clip of theirs. `pretrain` fits the dual-scale model on every training annotator's
curves at once; `meta_train` starts from those weights and learns, by MAML, an initialisation
that one clip and a few gradient steps turn into that listener's model. `evaluate_adaptation`
measures query RMSE after 0, 1, 5, ... steps for any initialisation, so both are compared after
the same number of adaptation steps on unseen annotators.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.func import functional_call
from torch.nn.attention import SDPBackend, sdpa_kernel

from affectlab.core.progress import track
from affectlab.music.corpus import PieceSequence
from affectlab.music.dynamic import DynamicMusicEmotion, masked_mse, pad_batch


@dataclass
class ListenerTask:
    """One annotator: a support clip and a query clip, each (features, (bars, 2) curve)."""

    annotator: str
    support: tuple[np.ndarray, np.ndarray]
    query: tuple[np.ndarray, np.ndarray]


def listener_tasks(pieces: Sequence[PieceSequence], seed: int = 0) -> list[ListenerTask]:
    """Every annotator with at least two annotated clips; support and query drawn in random order."""
    by_annotator: dict[str, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
    for piece in pieces:
        for annotator, curve in piece.curves:
            by_annotator[annotator].append((piece.features, curve))
    rng = np.random.default_rng(seed)
    tasks = []
    for annotator in sorted(by_annotator):
        clips = by_annotator[annotator]
        if len(clips) < 2:
            continue
        i, j = rng.choice(len(clips), size=2, replace=False)
        tasks.append(ListenerTask(annotator, clips[i], clips[j]))
    return tasks


def _tensors(est: DynamicMusicEmotion, clip: tuple[np.ndarray, np.ndarray]) -> tuple[Tensor, Tensor]:
    x = torch.as_tensor(est.transform_features(clip[0]), dtype=torch.float32)[None]
    y = torch.as_tensor(clip[1], dtype=torch.float32)[None]
    return x, y


def _loss(est: DynamicMusicEmotion, params: dict[str, Tensor], x: Tensor, y: Tensor) -> Tensor:
    with sdpa_kernel(SDPBackend.MATH):  # the fused CPU kernels have no second derivative
        pred = functional_call(est.model, params, (x,))
    return masked_mse(pred, y, torch.zeros(y.shape[:2], dtype=torch.bool))


ADAPTED = ("all", "head", "listener", "gain")


def _adapted(name: str, which: str) -> bool:
    if which not in ADAPTED:
        raise ValueError(f"adapted parameters must be one of {ADAPTED}, got {which!r}")
    return (which == "all" or (which == "head" and name.startswith("head."))
            or (which == "listener" and name.startswith("listener_"))
            or (which == "gain" and name == "listener_gain"))


def adapt(est: DynamicMusicEmotion, support: tuple[np.ndarray, np.ndarray], steps: int,
          lr: float, create_graph: bool = False, which: str = "all") -> dict[str, Tensor]:
    """Parameters after `steps` plain gradient steps on the support clip (the inner loop).

    `which="head"` adapts only the output layer (the rest stays shared, as ANIL does);
    `"listener"` only the per-dimension gain and offset; `"gain"` only the gain.
    """
    params = dict(est.model.named_parameters())  # type: ignore[union-attr]
    names = [k for k in params if _adapted(k, which)]
    x, y = _tensors(est, support)
    for _ in range(steps):
        loss = _loss(est, params, x, y)
        grads = torch.autograd.grad(loss, [params[k] for k in names], create_graph=create_graph)
        params = params | {k: params[k] - lr * g for k, g in zip(names, grads, strict=True)}
    return params


def pretrain(train_tasks: Sequence[ListenerTask], config=None, progress: bool = False
             ) -> DynamicMusicEmotion:
    """The dual-scale model fitted on all training annotators' curves (support and query)."""
    clips = [c for t in train_tasks for c in (t.support, t.query)]
    est = DynamicMusicEmotion(config) if config is not None else DynamicMusicEmotion()
    return est.fit([c[0] for c in clips], [c[1] for c in clips], progress=progress)


def meta_train(init: DynamicMusicEmotion, tasks: Sequence[ListenerTask], meta_steps: int = 300,
               meta_batch: int = 8, inner_steps: int = 5, inner_lr: float = 0.05,
               outer_lr: float = 1e-3, first_order: bool = False, which: str = "all",
               seed: int = 0, progress: bool = False) -> DynamicMusicEmotion:
    """MAML from `init`'s weights: learn an initialisation that adapts to a listener in one clip."""
    est = copy.deepcopy(init)
    model = est.model
    model.eval()  # no dropout inside the inner loop: adaptation must be deterministic
    opt = torch.optim.Adam(model.parameters(), lr=outer_lr)
    rng = np.random.default_rng(seed)
    for _ in track(range(meta_steps), "MAML", show=progress):
        batch = rng.choice(len(tasks), size=min(meta_batch, len(tasks)), replace=False)
        opt.zero_grad()
        for i in batch:
            task = tasks[int(i)]
            fast = adapt(est, task.support, inner_steps, inner_lr,
                         create_graph=not first_order, which=which)
            if first_order:
                fast = {k: v.detach().requires_grad_() for k, v in fast.items()}
            qx, qy = _tensors(est, task.query)
            loss = _loss(est, fast, qx, qy) / len(batch)
            if first_order:
                grads = torch.autograd.grad(loss, list(fast.values()))
                for p, g in zip(fast_order(model, fast), grads, strict=True):
                    p.grad = g if p.grad is None else p.grad + g
            else:
                loss.backward()
        opt.step()
    return est


def fast_order(model: torch.nn.Module, fast: dict[str, Tensor]) -> list[Tensor]:
    """The model's parameters in the order of `fast`'s keys."""
    own = dict(model.named_parameters())
    return [own[k] for k in fast]


def evaluate_adaptation(est: DynamicMusicEmotion, tasks: Sequence[ListenerTask],
                        steps: Sequence[int] = (0, 1, 5, 10), lr: float = 0.05,
                        which: str = "all") -> dict[int, dict[str, float]]:
    """Query RMSE per dimension (mean over tasks) after each number of adaptation steps."""
    est.model.eval()  # type: ignore[union-attr]
    out: dict[int, dict[str, list[float]]] = {k: {"valence": [], "arousal": []} for k in steps}
    for task in tasks:
        qx, _ = _tensors(est, task.query)
        for k in steps:
            params = adapt(est, task.support, k, lr, which=which)
            with torch.no_grad():
                pred = functional_call(est.model, params, (qx,))[0].numpy()
            err = np.sqrt(((pred - task.query[1]) ** 2).mean(axis=0))
            out[k]["valence"].append(float(err[0]))
            out[k]["arousal"].append(float(err[1]))
    return {k: {d: float(np.mean(v)) for d, v in dims.items()} | {
        "mean": float(np.mean([np.mean(v) for v in dims.values()]))} for k, dims in out.items()}


def split_tasks(tasks: Sequence[ListenerTask], test_share: float = 0.2, seed: int = 0
                ) -> tuple[list[ListenerTask], list[ListenerTask]]:
    """Unseen-annotator split: (train tasks, test tasks)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(tasks))
    n_test = max(1, round(test_share * len(tasks)))
    test = {int(i) for i in order[:n_test]}
    return ([t for i, t in enumerate(tasks) if i not in test],
            [t for i, t in enumerate(tasks) if i in test])


__all__ = ["ListenerTask", "adapt", "evaluate_adaptation", "listener_tasks", "meta_train",
           "pad_batch", "pretrain", "split_tasks"]
