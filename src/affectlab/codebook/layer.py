"""Codebook layers: discrete, sparse bottlenecks inside a network (after Tamkin et al., 2023).

A `CodebookLayer` replaces an activation x (..., dim) by the mean of the k codes most similar to
its layer-normalised version h:

- similarity is ``h · c / ||c||`` ("inner", the paper's choice) or the cosine ``ĥ · ĉ``;
- the output's value is exactly ``mean(c_i for i in top-k)``; its gradient passes straight
  through to h (and so to everything before the layer), while the chosen codes receive the task
  gradient;
- `aux_loss` (add it to the task loss) holds ``mse_weight · ||sg(h) - q||²``, the reconstruction
  MSE that pulls codes towards their inputs, plus ``commitment · ||h - sg(q)||²``;
- optional k-means initialisation from the first training batch and replacement of codes left
  unused for `dead_after` training steps by random recent inputs;
- `bypass = True` passes the layer-normalised input through unquantised (a quantisation
  warm-up: codes engage, and are k-means initialised, once the network has learnt something);
- `force_codes(ids)` makes the output exactly the given codes' mean (interventions);
  `last_codes` and `record()` keep the chosen ids for analysis.

`GroupedCodebookLayer` keeps one codebook per group (per attention head): input
(..., n_groups, dim_per_group), ids (..., n_groups, k). Codebook weight decay goes through
`codebook_param_groups`, which gives the codebooks their own AdamW group.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from affectlab.codebook.quantizers import kmeans

SIMILARITIES = ("inner", "cosine")


class _GroupedCodebooks(nn.Module):
    """Shared machinery: `n_groups` codebooks of `num_codes` codes of size `dim`."""

    def __init__(self, n_groups: int, dim: int, num_codes: int, k: int = 1, *,
                 similarity: str = "inner", mse_weight: float = 1.0, commitment: float = 0.0,
                 dead_after: int | None = None, kmeans_init: bool = False,
                 kmeans_iters: int = 10, layer_norm: bool = True) -> None:
        super().__init__()
        if min(int(n_groups), int(dim), int(num_codes)) < 1:
            raise ValueError(f"n_groups, dim and num_codes must be positive, got {n_groups}, "
                             f"{dim}, {num_codes}")
        if not 1 <= int(k) <= int(num_codes):
            raise ValueError(f"k must lie in [1, num_codes={num_codes}], got {k}")
        if similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}")
        if dead_after is not None and int(dead_after) < 1:
            raise ValueError(f"dead_after must be a positive number of steps or None, "
                             f"got {dead_after}")
        self.n_groups, self.dim, self.num_codes, self.k = (int(n_groups), int(dim),
                                                           int(num_codes), int(k))
        self.similarity = similarity
        self.mse_weight = float(mse_weight)
        self.commitment = float(commitment)
        self.dead_after = None if dead_after is None else int(dead_after)
        self.kmeans_init = bool(kmeans_init)
        self.kmeans_iters = int(kmeans_iters)
        self.layer_norm = bool(layer_norm)
        # codes start at the scale of a layer-normalised input (norm ~ sqrt(dim))
        self.codebook = nn.Parameter(torch.randn(self.n_groups, self.num_codes, self.dim))
        self.register_buffer("initialized", torch.tensor(not self.kmeans_init))
        self.register_buffer("unused_steps",
                             torch.zeros(self.n_groups, self.num_codes, dtype=torch.long))
        #: ids chosen by the last forward call, (..., n_groups, k) internally
        self._last: Tensor | None = None
        #: auxiliary loss of the last forward call (0 when not training)
        self.aux_loss: Tensor = torch.zeros(())
        #: codes replaced by the last training step
        self.last_replaced = 0
        self._forced: Tensor | None = None
        self._records: list[list[Tensor]] = []
        #: pass the layer-normalised input through unquantised (a warm-up before the codes
        #: engage; k-means initialisation then happens on the first quantised training batch)
        self.bypass = False

    def extra_repr(self) -> str:
        return (f"n_groups={self.n_groups}, dim={self.dim}, num_codes={self.num_codes}, "
                f"k={self.k}, similarity={self.similarity!r}, mse_weight={self.mse_weight}, "
                f"commitment={self.commitment}, dead_after={self.dead_after}, "
                f"kmeans_init={self.kmeans_init}")

    # -- core ----------------------------------------------------------------------------------
    def normalise(self, x: Tensor) -> Tensor:
        """The layer-normalised input h (no affine parameters: the codes carry the scale)."""
        return F.layer_norm(x, (self.dim,)) if self.layer_norm else x

    def _unit_codes(self) -> Tensor:
        c = self.codebook
        return c / c.norm(dim=-1, keepdim=True).clamp(min=1e-8)

    def _group_scores(self, h: Tensor) -> Tensor:
        """Similarities (n_groups, N, num_codes) of inputs (..., n_groups, dim), N = prod(...).

        Dividing the codes (not the scores) by their norms and one matrix product per group
        keeps this the cheap part of a forward pass."""
        flat = h.reshape(-1, self.n_groups, self.dim).transpose(0, 1)  # (G, N, dim)
        s = torch.bmm(flat, self._unit_codes().transpose(1, 2))
        if self.similarity == "cosine":
            s = s / flat.norm(dim=-1, keepdim=True).clamp(min=1e-8)
        return s

    def scores(self, h: Tensor) -> Tensor:
        """Similarities (..., n_groups, num_codes) of normalised inputs (..., n_groups, dim)."""
        s = self._group_scores(h).transpose(0, 1)
        return s.reshape(*h.shape[:-1], self.num_codes)

    def _topk(self, h: Tensor) -> Tensor:
        with torch.no_grad():
            s = self._group_scores(h)
            ids = (s.argmax(dim=-1, keepdim=True) if self.k == 1
                   else s.topk(self.k, dim=-1).indices)  # (G, N, k)
            return ids.transpose(0, 1).reshape(*h.shape[:-1], self.k)

    def _lookup(self, ids: Tensor) -> Tensor:
        """Mean code vectors (..., n_groups, dim) for ids (..., n_groups, k')."""
        lead = ids.shape[:-2]
        flat = ids.reshape(-1, self.n_groups, ids.shape[-1])
        g = torch.arange(self.n_groups, device=ids.device).view(1, -1, 1)
        vecs = self.codebook[g, flat]  # (N, G, k', dim)
        return vecs.mean(dim=-2).reshape(*lead, self.n_groups, self.dim)

    def _forward_grouped(self, x: Tensor) -> Tensor:
        if x.shape[-2:] != (self.n_groups, self.dim):
            raise ValueError(f"{type(self).__name__} expects input (..., {self.n_groups}, "
                             f"{self.dim}), got {tuple(x.shape)}")
        h = self.normalise(x)
        if self.bypass:
            self.aux_loss = x.new_zeros(())
            return h
        if self.training and not bool(self.initialized):
            self.init_from(h)
        ids = self._topk(h)
        if self._forced is not None:
            ids = self._apply_forced(ids)
        q = self._lookup(ids)
        aux = x.new_zeros(())
        if self.mse_weight:
            aux = aux + self.mse_weight * F.mse_loss(q, h.detach())
        if self.commitment:
            aux = aux + self.commitment * F.mse_loss(h, q.detach())
        self.aux_loss = aux
        if self.training and self._forced is None:
            self._track_usage(h, ids)
        self._last = ids.detach()
        for rec in self._records:
            rec.append(self._public(ids.detach()).cpu())
        # value: exactly q; gradient: straight through to h, task gradient into the codes
        return q + (h - h.detach())

    def _public(self, ids: Tensor) -> Tensor:
        return ids

    def _internal(self, ids: Tensor) -> Tensor:
        return ids

    # -- forcing and recording -----------------------------------------------------------------
    def _apply_forced(self, ids: Tensor) -> Tensor:
        forced = self._forced
        assert forced is not None
        forced = forced.to(ids.device)
        if forced.shape[-1] != ids.shape[-1]:
            if forced.shape[:-1] and forced.ndim == ids.ndim and (forced >= 0).all():
                return torch.broadcast_to(forced, (*ids.shape[:-1], forced.shape[-1]))
            if forced.ndim == 2 and forced.shape[0] == self.n_groups and (forced >= 0).all():
                return torch.broadcast_to(forced, (*ids.shape[:-1], forced.shape[-1]))
            raise ValueError(f"forced ids with {forced.shape[-1]} codes per vector need no -1 "
                             f"entries (k={self.k})")
        forced = torch.broadcast_to(forced, ids.shape)
        keep = (forced < 0).any(dim=-1, keepdim=True)
        return torch.where(keep, ids, forced)

    @contextmanager
    def force_codes(self, ids: Any) -> Iterator[None]:
        """Inside the block the output is exactly the mean of the given codes.

        `ids` broadcasts to the ids shape ((..., k) for `CodebookLayer`, (..., n_groups, k) for
        the grouped layer); a vector whose forced ids contain -1 keeps its own choice, so single
        positions can be patched.
        """
        forced = self._internal(torch.as_tensor(ids, dtype=torch.long))
        if forced.numel() and int(forced.max()) >= self.num_codes:
            raise ValueError(f"code ids must be < num_codes={self.num_codes}")
        previous, self._forced = self._forced, forced
        try:
            yield
        finally:
            self._forced = previous

    @property
    def last_codes(self) -> Tensor | None:
        """Ids chosen by the last forward call (None before any)."""
        return None if self._last is None else self._public(self._last)

    @contextmanager
    def record(self) -> Iterator[list[Tensor]]:
        """Collect the ids of every forward call inside the block (on the CPU)."""
        rec: list[Tensor] = []
        self._records.append(rec)
        try:
            yield rec
        finally:
            self._records.remove(rec)

    # -- codebook maintenance ------------------------------------------------------------------
    @torch.no_grad()
    def init_from(self, h: Tensor) -> None:
        """Set each group's codebook by k-means on normalised inputs (..., n_groups, dim)."""
        flat = h.detach().reshape(-1, self.n_groups, self.dim)
        for g in range(self.n_groups):
            self.codebook.data[g] = kmeans(flat[:, g], self.num_codes,
                                           self.kmeans_iters).to(self.codebook)
        self.initialized.fill_(True)
        self.unused_steps.zero_()

    @torch.no_grad()
    def _track_usage(self, h: Tensor, ids: Tensor) -> None:
        self.last_replaced = 0
        flat_ids = ids.reshape(-1, self.n_groups, ids.shape[-1])
        offset = (torch.arange(self.n_groups, device=ids.device) * self.num_codes).view(1, -1, 1)
        used = torch.bincount((flat_ids + offset).reshape(-1),
                              minlength=self.n_groups * self.num_codes) > 0
        self.unused_steps.add_(1).masked_fill_(used.view(self.n_groups, self.num_codes), 0)
        if self.dead_after is None:
            return
        dead = (self.unused_steps >= self.dead_after).nonzero()
        if dead.numel() == 0:
            return
        flat_h = h.detach().reshape(-1, self.n_groups, self.dim)
        pick = torch.randint(flat_h.shape[0], (dead.shape[0],), device=h.device)
        self.codebook.data[dead[:, 0], dead[:, 1]] = flat_h[pick, dead[:, 0]].to(self.codebook)
        self.unused_steps[dead[:, 0], dead[:, 1]] = 0
        self.last_replaced = int(dead.shape[0])


class CodebookLayer(_GroupedCodebooks):
    """One codebook for vectors (..., dim): top-k codes by similarity, output their mean.

    Args:
        dim: vector size; num_codes: codebook size; k: codes per vector.
        similarity: "inner" (h·c/||c||) or "cosine".
        mse_weight: weight of the reconstruction MSE ||sg(h) - q||² in `aux_loss`.
        commitment: weight of ||h - sg(q)||² in `aux_loss` (0: none, as in the paper).
        dead_after: replace codes unused for this many training steps (None: never).
        kmeans_init: k-means initialisation from the first training batch.
    """

    def __init__(self, dim: int, num_codes: int, k: int = 1, **kwargs: Any) -> None:
        super().__init__(1, dim, num_codes, k, **kwargs)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 1 or x.shape[-1] != self.dim:
            raise ValueError(f"CodebookLayer expects input (..., {self.dim}), "
                             f"got {tuple(x.shape)}")
        return self._forward_grouped(x.unsqueeze(-2)).squeeze(-2)

    def _public(self, ids: Tensor) -> Tensor:
        return ids.squeeze(-2)

    def _internal(self, ids: Tensor) -> Tensor:
        if ids.ndim == 0:
            ids = ids.view(1)
        return ids.unsqueeze(-2)

    def nearest(self, x: Tensor, k: int | None = None) -> Tensor:
        """Ids (..., k) of the k most similar codes to `x`, best first."""
        k = self.k if k is None else int(k)
        with torch.no_grad():
            s = self.scores(self.normalise(x).unsqueeze(-2)).squeeze(-2)
            return s.topk(k, dim=-1).indices

    def decode_codes(self, ids: Tensor) -> Tensor:
        """Mean vectors (..., dim) of ids (..., k)."""
        return self._lookup(self._internal(torch.as_tensor(ids).long())).squeeze(-2)


class GroupedCodebookLayer(_GroupedCodebooks):
    """One codebook per group (attention head): input (..., n_groups, dim_per_group).

    Input of shape (..., n_groups * dim_per_group) is accepted too and returned in that shape.
    Ids are (..., n_groups, k).
    """

    def __init__(self, n_groups: int, dim_per_group: int, num_codes: int, k: int = 1,
                 **kwargs: Any) -> None:
        super().__init__(n_groups, dim_per_group, num_codes, k, **kwargs)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim >= 2 and x.shape[-2:] == (self.n_groups, self.dim):
            return self._forward_grouped(x)
        if x.ndim >= 1 and x.shape[-1] == self.n_groups * self.dim:
            y = self._forward_grouped(x.view(*x.shape[:-1], self.n_groups, self.dim))
            return y.reshape(x.shape)
        raise ValueError(f"GroupedCodebookLayer expects input (..., {self.n_groups}, {self.dim}) "
                         f"or (..., {self.n_groups * self.dim}), got {tuple(x.shape)}")

    def nearest(self, x: Tensor, k: int | None = None) -> Tensor:
        """Ids (..., n_groups, k) of the k most similar codes per group, best first."""
        k = self.k if k is None else int(k)
        with torch.no_grad():
            return self.scores(self.normalise(x)).topk(k, dim=-1).indices

    def decode_codes(self, ids: Tensor) -> Tensor:
        """Mean vectors (..., n_groups, dim) of ids (..., n_groups, k)."""
        return self._lookup(torch.as_tensor(ids).long())


def codebook_layers(model: nn.Module) -> dict[str, _GroupedCodebooks]:
    """Every codebook layer inside `model`, by module name."""
    return {n: m for n, m in model.named_modules() if isinstance(m, _GroupedCodebooks)}


def codebook_aux_loss(model: nn.Module) -> Tensor:
    """Sum of the auxiliary losses of the last forward call of every codebook layer in `model`."""
    losses = [m.aux_loss for m in codebook_layers(model).values()]
    return torch.stack(losses).sum() if losses else torch.zeros(())


def codebook_param_groups(model: nn.Module | Iterable[nn.Parameter], weight_decay: float = 0.0,
                          codebook_weight_decay: float = 0.0,
                          codebooks: Iterable[nn.Module] = (),
                          codebook_lr: float | None = None) -> list[dict[str, Any]]:
    """AdamW parameter groups: codebooks (of `model` and of `codebooks`) with their own decay
    and, with `codebook_lr`, their own learning rate (Adam moves each coordinate by about the
    learning rate per step, while codes sit at the scale of a layer-normalised input, ~1 per
    coordinate: a larger codebook rate lets chosen codes follow their inputs sooner)."""
    mods = list(codebooks)
    if isinstance(model, nn.Module):
        mods += list(codebook_layers(model).values())
        params = list(model.parameters())
    else:
        params = list(model)
    cb = {id(m.codebook): m.codebook for m in mods if isinstance(m, _GroupedCodebooks)}
    rest = [p for p in params if id(p) not in cb]
    groups = [{"params": rest, "weight_decay": float(weight_decay)}]
    if cb:
        group: dict[str, Any] = {"params": list(cb.values()),
                                 "weight_decay": float(codebook_weight_decay)}
        if codebook_lr is not None:
            group["lr"] = float(codebook_lr)
        groups.append(group)
    return groups


def code_bits(num_codes: int, k: int = 1) -> float:
    """Information in one top-k choice: log2 C(num_codes, k)."""
    return math.log2(math.comb(int(num_codes), int(k)))


__all__ = ["SIMILARITIES", "CodebookLayer", "GroupedCodebookLayer", "code_bits",
           "codebook_aux_loss", "codebook_layers", "codebook_param_groups"]
