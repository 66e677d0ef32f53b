"""Circuit modulation, ablation and enhancement: edits on the neurons and heads of a circuit.

- `modulation_edits`: at the last position of every forward call (the last prompt token, then
  each generated token) add to each chosen neuron and head its emotion difference vector
  (group-centred mean activation under the emotion's prompt), times `strength`, and, with
  ``weighting="importance"``, times its sublayer's importance relative to the circuit's mean.
- `ablation_edits`: zero chosen neurons and heads at every position.
- `random_components`: as many neurons and heads per layer as a circuit has, drawn at random:
  the control for ablation and enhancement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch

from affectlab.lm.model.hooks import Edit
from affectlab.lm.model.language_model import LanguageModel
from affectlab.lm.steering.circuits import EmotionCircuit
from affectlab.lm.steering.defaults import check_fits, default_circuit
from affectlab.lm.steering.scenarios import NEUTRAL_SYSTEM
from affectlab.lm.steering.vectors import check_alpha

__all__ = ["WEIGHTINGS", "ablation_edits", "components", "merge_edits", "modulate",
           "modulation_edits", "random_components"]

WEIGHTINGS = ("importance", "none")
Components = tuple[list[tuple[int, int]], list[tuple[int, int]]]


def components(circuit: EmotionCircuit, emotion: str, *, top_neurons: int | None = None,
               top_heads: int | None = None) -> Components:
    """The emotion's (neurons, heads); `top_*` keeps only the strongest ones overall."""
    name = circuit.name(emotion)
    neurons, heads = list(circuit.neurons[name]), list(circuit.heads[name])
    if top_neurons is not None:
        neurons = [(r["layer"], r["neuron"]) for r in circuit.top_neurons(name, top_neurons)]
    if top_heads is not None:
        heads = [(r["layer"], r["head"]) for r in circuit.top_heads(name, top_heads)]
    return neurons, heads


def random_components(circuit: EmotionCircuit, comps: Components, seed: int = 0) -> Components:
    """Random neurons and heads with the same count per layer as `comps`, none of them in
    `comps` (fewer where a layer has too few others left: then all that are left)."""
    rng = np.random.default_rng(seed)
    d_mlp = circuit.mlp_delta.shape[-1]
    n_heads = circuit.head_delta.shape[2]
    out: list[list[tuple[int, int]]] = []
    for chosen, size in ((comps[0], d_mlp), (comps[1], n_heads)):
        per: dict[int, set[int]] = defaultdict(set)
        for i, j in chosen:
            per[i].add(j)
        picked = []
        for i, taken in sorted(per.items()):
            pool = np.array([j for j in range(size) if j not in taken])
            k = min(len(taken), len(pool))
            picked += [(i, int(j)) for j in rng.choice(pool, size=k, replace=False)]
        out.append(picked)
    return out[0], out[1]


def _by_layer(pairs: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    per: dict[int, list[int]] = defaultdict(list)
    for i, j in pairs:
        per[int(i)].append(int(j))
    return dict(per)


def _add_last(index: list[int], delta: torch.Tensor) -> Edit:
    idx = torch.tensor(index)

    def edit(x: torch.Tensor) -> torch.Tensor:
        out = x.clone()
        out[:, -1, idx.to(x.device)] += delta.to(x.device, x.dtype)
        return out

    return edit


def modulation_edits(circuit: EmotionCircuit, emotion: str, strength: float = 1.0, *,
                     weighting: str = "importance", comps: Components | None = None
                     ) -> dict[str, Edit]:
    """Site edits that inject the emotion's difference vectors at its circuit's components."""
    strength = check_alpha(strength, "strength")
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    e = circuit.index(emotion)
    neurons, heads = comps if comps is not None else components(circuit, emotion)
    imp = np.clip(circuit.importance[e], 0.0, None)  # (L, 2): attention, MLP
    used = [imp[i, 1] for i, _ in neurons] + [imp[i, 0] for i, _ in heads]
    mean = float(np.mean(used)) if used and np.mean(used) > 0 else 1.0

    def weight(i: int, j: int) -> float:
        return strength * (imp[i, j] / mean if weighting == "importance" else 1.0)

    edits: dict[str, Edit] = {}
    for i, idx in _by_layer(neurons).items():
        delta = torch.as_tensor(circuit.mlp_delta[i, e, idx]) * weight(i, 1)
        edits[f"blocks.{i}.mlp.act"] = _add_last(idx, delta)
    for i, idx in _by_layer(heads).items():
        delta = torch.as_tensor(circuit.head_delta[i, e, idx]) * weight(i, 0)
        edits[f"blocks.{i}.attn.head_in"] = _add_last(idx, delta)
    return edits


def _zero(index: list[int]) -> Edit:
    idx = torch.tensor(index)

    def edit(x: torch.Tensor) -> torch.Tensor:
        out = x.clone()
        where = idx.to(x.device)
        if x.dim() == 4:  # heads: (batch, pos, head, d_head)
            out[:, :, where] = 0.0
        else:
            out[..., where] = 0.0
        return out

    return edit


def ablation_edits(comps: Components) -> dict[str, Edit]:
    """Site edits that zero the given neurons and heads at every position."""
    edits: dict[str, Edit] = {}
    for i, idx in _by_layer(comps[0]).items():
        edits[f"blocks.{i}.mlp.act"] = _zero(idx)
    for i, idx in _by_layer(comps[1]).items():
        edits[f"blocks.{i}.attn.head_in"] = _zero(idx)
    return edits


def merge_edits(*parts: dict[str, Edit]) -> dict[str, Edit]:
    """Edits from several sources; two on one site run one after the other."""
    out: dict[str, Edit] = {}
    for part in parts:
        for site, fn in part.items():
            if site in out:
                first = out[site]

                def both(x: torch.Tensor, a: Edit = first, b: Edit = fn) -> torch.Tensor:
                    y = a(x)
                    y = x if y is None else y
                    z = b(y)
                    return y if z is None else z

                out[site] = both
            else:
                out[site] = fn
    return out


def modulate(lm: LanguageModel, prompts: str | Sequence[str], emotion: str, strength: float = 4.0,
             *, circuit: EmotionCircuit | None = None, weighting: str = "importance",
             system: str | None = NEUTRAL_SYSTEM, max_new_tokens: int = 48,
             **generate_kwargs: Any) -> list[str]:
    """Replies to `prompts` with the emotion's circuit modulated (neutral system prompt by
    default); `circuit` defaults to the model's own (`affectlab.lm.default_circuit`)."""
    if circuit is None:
        circuit = default_circuit(lm)
    check_fits(lm, circuit=circuit)
    edits = modulation_edits(circuit, emotion, strength, weighting=weighting)
    return lm.generate(prompts, system=system, max_new_tokens=max_new_tokens, edit=edits,
                       **generate_kwargs)
