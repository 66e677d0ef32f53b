"""Old path of the small GPT and of the Hugging Face codebooks, now in two places:
`affectlab.synthetic.tiny_gpt` (`TinyGPT`, `GPTConfig`) and `affectlab.codebook.insert`
(`insert_codebooks`, `HFCodebooks`). Kept for old imports."""

from affectlab.codebook.insert import HFCodebooks, _attach, insert_codebooks  # noqa: F401
from affectlab.synthetic.tiny_gpt import GPT_POINTS, GPTConfig, TinyGPT, _Block, _key  # noqa: F401

__all__ = ["GPTConfig", "HFCodebooks", "TinyGPT", "insert_codebooks"]
