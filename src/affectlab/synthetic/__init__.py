"""Synthetic research tasks: small, fully known worlds to test methods on before real models.

- `addition`: N-digit addition with written carries, where thinking matters (Soft Thinking).
- `tokfsm`: TokFSM, token sequences of a random finite-state machine (codebook features).
- `tiny_gpt`: the small causal GPT, with codebooks at named sites, that TokFSM trains.

They use `affectlab.codebook` (the codebook layers) and `affectlab.lm.model.sites` (site names).
"""
