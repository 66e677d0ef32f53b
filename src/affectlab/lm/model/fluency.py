"""Fluency of (steered) replies: perplexity under the unmodified model, and repetition.

Steering that wins emotion accuracy by breaking the language is no win; these two numbers say
how far a method moved replies away from what the model itself finds likely, and how often it
loops.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import torch

from affectlab.lm.model.language_model import LanguageModel

__all__ = ["DEGENERATE_REPETITION", "distinct_n", "repetition_rate", "reply_perplexity",
           "reply_quality"]

_TOKEN = re.compile(r"\w+|[^\w\s]")


def _ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    words = _TOKEN.findall(text.lower())
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


def repetition_rate(text: str, n: int = 3) -> float:
    """Share of the word n-grams of `text` that repeat an earlier n-gram of the same text
    (0 for a text without repeats or too short to have n-grams)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    grams = _ngrams(text, n)
    return 0.0 if not grams else 1.0 - len(set(grams)) / len(grams)


def distinct_n(texts: Sequence[str], n: int = 2) -> float:
    """Distinct n-grams over all n-grams across `texts` (diversity across replies)."""
    grams = [g for t in texts for g in _ngrams(t, n)]
    return float(len(set(grams)) / len(grams)) if grams else float("nan")


@torch.inference_mode()
def reply_perplexity(lm: LanguageModel, prompts: Sequence[str], replies: Sequence[str], *,
                     system: str | None = None, batch_size: int = 16) -> np.ndarray:
    """Per-reply perplexity of each reply's tokens given its chat-formatted prompt, under the
    model as it is (call outside any editing block to score under the unmodified model).
    Empty replies get NaN."""
    if len(prompts) != len(replies):
        raise ValueError(f"{len(prompts)} prompts for {len(replies)} replies")
    if lm.editing:
        raise RuntimeError("reply_perplexity scores under the unmodified model: call it outside "
                           "an editing hooks() block")
    tok = lm.tokenizer
    out = np.full(len(replies), np.nan)
    rows = []
    for k, (prompt, reply) in enumerate(zip(prompts, replies, strict=True)):
        if not reply.strip():
            continue
        head = tok(lm.format([prompt], chat=True, system=system)[0],
                   add_special_tokens=False)["input_ids"]
        body = tok(reply, add_special_tokens=False)["input_ids"]
        rows.append((k, head, body))
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        width = max(len(h) + len(b) for _, h, b in chunk)
        ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for r, (_, h, b) in enumerate(chunk):
            seq = torch.tensor(h + b)
            ids[r, :len(seq)] = seq
            mask[r, :len(seq)] = 1
        logits = lm.model(input_ids=ids.to(lm.device), attention_mask=mask.to(lm.device),
                          use_cache=False).logits.float()
        logp = torch.log_softmax(logits[:, :-1], dim=-1)
        nll = -logp.gather(-1, ids[:, 1:, None].to(lm.device))[..., 0]
        for r, (k, h, b) in enumerate(chunk):
            span = nll[r, len(h) - 1:len(h) - 1 + len(b)]
            out[k] = float(torch.exp(span.mean()))
    return out


#: A reply whose word 3-grams repeat this often is a loop, not language.
DEGENERATE_REPETITION = 0.3


def reply_quality(reply: str) -> str | None:
    """None for a usable reply; else why not ("empty", "degenerate: ...")."""
    words = reply.split()
    if not words:
        return "empty"
    rate = repetition_rate(reply)
    if rate >= DEGENERATE_REPETITION:
        return f"degenerate: {rate:.0%} of its word 3-grams repeat"
    letters = sum(c.isalpha() for c in reply)
    if letters < 0.5 * len(reply.replace(" ", "")):
        return "degenerate: mostly symbols"
    return None
