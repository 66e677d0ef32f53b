"""Context-agnostic emotion directions in a language model (after Wang et al. 2025, "Do LLMs Feel?").

Each SEV prompt (one scenario, one valence) is read once per emotion, the emotion set by the
system prompt. At the last prompt token and at every layer, the residual stream is read after
attention (``resid_mid``) and after the MLP (``resid_post``). Within each (scenario, valence)
group the mean over the emotions is removed, so what is left is what the emotion instruction
adds; the per-emotion averages, minus their own mean, normalised, are the directions
(`affectlab.directions.centroid_directions`).

>>> dirs = extract_emotion_directions(model, train_scenarios)
>>> dirs.direction("fear", layer=12).vector.shape     # (d_model,)
>>> dirs.save("fear-dirs"); EmotionDirections.load("fear-dirs")
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from affectlab.core.progress import progress_bar
from affectlab.directions import Direction, centroid_directions, direction_stability
from affectlab.errors import UnknownNameError
from affectlab.lm.model.language_model import LanguageModel
from affectlab.lm.steering.scenarios import EMOTIONS, Scenario, SevItem, build_items
from affectlab.lm.steering.storage import read_part, write_part

__all__ = ["SUBLAYERS", "EmotionDirections", "extract_emotion_directions", "last_token_states",
           "load_directions"]

#: Where a direction lives: the residual stream after attention or after the MLP of a block.
SUBLAYERS: dict[str, str] = {"attn": "resid_mid", "mlp": "resid_post"}


def last_token_states(lm: LanguageModel, items: Sequence[SevItem], sites: Sequence[str], *,
                      batch_size: int = 32, progress: bool = True) -> dict[str, np.ndarray]:
    """Activations at the last prompt token (chat-formatted, with the generation prompt and the
    item's reply prefill, if any) of every item at every site: site -> (n_items, ...) float32.
    Items sharing a system prompt are batched."""
    if not items:
        raise ValueError("no prompts to read")
    names = [lm.site(s) for s in sites]
    by_system: dict[str, list[int]] = {}
    for k, item in enumerate(items):
        by_system.setdefault(item.system, []).append(k)
    out: dict[str, np.ndarray] = {}

    def last(_site: str, x: torch.Tensor) -> torch.Tensor:
        return x[:, -1].float().cpu()

    with progress_bar(progress, len(items), "reading prompts") as bar:
        for system, rows in by_system.items():
            rows = sorted(rows, key=lambda k: len(items[k].user))
            for start in range(0, len(rows), batch_size):
                idx = rows[start:start + batch_size]
                batch = lm.encode([items[k].user for k in idx], chat=True, system=system,
                                  padding_side="left", prefill=[items[k].prefill for k in idx])
                # positions from the mask, as generation counts them (learned absolute
                # positions, as in GPT-2, would otherwise shift with the padding)
                pos = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
                with lm.hooks(read=names, reduce=last) as cache:
                    lm.forward(batch, position_ids=pos)
                for name in names:
                    value = cache[name].numpy()
                    if name not in out:
                        out[name] = np.zeros((len(items), *value.shape[1:]), np.float32)
                    out[name][idx] = value
                bar(len(idx))
    return out


def _group_ids(items: Sequence[SevItem]) -> list[str]:
    return [f"{it.scenario_id}/{it.valence}" for it in items]


@dataclass
class EmotionDirections:
    """Unit emotion directions per layer and sublayer: ``vectors[layer, sublayer, emotion]``."""

    vectors: np.ndarray  # (n_layers, n_sublayers, n_emotions, d_model)
    emotions: list[str]
    sublayers: list[str] = field(default_factory=lambda: list(SUBLAYERS))
    stability: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        want = (len(self.sublayers), len(self.emotions))
        if self.vectors.ndim != 4 or self.vectors.shape[1:3] != want:
            raise ValueError(f"vectors must be (n_layers, {want[0]}, {want[1]}, d_model), "
                             f"got {self.vectors.shape}")

    @property
    def n_layers(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def d_model(self) -> int:
        return int(self.vectors.shape[-1])

    def _emotion(self, emotion: str) -> int:
        key = "happiness" if emotion == "joy" and "joy" not in self.emotions else emotion
        if key not in self.emotions:
            raise UnknownNameError("emotion", emotion, self.emotions)
        return self.emotions.index(key)

    def layer_index(self, layer: int) -> int:
        if not isinstance(layer, (int, np.integer)) or not -self.n_layers <= layer < self.n_layers:
            raise ValueError(f"layer {layer!r} out of range for {self.n_layers} layers")
        return int(layer) % self.n_layers

    def _sublayer(self, sublayer: str) -> int:
        if sublayer not in self.sublayers:
            raise UnknownNameError("sublayer", sublayer, self.sublayers)
        return self.sublayers.index(sublayer)

    def direction(self, emotion: str, layer: int, sublayer: str = "mlp") -> Direction:
        """The unit direction of `emotion` at `layer` (negative counts from the end)."""
        i = self.layer_index(layer)
        site = f"blocks.{i}.{SUBLAYERS[sublayer]}" if sublayer in SUBLAYERS else sublayer
        vec = self.vectors[i, self._sublayer(sublayer), self._emotion(emotion)]
        return Direction(vec, name=self.emotions[self._emotion(emotion)], space=site)

    def vector(self, emotion: str, layer: int, sublayer: str = "mlp") -> np.ndarray:
        return self.vectors[self.layer_index(layer), self._sublayer(sublayer),
                            self._emotion(emotion)]

    def cosines(self, layer: int, sublayer: str = "mlp") -> np.ndarray:
        """(n_emotions, n_emotions) cosine similarities between the directions at a layer."""
        V = self.vectors[self.layer_index(layer), self._sublayer(sublayer)]
        return V @ V.T

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``directions.safetensors`` and then the manifest ``affectlab.json`` (kind
        "lm.directions") into folder `path`, each atomically. A circuit already saved in the
        folder is kept (the manifest then is of kind "lm.emotion_control", naming both)."""
        config = {"emotions": list(self.emotions), "sublayers": list(self.sublayers),
                  "stability": self.stability, "meta": self.meta}
        return write_part(path, "directions", {"vectors": self.vectors}, config)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EmotionDirections:
        """Reload directions written by `save` (also a folder saved before ``affectlab.json``,
        with ``directions.json``)."""
        info, arrays, _ = read_part(path, "directions")
        return cls(arrays["vectors"], info["emotions"], info["sublayers"],
                   info.get("stability", {}), info.get("meta", {}))


load_directions = EmotionDirections.load


def _rounded(x: float) -> float | None:
    """4 decimals, or None where undefined (one group has no pairs to compare): JSON-safe."""
    return None if not np.isfinite(x) else round(float(x), 4)


def directions_from_states(states: Mapping[str, np.ndarray], items: Sequence[SevItem],
                           n_layers: int, emotions: Sequence[str], *, n_shuffles: int = 3,
                           seed: int = 0) -> tuple[np.ndarray, dict[str, Any]]:
    """(vectors, stability) from last-token residual states read at every layer and sublayer."""
    y = [it.emotion for it in items]
    groups = _group_ids(items)
    d = states[f"blocks.0.{SUBLAYERS['mlp']}"].shape[-1]
    vectors = np.zeros((n_layers, len(SUBLAYERS), len(emotions), d), np.float32)
    stability: dict[str, Any] = {s: {"mean": [], "shuffled_mean": [], "per_class": []}
                                 for s in SUBLAYERS}
    for i in range(n_layers):
        for j, (sub, point) in enumerate(SUBLAYERS.items()):
            X = states[f"blocks.{i}.{point}"]
            dirs = centroid_directions(X, y, groups, list(emotions))
            vectors[i, j] = np.stack([dirs[e].vector for e in emotions])
            stab = direction_stability(X, y, groups, list(emotions), n_shuffles=n_shuffles,
                                       seed=seed)
            stability[sub]["mean"].append(_rounded(stab["mean"]))
            stability[sub]["shuffled_mean"].append(_rounded(stab["shuffled_mean"]))
            stability[sub]["per_class"].append({k: _rounded(v)
                                                for k, v in stab["per_class"].items()})
    return vectors, stability


def direction_meta(lm: LanguageModel, scenarios: Sequence[Scenario], items: Sequence[SevItem],
                   elicitation: str) -> dict[str, Any]:
    """What a set of directions was computed from (kept with them when saved)."""
    return {"model": lm.name, "fingerprint": lm.fingerprint, "n_scenarios": len(scenarios),
            "n_prompts": len(items), "elicitation": elicitation,
            "position": "last token of the chat-formatted prompt (generation prompt included)"
                        + (" and the reply opener" if elicitation == "prefill" else ""),
            "scenarios": sorted(s.id for s in scenarios)}


def extract_emotion_directions(lm: LanguageModel, scenarios: Iterable[Scenario], *,
                               emotions: Sequence[str] = EMOTIONS, elicitation: str = "system",
                               batch_size: int = 32, n_shuffles: int = 3,
                               progress: bool = True) -> EmotionDirections:
    """Emotion directions at every layer (after attention and after the MLP) from SEV prompts,
    the emotion elicited by the system prompt (the paper) or by a reply opener ("prefill")."""
    scenarios = list(scenarios)
    if len(set(emotions)) != len(emotions) or len(emotions) < 2:
        raise ValueError(f"emotion directions need at least two distinct emotions, got "
                         f"{list(emotions)}")
    items = build_items(scenarios, emotions, elicitation=elicitation)
    sites = [f"blocks.{i}.{p}" for i in range(lm.n_layers) for p in SUBLAYERS.values()]
    states = last_token_states(lm, items, sites, batch_size=batch_size, progress=progress)
    vectors, stability = directions_from_states(states, items, lm.n_layers, emotions,
                                                n_shuffles=n_shuffles)
    meta = direction_meta(lm, scenarios, items, elicitation)
    return EmotionDirections(vectors, list(emotions), list(SUBLAYERS), stability, meta)
