"""Quantisers that turn continuous vectors into discrete codes, trainable end to end.

Three quantisers share one interface, so an audio tokenizer or a codebook layer inside a
transformer can swap them freely:

- `VectorQuantizer`: one learned codebook, nearest code by squared Euclidean distance,
  straight-through gradient, codebook MSE loss plus a commitment term (van den Oord et al., 2017),
  optional k-means initialisation from the first training batch and replacement of dead codes by
  random recent inputs;
- `ResidualVectorQuantizer`: 1-8 `VectorQuantizer` stages, each coding what the previous
  stages left over (the RVQ of SoundStream / EnCodec);
- `FiniteScalarQuantizer`: no learned codebook; each dimension is bounded with tanh and
  rounded to a fixed number of levels (Mentzer et al., 2023), the code id being the mixed-radix
  integer of the per-dimension levels.

Every quantiser maps `x` of shape (..., dim) to a `QuantizerOutput` whose `codes` have shape
(..., n_codebooks) and whose `quantized` has the shape of `x`; `decode_codes(codes)` maps codes
back to vectors, and `bits` is the information per vector, the sum of log2 codebook sizes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

#: Residual quantisers are limited to this many stages.
MAX_STAGES = 8


@dataclass
class QuantizerOutput:
    """What a quantiser returns: straight-through vectors, integer codes and the training losses."""

    quantized: Tensor
    codes: Tensor
    codebook_loss: Tensor
    commitment_loss: Tensor
    loss: Tensor

    @property
    def n_codebooks(self) -> int:
        """How many code ids describe one vector (the last dimension of `codes`)."""
        return int(self.codes.shape[-1])


def _check_input(x: Tensor, dim: int, who: str) -> None:
    """Fail early, with the expected shape, on input a quantiser cannot take."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expects a torch.Tensor, got {type(x).__name__}")
    if not torch.is_floating_point(x):
        raise TypeError(f"{who} expects floating-point input, got dtype {x.dtype}")
    if x.ndim < 1 or x.shape[-1] != dim:
        raise ValueError(f"{who} expects input of shape (..., {dim}), got {tuple(x.shape)}")


def _check_codes(codes: Tensor, sizes: Sequence[int], who: str) -> Tensor:
    """Codes as int64 of shape (..., len(sizes)) with every id inside its codebook."""
    codes = torch.as_tensor(codes)
    if codes.dtype.is_floating_point or codes.dtype == torch.bool:
        raise TypeError(f"{who} expects integer code ids, got dtype {codes.dtype}")
    if codes.ndim < 1 or codes.shape[-1] != len(sizes):
        raise ValueError(f"{who} expects codes of shape (..., {len(sizes)}), "
                         f"got {tuple(codes.shape)}")
    codes = codes.long()
    high = torch.tensor(list(sizes), device=codes.device)
    if codes.numel() and (bool((codes < 0).any()) or bool((codes >= high).any())):
        raise ValueError(f"{who}: code ids must lie in [0, codebook size) = "
                         f"{[f'[0, {s})' for s in sizes]}")
    return codes


def kmeans(x: Tensor, k: int, iters: int = 10, generator: torch.Generator | None = None) -> Tensor:
    """Lloyd's k-means on rows of `x` (n, d), started from k random rows; returns (k, d) centres.

    Used to initialise codebooks from data so no code starts far from every input; with fewer
    rows than centres the rows are drawn with replacement and jittered slightly.
    """
    x = x.detach().float()
    n = x.shape[0]
    if n == 0:
        raise ValueError("k-means needs at least one row")
    if n >= k:
        centres = x[torch.randperm(n, generator=generator)[:k]].clone()
    else:
        idx = torch.randint(n, (k,), generator=generator)
        scale = x.std() if n > 1 else x.abs().mean()
        noise = torch.randn(k, x.shape[1], generator=generator) * 1e-3 * (scale + 1e-6)
        centres = x[idx] + noise.to(x)
    for _ in range(iters):
        assign = torch.cdist(x, centres).argmin(dim=1)
        sums = torch.zeros_like(centres).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k).to(x).unsqueeze(1)
        centres = torch.where(counts > 0, sums / counts.clamp(min=1), centres)
    return centres


class Quantizer(nn.Module):
    """Common interface: `forward(x) -> QuantizerOutput`, `decode_codes`, `codebook_sizes`."""

    dim: int

    @property
    def codebook_sizes(self) -> tuple[int, ...]:
        """The number of distinct ids in each codebook, one entry per code column."""
        raise NotImplementedError

    @property
    def n_codebooks(self) -> int:
        """How many code ids describe one vector."""
        return len(self.codebook_sizes)

    @property
    def bits(self) -> float:
        """Bits per quantised vector: the sum of log2 codebook sizes."""
        return float(sum(math.log2(s) for s in self.codebook_sizes))

    def decode_codes(self, codes: Tensor) -> Tensor:
        """Vectors (..., dim) for codes (..., n_codebooks)."""
        raise NotImplementedError

    def encode(self, x: Tensor) -> Tensor:
        """Codes (..., n_codebooks) of `x` without touching training state."""
        was = self.training
        self.eval()
        try:
            with torch.no_grad():
                return self(x).codes
        finally:
            self.train(was)


class VectorQuantizer(Quantizer):
    """One learned codebook: nearest code, straight-through gradient, codebook + commitment loss.

    Args:
        num_codes: codebook size K.
        dim: vector dimension.
        commitment: weight of the commitment term ||x - sg(q)||², which keeps inputs near their
            codes; the codebook term ||sg(x) - q||² moves codes towards their inputs.
        kmeans_init: set the codebook by k-means on the first training batch.
        kmeans_iters: Lloyd iterations for that initialisation.
        dead_after: replace a code by a random input of the current batch after it has been
            chosen by no input for this many consecutive training steps (None: never).
    """

    def __init__(self, num_codes: int, dim: int, *, commitment: float = 0.25,
                 kmeans_init: bool = False, kmeans_iters: int = 10,
                 dead_after: int | None = None) -> None:
        super().__init__()
        if int(num_codes) < 1 or int(dim) < 1:
            raise ValueError(f"num_codes and dim must be positive, got {num_codes} and {dim}")
        if dead_after is not None and int(dead_after) < 1:
            raise ValueError(f"dead_after must be a positive number of steps or None, "
                             f"got {dead_after}")
        self.num_codes = int(num_codes)
        self.dim = int(dim)
        self.commitment = float(commitment)
        self.kmeans_init = bool(kmeans_init)
        self.kmeans_iters = int(kmeans_iters)
        self.dead_after = None if dead_after is None else int(dead_after)
        self.codebook = nn.Parameter(torch.randn(self.num_codes, self.dim) / math.sqrt(self.dim))
        self.register_buffer("initialized", torch.tensor(not self.kmeans_init))
        self.register_buffer("unused_steps", torch.zeros(self.num_codes, dtype=torch.long))
        #: How many codes the last training step replaced (for logging and tests).
        self.last_replaced = 0

    def extra_repr(self) -> str:
        return (f"num_codes={self.num_codes}, dim={self.dim}, commitment={self.commitment}, "
                f"kmeans_init={self.kmeans_init}, dead_after={self.dead_after}")

    @property
    def codebook_sizes(self) -> tuple[int, ...]:
        return (self.num_codes,)

    def distances(self, x: Tensor) -> Tensor:
        """Squared Euclidean distances (..., K) from each vector to every code."""
        _check_input(x, self.dim, "VectorQuantizer")
        c = self.codebook
        d = ((x * x).sum(-1, keepdim=True) - 2 * x @ c.t() + (c * c).sum(-1))
        return d.clamp(min=0)

    def nearest(self, x: Tensor, k: int = 1) -> Tensor:
        """Ids (..., k) of the k nearest codes, closest first (k=1 is the quantiser's choice)."""
        if not 1 <= int(k) <= self.num_codes:
            raise ValueError(f"k must lie in [1, {self.num_codes}], got {k}")
        with torch.no_grad():
            d = self.distances(x)
            if k == 1:
                return d.argmin(-1, keepdim=True)
            return d.topk(int(k), dim=-1, largest=False).indices

    def decode_codes(self, codes: Tensor) -> Tensor:
        codes = _check_codes(codes, self.codebook_sizes, "VectorQuantizer")
        return F.embedding(codes[..., 0], self.codebook)

    def forward(self, x: Tensor) -> QuantizerOutput:
        _check_input(x, self.dim, "VectorQuantizer")
        if self.training:
            self._maybe_init(x)
        ids = self.nearest(x)
        q = F.embedding(ids[..., 0], self.codebook)  # carries the codebook's gradient
        codebook_loss = F.mse_loss(q, x.detach())
        commitment_loss = F.mse_loss(x, q.detach())
        if self.training:
            self._track_usage(x, ids)
        quantized = x + (q - x).detach()  # straight-through: forward q, backward identity
        return QuantizerOutput(quantized, ids, codebook_loss, commitment_loss,
                               codebook_loss + self.commitment * commitment_loss)

    @torch.no_grad()
    def init_from(self, x: Tensor) -> None:
        """Set the codebook by k-means on the rows of `x` (..., dim) and mark it initialised."""
        _check_input(x, self.dim, "VectorQuantizer")
        flat = x.detach().reshape(-1, self.dim)
        self.codebook.data.copy_(kmeans(flat, self.num_codes, self.kmeans_iters).to(
            self.codebook))
        self.initialized.fill_(True)
        self.unused_steps.zero_()

    def _maybe_init(self, x: Tensor) -> None:
        if not bool(self.initialized):
            self.init_from(x)

    @torch.no_grad()
    def _track_usage(self, x: Tensor, ids: Tensor) -> None:
        """Count steps each code went unused and replace codes unused for `dead_after` steps."""
        self.last_replaced = 0
        used = torch.bincount(ids.reshape(-1), minlength=self.num_codes) > 0
        self.unused_steps.add_(1).masked_fill_(used, 0)
        if self.dead_after is None:
            return
        dead = (self.unused_steps >= self.dead_after).nonzero().squeeze(1)
        if dead.numel() == 0:
            return
        flat = x.detach().reshape(-1, self.dim)
        pick = torch.randint(flat.shape[0], (dead.numel(),), device=flat.device)
        self.codebook.data[dead] = flat[pick].to(self.codebook)
        self.unused_steps[dead] = 0
        self.last_replaced = int(dead.numel())


class ResidualVectorQuantizer(Quantizer):
    """1-8 `VectorQuantizer` stages: stage i codes the residual left by stages 0..i-1.

    The output is x + sg(Σ q_i - x), so the encoder sees an identity gradient however many stages
    run; each codebook learns from its own residual (codebook loss summed over stages) and the
    commitment term ties x to the full sum. `forward(x, stages=n)` uses only the first n stages
    (codes then have n columns), so one model can be read at several bitrates.
    """

    def __init__(self, num_stages: int, num_codes: int, dim: int, *, commitment: float = 0.25,
                 kmeans_init: bool = False, kmeans_iters: int = 10,
                 dead_after: int | None = None) -> None:
        super().__init__()
        if not 1 <= int(num_stages) <= MAX_STAGES:
            raise ValueError(f"num_stages must lie in [1, {MAX_STAGES}], got {num_stages}")
        self.dim = int(dim)
        self.commitment = float(commitment)
        self.stages = nn.ModuleList(
            VectorQuantizer(num_codes, dim, commitment=commitment, kmeans_init=kmeans_init,
                            kmeans_iters=kmeans_iters, dead_after=dead_after)
            for _ in range(int(num_stages)))

    @property
    def num_stages(self) -> int:
        """How many stages (codebooks) the quantiser has."""
        return len(self.stages)

    @property
    def codebook_sizes(self) -> tuple[int, ...]:
        return tuple(s.num_codes for s in self.stages)

    def _n(self, stages: int | None) -> int:
        n = self.num_stages if stages is None else int(stages)
        if not 1 <= n <= self.num_stages:
            raise ValueError(f"stages must lie in [1, {self.num_stages}], got {stages}")
        return n

    def decode_codes(self, codes: Tensor) -> Tensor:
        """Sum of the codes' vectors; codes may hold only the first n stages' columns."""
        codes = torch.as_tensor(codes)
        n = self._n(codes.shape[-1] if codes.ndim else None)
        codes = _check_codes(codes, self.codebook_sizes[:n], "ResidualVectorQuantizer")
        return sum(F.embedding(codes[..., i], s.codebook) for i, s in enumerate(self.stages[:n]))

    @torch.no_grad()
    def init_from(self, x: Tensor) -> None:
        """K-means initialise stage by stage, each stage on the residual the previous ones left."""
        _check_input(x, self.dim, "ResidualVectorQuantizer")
        residual = x.detach().reshape(-1, self.dim)
        for stage in self.stages:
            stage.init_from(residual)
            residual = residual - stage.decode_codes(stage.nearest(residual))

    def forward(self, x: Tensor, stages: int | None = None) -> QuantizerOutput:
        _check_input(x, self.dim, "ResidualVectorQuantizer")
        n = self._n(stages)
        residual = x.detach()
        total = torch.zeros_like(x)
        codes, codebook_loss = [], x.new_zeros(())
        for stage in self.stages[:n]:
            out = stage(residual)
            q = stage.decode_codes(out.codes)  # hard codes with the codebook's gradient
            codebook_loss = codebook_loss + out.codebook_loss
            total = total + q
            residual = residual - q.detach()
            codes.append(out.codes)
        commitment_loss = F.mse_loss(x, total.detach())
        quantized = x + (total - x).detach()
        return QuantizerOutput(quantized, torch.cat(codes, dim=-1), codebook_loss,
                               commitment_loss, codebook_loss + self.commitment * commitment_loss)


class FiniteScalarQuantizer(Quantizer):
    """FSQ: each dimension bounded by tanh and rounded to one of `levels[d]` values.

    No codebook to learn and no codebook collapse; the implicit codebook is the grid, of size
    prod(levels). Quantised values are the integers of the grid divided by levels[d] // 2, so they
    lie in [-1, 1]; the id is the mixed-radix integer Σ index_d · prod(levels[:d]).
    """

    def __init__(self, levels: Sequence[int]) -> None:
        super().__init__()
        levels = [int(v) for v in levels]
        if not levels or any(v < 2 for v in levels):
            raise ValueError(f"levels must be a non-empty list of integers >= 2, got {levels}")
        size = math.prod(levels)
        if size >= 2 ** 62:
            raise ValueError(f"prod(levels) = {size} does not fit an int64 id")
        self.levels = tuple(levels)
        self.dim = len(levels)
        lv = torch.tensor(levels, dtype=torch.float32)
        half = (lv - 1) / 2
        offset = torch.where(lv % 2 == 0, torch.tensor(0.5), torch.tensor(0.0))
        self.register_buffer("_half", half, persistent=False)
        self.register_buffer("_offset", offset, persistent=False)
        self.register_buffer("_shift", torch.atanh(offset / half), persistent=False)
        self.register_buffer("_scale", torch.div(lv, 2, rounding_mode="floor"), persistent=False)
        basis = [math.prod(levels[:d]) for d in range(len(levels))]
        self.register_buffer("_basis", torch.tensor(basis, dtype=torch.long), persistent=False)

    def extra_repr(self) -> str:
        return f"levels={list(self.levels)}"

    @property
    def codebook_size(self) -> int:
        """Number of grid points, prod(levels)."""
        return math.prod(self.levels)

    @property
    def codebook_sizes(self) -> tuple[int, ...]:
        return (self.codebook_size,)

    def bound(self, z: Tensor) -> Tensor:
        """Squash each dimension into the open range that rounds to exactly `levels[d]` integers."""
        return torch.tanh(z + self._shift) * self._half - self._offset

    def grid_to_ids(self, grid: Tensor) -> Tensor:
        """Mixed-radix ids (...,) of integer grid points (..., dim)."""
        index = grid.round().long() + self._scale.long()
        return (index * self._basis).sum(-1)

    def ids_to_grid(self, ids: Tensor) -> Tensor:
        """Integer grid points (..., dim), as floats, of ids (...,)."""
        levels = torch.tensor(self.levels, device=ids.device)
        index = torch.div(ids.long().unsqueeze(-1), self._basis, rounding_mode="floor") % levels
        return (index - self._scale.long()).to(self._half.dtype)

    def decode_codes(self, codes: Tensor) -> Tensor:
        codes = _check_codes(codes, self.codebook_sizes, "FiniteScalarQuantizer")
        return self.ids_to_grid(codes[..., 0]) / self._scale

    def forward(self, x: Tensor) -> QuantizerOutput:
        _check_input(x, self.dim, "FiniteScalarQuantizer")
        bounded = self.bound(x)
        grid = bounded + (bounded.round() - bounded).detach()  # straight-through rounding
        ids = self.grid_to_ids(grid.detach()).unsqueeze(-1)
        zero = x.new_zeros(())
        return QuantizerOutput(grid / self._scale, ids, zero, zero, zero)


__all__ = ["MAX_STAGES", "FiniteScalarQuantizer", "Quantizer", "QuantizerOutput",
           "ResidualVectorQuantizer", "VectorQuantizer", "kmeans"]
