"""Emotion circuits: the neurons and heads that write each emotion direction, and how much each
sublayer matters downstream (after Wang et al. 2025, "Do LLMs Feel? Emotion Circuits").

From SEV prompts read with each emotion's system prompt (last prompt token):
- neurons: contribution ``c_j = a_j * (W_down v)_j`` of post-activation MLP neuron j to the
  layer's emotion direction v, averaged over the emotion's prompts, ranked per layer;
- heads: importance = the drop in the projection of the post-attention residual on the
  attention direction when the head's slice of the output-projection input is zeroed (exact and
  analytic: the head's own term ``head_in_h @ W_O_h`` projected on v);
- sublayers: ``I = Δs / (α σ)``: add ``α σ v`` at one sublayer (σ the residual RMS there) of the
  last prompt token under a neutral system prompt, and measure the change Δs of the final
  residual's projection on a late-layer reference direction;
- circuit: per-layer budgets of neurons and heads allocated by sublayer importance, the top
  components taken, and their emotion difference vectors (group-centred mean activations) kept
  for modulation (`affectlab.lm.steering.modulation`).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from affectlab.core.progress import progress_bar
from affectlab.directions import group_centred
from affectlab.errors import UnknownNameError
from affectlab.lm.model.language_model import LanguageModel
from affectlab.lm.steering.emotion_directions import (
    SUBLAYERS,
    EmotionDirections,
    _group_ids,
    direction_meta,
    directions_from_states,
    last_token_states,
)
from affectlab.lm.steering.scenarios import EMOTIONS, NEUTRAL_SYSTEM, Scenario, SevItem, build_items
from affectlab.lm.steering.storage import read_part, write_part

__all__ = ["CircuitStats", "EmotionCircuit", "allocate", "circuit_stats", "discover_circuits",
           "reference_direction", "sublayer_importance"]


@dataclass
class CircuitStats:
    """Per-layer, per-emotion statistics of the neurons and heads at the last prompt token."""

    emotions: list[str]
    mlp_delta: np.ndarray        # (L, E, d_mlp) group-centred mean activation per emotion
    head_delta: np.ndarray       # (L, E, H, d_head) same, at the output-projection input
    neuron_contrib: np.ndarray   # (L, E, d_mlp) mean a_j * (W_down v)_j
    head_importance: np.ndarray  # (L, E, H) mean projection of each head's term on v_attn
    sigma: np.ndarray            # (L, 2) mean residual RMS after attention / after the MLP


def circuit_stats(lm: LanguageModel, states: Mapping[str, np.ndarray], items: Sequence[SevItem],
                  directions: EmotionDirections) -> CircuitStats:
    """Neuron contributions, head importances and difference vectors from last-token states."""
    emotions = directions.emotions
    y = np.array([it.emotion for it in items], dtype=object)
    groups = _group_ids(items)
    L, H, dh = lm.n_layers, lm.n_heads, lm.d_head
    mlp_delta = np.zeros((L, len(emotions), lm.d_mlp), np.float32)
    head_delta = np.zeros((L, len(emotions), H, dh), np.float32)
    contrib = np.zeros((L, len(emotions), lm.d_mlp), np.float32)
    head_imp = np.zeros((L, len(emotions), H), np.float32)
    sigma = np.zeros((L, 2), np.float32)
    for i in range(L):
        act = states[f"blocks.{i}.mlp.act"].astype(np.float64)
        heads = states[f"blocks.{i}.attn.head_in"].astype(np.float64).reshape(len(items), H, dh)
        w_down = lm.adapter.W_down(i).detach().float().cpu().numpy().astype(np.float64)
        w_o = lm.adapter.W_O(i).detach().float().cpu().numpy().astype(np.float64)
        w_o = w_o.reshape(H, dh, -1)
        centred_act = group_centred(act, y, groups, emotions)
        centred_heads = group_centred(heads.reshape(len(items), -1), y, groups, emotions)
        for k, e in enumerate(emotions):
            rows = y == e
            mlp_delta[i, k] = centred_act[rows].mean(axis=0)
            head_delta[i, k] = centred_heads[rows].mean(axis=0).reshape(H, dh)
            beta = w_down @ directions.vector(e, i, "mlp").astype(np.float64)
            contrib[i, k] = (act[rows] * beta).mean(axis=0)
            # each head's direct term in attn.out, projected on the attention direction
            u = w_o @ directions.vector(e, i, "attn").astype(np.float64)  # (H, d_head)
            head_imp[i, k] = np.einsum("nhd,hd->nh", heads[rows], u).mean(axis=0)
        for j, point in enumerate(SUBLAYERS.values()):
            h = states[f"blocks.{i}.{point}"].astype(np.float64)
            sigma[i, j] = np.sqrt((h ** 2).mean(axis=1)).mean()
    return CircuitStats(list(emotions), mlp_delta, head_delta, contrib, head_imp, sigma)


def reference_direction(directions: EmotionDirections, emotion: str,
                        window: tuple[float, float] = (0.75, 0.9)) -> np.ndarray:
    """Unit sum of the emotion's attention and MLP directions over a late window of layers
    (by depth fraction), each sign-aligned with the last layer's MLP direction."""
    L = directions.n_layers
    lo, hi = round(window[0] * (L - 1)), round(window[1] * (L - 1))
    anchor = directions.vector(emotion, L - 1, "mlp").astype(np.float64)
    total = np.zeros_like(anchor)
    for i in range(lo, hi + 1):
        for sub in SUBLAYERS:
            v = directions.vector(emotion, i, sub).astype(np.float64)
            total += v if v @ anchor >= 0 else -v
    norm = np.linalg.norm(total)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError(f"the directions of {emotion!r} give no reference direction "
                         "(zero or not finite)")
    return total / norm


@torch.inference_mode()
def sublayer_importance(lm: LanguageModel, directions: EmotionDirections, prompts: Sequence[str],
                        sigma: np.ndarray, *, emotions: Sequence[str] | None = None,
                        alphas: Sequence[float] = (0.1, 0.3, 0.5, 0.7),
                        system: str | None = NEUTRAL_SYSTEM, max_rows: int = 192,
                        progress: bool = True) -> np.ndarray:
    """(E, L, 2) importance ``mean over α of Δs / (α σ)`` of every sublayer for every emotion.

    An edit at the last position cannot change earlier ones, so the prompt minus its last token
    runs once and each intervention reruns only the last token on the cached keys and values.
    Every (emotion, α) pair is one row of the same batch, so one sublayer costs one forward step.
    """
    emotions = list(emotions or directions.emotions)
    if not prompts:
        raise ValueError("sublayer importance needs at least one prompt")
    L, n_sub = lm.n_layers, len(SUBLAYERS)
    variants = [(k, a) for k in range(len(emotions)) for a in alphas]
    V = len(variants)
    refs = np.stack([reference_direction(directions, e) for e in emotions])  # (E, d)
    # per (variant, layer, sublayer): the shift direction, sign-aligned with the reference
    dirs = np.zeros((len(emotions), L, n_sub, refs.shape[1]))
    for k, e in enumerate(emotions):
        for i in range(L):
            for j, sub in enumerate(SUBLAYERS):
                v = directions.vector(e, i, sub).astype(np.float64)
                dirs[k, i, j] = v if v @ refs[k] >= 0 else -v
    kv = "cache" if "cache" in inspect.signature(lm.model.forward).parameters \
        else "past_key_values"  # transformers 5 renamed the key/value cache argument
    final = f"blocks.{L - 1}.resid_post"
    total = np.zeros((len(emotions), L, n_sub))
    per_chunk = max(1, max_rows // V)
    chunks = [list(prompts[c:c + per_chunk]) for c in range(0, len(prompts), per_chunk)]
    with progress_bar(progress, len(chunks) * L * n_sub, "sublayer importance") as bar:
        for chunk in chunks:
            batch = lm.encode(chunk, chat=True, system=system, padding_side="left")
            ids = batch["input_ids"].repeat_interleave(V, dim=0)
            mask = batch["attention_mask"].repeat_interleave(V, dim=0)
            pos = (mask.cumsum(-1) - 1).clamp(min=0)
            cache = lm.model(input_ids=ids[:, :-1], attention_mask=mask[:, :-1],
                             position_ids=pos[:, :-1], use_cache=True)[kv]
            rows_k = np.array([variants[r % V][0] for r in range(len(ids))])
            rows_a = np.array([variants[r % V][1] for r in range(len(ids))])
            ref_rows = torch.as_tensor(refs[rows_k], device=lm.device)

            def score(edit: Mapping[str, Any], cache: Any = cache, ids: Any = ids,
                      mask: Any = mask, pos: Any = pos, ref_rows: Any = ref_rows) -> np.ndarray:
                with lm.hooks(read=[final], edit=edit) as got:
                    lm.model(input_ids=ids[:, -1:], attention_mask=mask,
                             position_ids=pos[:, -1:], use_cache=True, **{kv: cache})
                cache.crop(-1)  # drop the last token again (a negative crop removes that many)
                return (got[final][:, -1].double() * ref_rows).sum(-1).cpu().numpy()

            s0 = score({})
            for i in range(L):
                for j, point in enumerate(SUBLAYERS.values()):
                    step = rows_a[:, None] * float(sigma[i, j]) * dirs[rows_k, i, j]
                    shift = torch.as_tensor(step, dtype=lm.model.dtype, device=lm.device)

                    def add(x: torch.Tensor, shift: torch.Tensor = shift) -> torch.Tensor:
                        x = x.clone()
                        x[:, -1] += shift
                        return x

                    gain = (score({f"blocks.{i}.{point}": add}) - s0) / \
                        (rows_a * float(sigma[i, j]))
                    np.add.at(total[:, i, j], rows_k, gain)
                    bar(1)
    return total / (len(prompts) * len(alphas))


def allocate(weights: Sequence[float], total: int, minimum: int = 0,
             cap: int | None = None) -> list[int]:
    """Integer budgets per slot: `minimum` each, the rest in proportion to the (non-negative)
    weights by largest remainder, no slot above `cap`; the budgets sum to `total`."""
    w = np.asarray(weights, dtype=np.float64)
    if not np.all(np.isfinite(w)):
        raise ValueError("allocation weights must be finite (is a sublayer importance NaN?)")
    w = np.clip(w, 0.0, None)
    n = len(w)
    if total < minimum * n:
        raise ValueError(f"budget {total} is below the minimum {minimum} x {n} slots")
    cap = total if cap is None else cap
    if cap * n < total:
        raise ValueError(f"cap {cap} x {n} slots cannot hold a budget of {total}")
    counts = np.full(n, minimum, dtype=np.int64)
    for _ in range(n + 1):
        left = total - counts.sum()
        if left == 0:
            break
        open_ = counts < cap
        ww = np.where(open_, w, 0.0)
        if ww.sum() == 0:
            ww = open_.astype(np.float64)
        share = ww / ww.sum() * left
        add = np.minimum(np.floor(share).astype(np.int64), cap - counts)
        counts += add
        left = total - counts.sum()
        order = np.argsort(-(share - np.floor(share)), kind="stable")
        for k in order:
            if left == 0:
                break
            if counts[k] < cap and ww[k] > 0:
                counts[k] += 1
                left -= 1
    if counts.sum() != total:  # rounding left something: fill any open slot
        for k in np.argsort(-w, kind="stable"):
            while counts.sum() < total and counts[k] < cap:
                counts[k] += 1
    return counts.tolist()


@dataclass
class EmotionCircuit:
    """Per emotion: the chosen neurons (layer, index) and heads (layer, head), the sublayer
    importances, and the difference vectors to inject."""

    emotions: list[str]
    neurons: dict[str, list[tuple[int, int]]]
    heads: dict[str, list[tuple[int, int]]]
    importance: np.ndarray       # (E, L, 2) normalised sublayer importance
    mlp_delta: np.ndarray        # (L, E, d_mlp)
    head_delta: np.ndarray       # (L, E, H, d_head)
    neuron_contrib: np.ndarray   # (L, E, d_mlp)
    head_importance: np.ndarray  # (L, E, H)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_layers(self) -> int:
        return int(self.mlp_delta.shape[0])

    def index(self, emotion: str) -> int:
        key = "happiness" if emotion == "joy" and "joy" not in self.emotions else emotion
        if key not in self.emotions:
            raise UnknownNameError("emotion", emotion, self.emotions)
        return self.emotions.index(key)

    def name(self, emotion: str) -> str:
        return self.emotions[self.index(emotion)]

    def top_neurons(self, emotion: str, k: int = 10) -> list[dict[str, Any]]:
        """The emotion's strongest circuit neurons by mean contribution."""
        e = self.index(emotion)
        rows = [{"layer": i, "neuron": j, "contribution": float(self.neuron_contrib[i, e, j])}
                for i, j in self.neurons[self.name(emotion)]]
        return sorted(rows, key=lambda r: -r["contribution"])[:k]

    def top_heads(self, emotion: str, k: int = 10) -> list[dict[str, Any]]:
        """The emotion's strongest circuit heads by importance."""
        e = self.index(emotion)
        rows = [{"layer": i, "head": h, "importance": float(self.head_importance[i, e, h])}
                for i, h in self.heads[self.name(emotion)]]
        return sorted(rows, key=lambda r: -r["importance"])[:k]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``circuit.safetensors`` and then the manifest ``affectlab.json`` (kind
        "lm.circuit") into folder `path`, each atomically. Directions already saved in the
        folder are kept (the manifest then is of kind "lm.emotion_control", naming both)."""
        arrays = {"importance": self.importance, "mlp_delta": self.mlp_delta,
                  "head_delta": self.head_delta, "neuron_contrib": self.neuron_contrib,
                  "head_importance": self.head_importance}
        config = {"emotions": list(self.emotions),
                  "neurons": {e: [list(x) for x in v] for e, v in self.neurons.items()},
                  "heads": {e: [list(x) for x in v] for e, v in self.heads.items()},
                  "meta": self.meta}
        return write_part(path, "circuit", arrays, config)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EmotionCircuit:
        """Reload a circuit written by `save` (also a folder saved before ``affectlab.json``,
        with ``circuit.json``)."""
        info, arr, _ = read_part(path, "circuit")
        return cls(info["emotions"],
                   {e: [tuple(x) for x in v] for e, v in info["neurons"].items()},
                   {e: [tuple(x) for x in v] for e, v in info["heads"].items()},
                   arr["importance"], arr["mlp_delta"], arr["head_delta"],
                   arr["neuron_contrib"], arr["head_importance"], info.get("meta", {}))


def build_circuit(stats: CircuitStats, importance: np.ndarray, *, n_neurons: int = 240,
                  n_heads: int = 80, min_neurons: int = 4, min_heads: int = 2,
                  cap_fraction: float = 0.4, meta: Mapping[str, Any] | None = None
                  ) -> EmotionCircuit:
    """Allocate per-layer budgets by sublayer importance and take the top components."""
    L, _E, d_mlp = stats.neuron_contrib.shape
    H = stats.head_importance.shape[-1]
    if n_neurons < 1 or n_heads < 1:
        raise ValueError("a circuit needs at least one neuron and one head")
    if not np.all(np.isfinite(importance)):
        raise ValueError("sublayer importance contains NaN or infinite values")
    n_heads = min(n_heads, L * H)
    n_neurons = min(n_neurons, L * d_mlp)
    norm = importance / np.where(np.abs(importance).sum(axis=(1, 2), keepdims=True) > 0,
                                 np.abs(importance).sum(axis=(1, 2), keepdims=True), 1.0)
    neurons: dict[str, list[tuple[int, int]]] = {}
    heads: dict[str, list[tuple[int, int]]] = {}
    for k, e in enumerate(stats.emotions):
        w = np.clip(norm[k], 0, None)
        n_per = allocate(w[:, 1], n_neurons, min(min_neurons, n_neurons // L),
                         min(d_mlp, max(min_neurons, int(np.ceil(cap_fraction * n_neurons)),
                                        int(np.ceil(n_neurons / L)))))
        h_per = allocate(w[:, 0], n_heads, min(min_heads, H, n_heads // L),
                         min(H, max(min_heads, int(np.ceil(cap_fraction * n_heads)),
                                    int(np.ceil(n_heads / L)))))
        neurons[e] = [(i, int(j)) for i in range(L)
                      for j in np.argsort(-stats.neuron_contrib[i, k], kind="stable")[:n_per[i]]]
        heads[e] = [(i, int(h)) for i in range(L)
                    for h in np.argsort(-stats.head_importance[i, k], kind="stable")[:h_per[i]]]
    info = {"n_neurons": n_neurons, "n_heads": n_heads, "min_neurons": min_neurons,
            "min_heads": min_heads, "cap_fraction": cap_fraction, **(meta or {})}
    return EmotionCircuit(stats.emotions, neurons, heads, norm.astype(np.float32),
                          stats.mlp_delta, stats.head_delta, stats.neuron_contrib,
                          stats.head_importance, info)


def discover_circuits(lm: LanguageModel, scenarios: Iterable[Scenario], *,
                      emotions: Sequence[str] = EMOTIONS, elicitation: str = "system",
                      n_neurons: int = 240, n_heads: int = 80, n_importance_prompts: int = 24,
                      batch_size: int = 32, progress: bool = True
                      ) -> tuple[EmotionDirections, EmotionCircuit]:
    """Directions and circuits from one pass over the SEV prompts (the emotion elicited by the
    system prompt, or by a reply opener with ``elicitation="prefill"``), plus the sublayer
    interventions on `n_importance_prompts` prompts under a neutral system prompt."""
    scenarios = list(scenarios)
    if n_importance_prompts < 1:
        raise ValueError("n_importance_prompts must be at least 1")
    items = build_items(scenarios, emotions, elicitation=elicitation)
    L = lm.n_layers
    sites = [f"blocks.{i}.{p}" for i in range(L)
             for p in ("resid_mid", "resid_post", "mlp.act", "attn.head_in")]
    states = last_token_states(lm, items, sites, batch_size=batch_size, progress=progress)
    vectors, stability = directions_from_states(states, items, L, emotions)
    meta = direction_meta(lm, scenarios, items, elicitation)
    directions = EmotionDirections(vectors, list(emotions), list(SUBLAYERS), stability, meta)
    stats = circuit_stats(lm, states, items, directions)
    del states
    neutral = build_items(scenarios, None)
    step = max(1, len(neutral) // n_importance_prompts)
    prompts = [it.user for it in neutral[::step][:n_importance_prompts]]
    importance = sublayer_importance(lm, directions, prompts, stats.sigma, progress=progress)
    circuit = build_circuit(stats, importance, n_neurons=n_neurons, n_heads=n_heads,
                            meta={"model": lm.name, "fingerprint": lm.fingerprint,
                                  "elicitation": elicitation,
                                  "n_importance_prompts": len(prompts),
                                  "raw_importance": importance.round(5).tolist()})
    return directions, circuit
