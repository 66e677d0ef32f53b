"""Emotion steering: add an emotion direction to the residual stream while the model writes.

At each chosen layer, the last token's residual h gets ``alpha * v * RMS(h)`` (v the unit emotion
direction of that layer), so alpha is measured in units of the residual's own scale and one
alpha means the same at every depth. ``positions="generation"`` steers the last prompt token and
then every generated token; ``"prompt"`` steers the last prompt token only.

>>> replies = steer(model, ["Tell me about your week"], "happiness", alpha=4)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import torch

from affectlab.lm.model.hooks import Edit
from affectlab.lm.model.language_model import LanguageModel
from affectlab.lm.steering.defaults import check_fits, default_directions
from affectlab.lm.steering.emotion_directions import SUBLAYERS, EmotionDirections
from affectlab.lm.steering.scenarios import NEUTRAL_SYSTEM

__all__ = ["POSITIONS", "check_alpha", "resolve_layers", "steer", "steering_edits"]

POSITIONS = ("generation", "prompt")


def check_alpha(alpha: Any, name: str = "alpha") -> float:
    """A finite real strength, or a clear error naming it."""
    if isinstance(alpha, (bool, str)) or alpha is None:
        raise ValueError(f"{name} must be a finite number, got {alpha!r}")
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number, got {alpha!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {alpha!r}")
    return value


def resolve_layers(layers: int | Iterable[int] | str | None, n_layers: int) -> list[int]:
    """Layer indices from ints, a range string ("12-21", "12,14,16") or None: a third of the
    model from 53% depth (16-25 of SmolLM2's 30, chosen on training scenarios; the paper steers
    11-20 of Llama-3.2-3B's 28). Negative indices count from the end."""
    if layers is None:
        start = min(n_layers - 1, math.floor(n_layers * 0.53 + 0.5))
        return list(range(start, min(n_layers, start + max(1, round(n_layers / 3)))))
    if isinstance(layers, str):
        out: list[int] = []
        for part in layers.replace(" ", "").split(","):
            if not part:
                continue
            lo, sep, hi = part.partition("-") if not part.startswith("-") else (part, "", "")
            try:
                out.extend(range(int(lo), int(hi) + 1) if sep else [int(lo)])
            except ValueError:
                raise ValueError(f"cannot read layers {layers!r}: use e.g. '12-21' or "
                                 "'3,5,7'") from None
        layers = out
    elif isinstance(layers, numbers.Integral):
        layers = [layers]
    result = []
    for layer in layers:
        whole = isinstance(layer, numbers.Integral) and not isinstance(layer, bool)
        if not whole or not -n_layers <= int(layer) < n_layers:
            raise ValueError(f"layer {layer!r} out of range: the model has {n_layers} layers "
                             f"(whole numbers 0..{n_layers - 1})")
        result.append(int(layer) % n_layers)
    if not result:
        raise ValueError("no layers to steer")
    return sorted(set(result))


def _last_token_add(vector: torch.Tensor, alpha: float, positions: str) -> Edit:
    def edit(x: torch.Tensor) -> torch.Tensor | None:
        if positions == "prompt" and x.shape[1] == 1:
            return None  # a decoding step: only the prompt's last token is steered
        h = x[:, -1]
        rms = h.float().pow(2).mean(dim=-1, keepdim=True).sqrt().to(x.dtype)
        out = x.clone()
        out[:, -1] = h + alpha * rms * vector.to(x.device, x.dtype)
        return out

    return edit


def steering_edits(directions: EmotionDirections, emotion: str, alpha: float,
                   layers: int | Iterable[int] | str | None = None, *, sublayer: str = "mlp",
                   positions: str = "generation") -> dict[str, Edit]:
    """Site edits that steer towards `emotion` (pass them as ``edit=`` to generate or hooks)."""
    alpha = check_alpha(alpha)
    if positions not in POSITIONS:
        raise ValueError(f"positions must be one of {POSITIONS}, got {positions!r}")
    if sublayer not in SUBLAYERS:
        raise ValueError(f"sublayer must be one of {tuple(SUBLAYERS)}, got {sublayer!r}")
    edits = {}
    for i in resolve_layers(layers, directions.n_layers):
        v = torch.as_tensor(directions.vector(emotion, i, sublayer))
        edits[f"blocks.{i}.{SUBLAYERS[sublayer]}"] = _last_token_add(v, alpha, positions)
    return edits


def steer(lm: LanguageModel, prompts: str | Sequence[str], emotion: str, alpha: float = 1.0,
          layers: int | Iterable[int] | str | None = None, *,
          directions: EmotionDirections | None = None, sublayer: str = "mlp",
          positions: str = "generation", system: str | None = NEUTRAL_SYSTEM,
          max_new_tokens: int = 48, **generate_kwargs: Any) -> list[str]:
    """Replies to `prompts` steered towards `emotion` (neutral system prompt by default).

    `directions` default to the model's own (`affectlab.lm.default_directions`).
    """
    if directions is None:
        directions = default_directions(lm)
    check_fits(lm, directions)
    edits = steering_edits(directions, emotion, alpha, layers, sublayer=sublayer,
                           positions=positions)
    return lm.generate(prompts, system=system, max_new_tokens=max_new_tokens, edit=edits,
                       **generate_kwargs)
