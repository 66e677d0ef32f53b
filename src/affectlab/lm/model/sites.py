"""Stable names for every place inside a language model that can be read or edited.

A site name is ``blocks.{i}.<point>`` for a point inside transformer block ``i`` (0-based), or a
model-wide point (``embed``, ``ln_final.out``). The same names work for every model family;
`affectlab.lm.model.adapters` maps them onto each architecture's modules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from affectlab.errors import UnknownNameError

#: Points inside a block, in the order the residual stream meets them.
BLOCK_POINTS: dict[str, str] = {
    "resid_pre": "residual stream entering the block (batch, pos, d_model)",
    "attn.head_in": "per-head input of the attention output projection (batch, pos, heads, d_head)",
    "attn.out": "attention sublayer output added to the residual stream (batch, pos, d_model)",
    "resid_mid": "residual stream after attention, before the MLP (batch, pos, d_model)",
    "mlp.act": "post-activation MLP neurons, the input of the down projection (batch, pos, d_mlp)",
    "mlp.out": "MLP sublayer output added to the residual stream (batch, pos, d_model)",
    "resid_post": "residual stream leaving the block (batch, pos, d_model)",
}

#: Points outside the blocks.
MODEL_POINTS: dict[str, str] = {
    "embed": "token (and position) embeddings: the residual stream before block 0",
    "ln_final.out": "the final normalisation's output, the input of the unembedding",
}

_BLOCK_RE = re.compile(r"^blocks\.(-?\d+)\.(.+)$")


@dataclass(frozen=True)
class Site:
    """A parsed site: `layer` is None for model-wide points."""

    point: str
    layer: int | None = None

    @property
    def name(self) -> str:
        return self.point if self.layer is None else f"blocks.{self.layer}.{self.point}"

    def __str__(self) -> str:
        return self.name


def site_name(layer: int, point: str) -> str:
    """``blocks.{layer}.{point}``, checked against the known points."""
    if point not in BLOCK_POINTS:
        raise UnknownNameError("site point", point, BLOCK_POINTS)
    return f"blocks.{int(layer)}.{point}"


def parse_site(name: str | Site, n_layers: int | None = None) -> Site:
    """Parse and check a site name; negative layers count from the end when `n_layers` is given."""
    if isinstance(name, Site):
        name = name.name
    if not isinstance(name, str):
        raise TypeError(f"a site name is a str like 'blocks.3.resid_post', got {name!r}")
    key = name.strip()
    if key in MODEL_POINTS:
        return Site(key)
    match = _BLOCK_RE.match(key)
    if not match:
        valid = [f"blocks.{{i}}.{p}" for p in BLOCK_POINTS] + list(MODEL_POINTS)
        raise UnknownNameError("site", key, valid)
    layer, point = int(match.group(1)), match.group(2)
    if point not in BLOCK_POINTS:
        raise UnknownNameError("site point", point, BLOCK_POINTS, context=key)
    if n_layers is not None:
        if layer < 0:
            layer += n_layers
        if not 0 <= layer < n_layers:
            raise IndexError(f"site {key!r}: layer {match.group(1)} is out of range; the model "
                             f"has {n_layers} blocks (0..{n_layers - 1})")
    return Site(point, layer)


def all_sites(n_layers: int) -> list[str]:
    """Every site name of a model with `n_layers` blocks, in forward order."""
    names = ["embed"]
    for i in range(n_layers):
        names += [f"blocks.{i}.{p}" for p in BLOCK_POINTS]
    return names + ["ln_final.out"]
