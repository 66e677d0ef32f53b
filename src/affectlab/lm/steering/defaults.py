"""The default emotion directions and circuit of a model, and the check that they fit it.

Shipped for the packaged SmolLM2 (`affectlab/lm/data/emotion_smollm2`), computed once from the
SEV training scenarios and cached under the affectlab cache for any other model. Steering
(`vectors`), circuit modulation (`modulation`) and the experiments (`emotion_control`) all use
these and this module imports none of them, so imports in this package run one way:
defaults <- vectors <- modulation <- emotion_control.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from affectlab.lm.model.language_model import LanguageModel
from affectlab.lm.model.loading import cache_root
from affectlab.lm.steering.circuits import EmotionCircuit, discover_circuits
from affectlab.lm.steering.emotion_directions import EmotionDirections
from affectlab.lm.steering.scenarios import load_scenarios, split_scenarios
from affectlab.lm.steering.storage import read_part_manifest, saved_parts

__all__ = ["check_fits", "default_circuit", "default_directions", "packaged_artifacts"]


def packaged_artifacts() -> Path:
    """Folder of the directions and circuit shipped for the default model."""
    return Path(str(resources.files("affectlab.lm") / "data" / "emotion_smollm2"))


def _artifacts_for(lm: LanguageModel) -> Path:
    packaged = packaged_artifacts()
    if "directions" in saved_parts(packaged):
        meta = read_part_manifest(packaged, "directions")[0].get("meta", {})
        if meta.get("fingerprint") == lm.fingerprint:
            return packaged
    return cache_root() / "emotion" / (lm.fingerprint or "unnamed")[:16]


def _ensure(lm: LanguageModel, progress: bool) -> Path:
    folder = _artifacts_for(lm)
    if saved_parts(folder) != {"directions", "circuit"}:
        train, _ = split_scenarios(load_scenarios())
        directions, circuit = discover_circuits(lm, train, progress=progress)
        directions.save(folder)
        circuit.save(folder)
    return folder


def default_directions(lm: LanguageModel, progress: bool = True) -> EmotionDirections:
    """The model's emotion directions: shipped for the default model, else computed once from
    the SEV training scenarios and cached under the affectlab cache."""
    return EmotionDirections.load(_ensure(lm, progress))


def default_circuit(lm: LanguageModel, progress: bool = True) -> EmotionCircuit:
    """The model's emotion circuit (shipped for the default model, else computed and cached)."""
    return EmotionCircuit.load(_ensure(lm, progress))


def check_fits(lm: LanguageModel, directions: EmotionDirections | None = None,
               circuit: EmotionCircuit | None = None) -> None:
    """Refuse directions or a circuit made for a model of another shape."""
    if directions is not None and (directions.n_layers, directions.d_model) != \
            (lm.n_layers, lm.d_model):
        raise ValueError(f"the directions are for {directions.n_layers} layers x d_model "
                         f"{directions.d_model}; the model has {lm.n_layers} x {lm.d_model}")
    if circuit is not None:
        want = (lm.n_layers, lm.d_mlp, lm.n_heads, lm.d_head)
        got = (circuit.mlp_delta.shape[0], circuit.mlp_delta.shape[-1],
               *circuit.head_delta.shape[2:])
        if got != want:
            raise ValueError(f"the circuit is for layers, neurons, heads, head size {got}; the "
                             f"model has {want}")
