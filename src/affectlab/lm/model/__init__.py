"""The handle on a language model: loading, family adapters, site names, hooks, activations.

- `language_model`: `LanguageModel` (encode, forward, hooks, generate) and `load`.
- `loading`: the packaged SmolLM2 default, local folders, hub ids; the user cache.
- `adapters`: one `ModelAdapter` per model family (where each site lives in its modules).
- `sites`: site names (``blocks.{i}.resid_post`` ...), the same for every family.
- `hooks`: reading and editing sites during any forward pass.
- `activations`: activations at every layer for many texts, cached on disk.
- `fluency`, `judges`: how fluent a reply is, and which emotion it expresses.

This room imports nothing from `probing`, `steering` or `decoding`. The names of the former
module `affectlab.lm.model` (`LanguageModel`, `load`, `stop_token_ids`, ...) are importable from
here, each on first use.
"""

from __future__ import annotations

from affectlab.lm._lazy import by_module, lazy_attributes

_NAMES = by_module({
    "affectlab.lm.model.language_model": ["DEFAULT_MAX_LENGTH", "LanguageModel", "load",
                                          "stop_token_ids", "_as_texts", "_strip_after_eos"],
    "affectlab.lm.model.hooks": ["ActivationCache", "Edit", "Reduce"],
    "affectlab.lm.model.adapters": ["ModelAdapter", "adapter_for"],
    "affectlab.lm.model.sites": ["all_sites", "parse_site"],
})

__all__ = ["DEFAULT_MAX_LENGTH", "ActivationCache", "Edit", "LanguageModel", "ModelAdapter",
           "Reduce", "adapter_for", "all_sites", "load", "parse_site", "stop_token_ids"]

__getattr__, __dir__ = lazy_attributes(__name__, _NAMES, globals())
