"""Modality-pairwise unsupervised contrastive learning (after "Multimodal Emotion Recognition
with Modality-Pairwise Unsupervised Contrastive Loss"): an encoder and a projection head per
modality, an InfoNCE loss for every pair of modalities (the same item's two views are the
positive pair, the batch's other items the negatives), averaged over pairs. No labels, no
augmentation; the modalities meet only at inference, where the frozen encoders' outputs are
concatenated and a linear model reads them.

`PairwiseContrastive` is a scikit-learn transformer over X = the modalities' features side by
side (`splits` gives each modality's width), so it sits in a Pipeline before Ridge or
LogisticRegression. `pretrain=False` keeps the same encoders at their random initialisation
(the ablation "without the contrastive stage").
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted


def info_nce(a: Any, b: Any, temperature: float = 0.1) -> Any:
    """Symmetric InfoNCE between two (batch, dim) views: row i of `a` and of `b` are a positive
    pair, every other row a negative (torch tensors; cosine similarity / temperature)."""
    import torch
    import torch.nn.functional as F

    a, b = F.normalize(a, dim=1), F.normalize(b, dim=1)
    logits = a @ b.T / temperature
    target = torch.arange(len(a), device=a.device)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


CLIP = 5.0  # standardised features beyond 5 sd (a few films' extreme values) are clipped


def _signed_log(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


class PairwiseContrastive(TransformerMixin, BaseEstimator):
    """Per-modality MLP encoders trained with the pairwise InfoNCE loss; `transform` gives the
    concatenated (frozen) encoder outputs, `out_dim` per modality.

    Inputs are signed-log compressed, standardised per feature and clipped at 5 sd (film and
    audio features span many orders of magnitude). `fit` shows progress when `progress` is true."""

    def __init__(self, splits: Sequence[int] = (), hidden: int = 128, out_dim: int = 32,
                 proj_dim: int = 32, temperature: float = 0.1, epochs: int = 60,
                 batch_size: int = 256, lr: float = 1e-3, weight_decay: float = 1e-4,
                 pretrain: bool = True, seed: int = 0, progress: bool = False) -> None:
        self.splits = splits
        self.hidden = hidden
        self.out_dim = out_dim
        self.proj_dim = proj_dim
        self.temperature = temperature
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.pretrain = pretrain
        self.seed = seed
        self.progress = progress

    def _views(self, X: np.ndarray) -> list[np.ndarray]:
        X = np.asarray(X, float)
        splits = [int(s) for s in self.splits]
        if len(splits) < 2 or any(s < 1 for s in splits):
            raise ValueError("splits must give the width of at least two modalities")
        if X.ndim != 2 or X.shape[1] != sum(splits):
            raise ValueError(f"X has {X.shape[-1] if X.ndim == 2 else X.shape} features; splits "
                             f"{tuple(splits)} add up to {sum(splits)}")
        if not np.isfinite(X).all():
            raise ValueError("X holds NaN or infinite values")
        edges = np.cumsum([0, *splits])
        return [X[:, edges[i]:edges[i + 1]] for i in range(len(splits))]

    def _prepare(self, views: list[np.ndarray]) -> list[np.ndarray]:
        return [np.clip((_signed_log(v) - m) / s, -CLIP, CLIP) for v, m, s in
                zip(views, self.means_, self.scales_, strict=True)]

    def fit(self, X: np.ndarray, y: Any = None) -> PairwiseContrastive:
        import torch
        from torch import nn

        views = self._views(X)
        logged = [_signed_log(v) for v in views]
        self.means_ = [v.mean(0) for v in logged]
        self.scales_ = [np.where(v.std(0) > 1e-12, v.std(0), 1.0) for v in logged]
        data = [torch.tensor(v, dtype=torch.float32) for v in self._prepare(views)]
        torch.manual_seed(self.seed)
        self.encoders_ = nn.ModuleList(
            nn.Sequential(nn.Linear(v.shape[1], self.hidden), nn.GELU(),
                          nn.Linear(self.hidden, self.out_dim)) for v in views)
        heads = nn.ModuleList(
            nn.Sequential(nn.Linear(self.out_dim, self.proj_dim), nn.GELU(),
                          nn.Linear(self.proj_dim, self.proj_dim)) for _ in views)
        self.n_features_in_ = sum(v.shape[1] for v in views)
        self.loss_curve_: list[float] = []
        if self.pretrain:
            self._train(data, heads)
        self.heads_ = heads.eval()
        self.encoders_.eval()
        return self

    def _train(self, data: list[Any], heads: Any) -> None:
        import torch

        from affectlab.core.progress import progress_bar

        params = list(self.encoders_.parameters()) + list(heads.parameters())
        opt = torch.optim.AdamW(params, lr=self.lr, weight_decay=self.weight_decay)
        gen = torch.Generator().manual_seed(self.seed)
        n = len(data[0])
        pairs = list(combinations(range(len(data)), 2))
        with progress_bar(self.progress, self.epochs, "contrastive", unit="epochs") as bar:
            for _ in range(self.epochs):
                order = torch.randperm(n, generator=gen)
                total, steps = 0.0, 0
                for start in range(0, n - 1, self.batch_size):
                    idx = order[start:start + self.batch_size]
                    if len(idx) < 2:
                        continue
                    z = [h(e(d[idx])) for e, h, d in zip(self.encoders_, heads, data,
                                                          strict=True)]
                    loss = sum(info_nce(z[i], z[j], self.temperature) for i, j in pairs)
                    loss = loss / len(pairs)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total, steps = total + loss.item(), steps + 1
                self.loss_curve_.append(total / max(steps, 1))
                bar(1)

    def transform(self, X: np.ndarray) -> np.ndarray:
        import torch

        check_is_fitted(self, "encoders_")
        views = self._prepare(self._views(X))
        with torch.no_grad():
            out = [e(torch.tensor(v, dtype=torch.float32)).numpy()
                   for e, v in zip(self.encoders_, views, strict=True)]
        return np.hstack(out)

    def alignment(self, X: np.ndarray) -> float:
        """Cross-modal retrieval, top-1: how often an item's first-modality projection finds its
        own second-modality projection nearest among all items of X (cosine); 1/n by chance."""
        import torch

        check_is_fitted(self, "encoders_")
        views = self._prepare(self._views(X))
        with torch.no_grad():
            a, b = (h(e(torch.tensor(v, dtype=torch.float32))).numpy() for e, h, v in
                    zip(self.encoders_[:2], self.heads_[:2], views[:2], strict=True))
        a = a / np.linalg.norm(a, axis=1, keepdims=True)
        b = b / np.linalg.norm(b, axis=1, keepdims=True)
        return float(((a @ b.T).argmax(1) == np.arange(len(a))).mean())


def timeline_views(table: Any, modalities: Sequence[str] = ("face", "voice", "text"),
                   by: str | Sequence[str] = "source") -> tuple[np.ndarray, list[int], Any]:
    """The inputs of `PairwiseContrastive` from `analyze_video(..., embeddings=True)` tables:
    per group (a clip by default; `by=["source", "t"]` for every step), each modality's mean
    embedding over the steps where every one of `modalities` is present, side by side.

    Returns (X, splits, keys): keys is a frame of the groups (the `by` columns and `steps`,
    how many steps were averaged). A group where some modality is never present is left out
    of X and listed with `steps` 0, so nothing is dropped silently."""
    import pandas as pd

    by = [by] if isinstance(by, str) else list(by)
    columns = [f"{m}_embedding" for m in modalities]
    missing = [c for c in columns if c not in table]
    if len(modalities) < 2 or missing:
        raise ValueError("timeline_views needs at least two modalities whose embeddings the "
                         f"table holds (analyze_video(..., embeddings=True)); missing {missing}")
    rows, keys, widths = [], [], {}
    for key, group in table.groupby(by, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        both = np.ones(len(group), bool)
        for c in columns:
            both &= np.array([v is not None and len(v) > 0 for v in group[c]], bool)
        keys.append((*key, int(both.sum())))
        if not both.any():
            continue
        parts = []
        for c in columns:
            vec = np.mean(np.stack([np.asarray(v, float) for v in group[c][both]]), 0)
            if widths.setdefault(c, vec.size) != vec.size:
                raise ValueError(f"{c} changes width between groups ({widths[c]} and "
                                 f"{vec.size}): were the clips read by different models?")
            parts.append(vec)
        rows.append(np.concatenate(parts))
    keys_frame = pd.DataFrame(keys, columns=[*by, "steps"])
    X = np.vstack(rows) if rows else np.zeros((0, sum(widths.values())))
    return X, [widths.get(c, 0) for c in columns], keys_frame
