"""Emotion steering and circuits: what in the model carries an emotion, and how to move it.

- `scenarios`: the SEV scenarios (situations that elicit an emotion) and their prompts.
- `emotion_directions`: one direction per emotion, layer and sublayer.
- `circuits`: the neurons and heads that carry each emotion (`discover_circuits`).
- `defaults`: the directions and circuit of a model (packaged or computed once), `check_fits`.
- `storage`: how directions and circuits are saved (safetensors and the shared manifest
  `affectlab.json`; both may share one folder). It imports only `affectlab.core`.
- `vectors`: steering (`steer`, `steering_edits`): add a direction while the model writes.
- `modulation`: circuit modulation, ablation and enhancement.
- `emotion_control`: the experiments comparing prompting, steering and modulation.
- `plots`: their figures.

Imports run one way: scenarios <- emotion_directions <- circuits <- defaults <- vectors <-
modulation <- emotion_control (and plots). The names of the former module
`affectlab.lm.steering` (`steer`, `steering_edits`, `check_alpha`, `resolve_layers`,
`POSITIONS`) are importable from here, each on first use.
"""

from __future__ import annotations

from affectlab.lm._lazy import by_module, lazy_attributes

_NAMES = by_module({"affectlab.lm.steering.vectors": ["POSITIONS", "check_alpha", "resolve_layers",
                                                      "steer", "steering_edits"]})

__all__ = ["POSITIONS", "check_alpha", "resolve_layers", "steer", "steering_edits"]

__getattr__, __dir__ = lazy_attributes(__name__, _NAMES, globals())
