"""Decoding beyond one token at a time.

- `soft_thinking`: Soft Thinking (reasoning in concept tokens), for any Hugging Face causal LM.
- `generation`: `generate`, one entry point for greedy, sampled, soft and chain-of-thought
  decoding (`affectlab.lm.generate`).

Imports only `affectlab.lm.model` from the other rooms.
"""
