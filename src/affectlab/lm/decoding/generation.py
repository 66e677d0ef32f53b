"""`affectlab.lm.generate`: one entry point for greedy, sampled and soft-thinking decoding.

``mode="greedy"`` and ``mode="sample"`` are ordinary token decoding (`LanguageModel.generate`).
``mode="soft"`` thinks in concept tokens (`affectlab.lm.decoding.soft_thinking`),
``mode="cot"`` thinks in real tokens through the same loop (the chain-of-thought baseline); both
start the reply with `think_start` and answer after the end-of-thinking marker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from affectlab.core.progress import progress_bar
from affectlab.lm.decoding.soft_thinking import SoftThinkingConfig, ThinkingResult, think_and_answer
from affectlab.lm.model.language_model import LanguageModel, _as_texts

MODES = ("greedy", "sample", "soft", "cot")
THINK_START = "<think>\n"


def generate(model: LanguageModel, prompts: str | Iterable[str], *, mode: str = "greedy",
             soft: SoftThinkingConfig | None = None, think_start: str = THINK_START,
             chat: bool = True, system: str | None = None, seed: int | None = None,
             think_do_sample: bool = False, details: bool = False, progress: bool = False,
             **kwargs: Any) -> list[str] | list[ThinkingResult]:
    """Replies to `prompts`. For "soft" and "cot", `soft` holds the thinking and answer
    settings (the paper's defaults when None) and `details=True` returns `ThinkingResult`s
    (thinking, answer, token counts, how thinking stopped, per-step entropies); otherwise the
    reply text. Other keyword arguments go to `LanguageModel.generate` (greedy/sample)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    items = _as_texts(prompts)
    if mode in ("greedy", "sample"):
        if details or soft is not None:
            raise ValueError(f"details= and soft= apply to mode 'soft' or 'cot', not {mode!r}")
        return model.generate(items, chat=chat, system=system, do_sample=mode == "sample",
                              seed=seed, progress=progress, **kwargs)
    if kwargs:
        raise TypeError(f"unexpected arguments for mode {mode!r}: {sorted(kwargs)}; put "
                        "thinking and answer settings in soft=SoftThinkingConfig(...)")
    cfg = soft or SoftThinkingConfig()
    out: list[ThinkingResult] = []
    with progress_bar(progress, len(items), f"{mode} thinking") as bar:
        for i, prompt in enumerate(items):
            batch = model.encode([prompt], chat=chat, system=system, prefill=think_start)
            ids = batch["input_ids"][0][batch["attention_mask"][0].bool()].tolist()
            out.append(think_and_answer(
                model.model, model.tokenizer, ids, cfg,
                mode="soft" if mode == "soft" else "discrete",
                think_do_sample=think_do_sample, seed=None if seed is None else seed + i))
            bar(1)
    return out if details else [r.text for r in out]


__all__ = ["MODES", "THINK_START", "generate"]
