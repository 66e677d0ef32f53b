"""Probing: what a language model's activations say about emotion, layer by layer.

- `probe_data`: labelled probe sets from the shared corpora; `balance`: class balancing.
- `probes`: linear and MLP probes (scikit-learn estimators).
- `sweep`: a probe at every layer; `zeroshot`: the model asked directly.
- `persistence`: how long an emotion stays readable while the model replies.
- `malleability`: whether a system prompt changes the emotion of replies.
- `plots`, `report`: figures and the probe study written to a folder.

Imports only `affectlab.lm.model` from the other rooms.
"""
