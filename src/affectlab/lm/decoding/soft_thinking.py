"""Soft Thinking: reasoning in continuous concept space, for any Hugging Face causal LM.

During the thinking phase no token is sampled. The model's next-token distribution is filtered
(temperature, softmax, entropy of the full distribution, top-k, top-p, min-p, top-n,
renormalise, in the order of the authors' implementation) and the next input is the *concept
token* e = sum_k p_k * E[k], the probability-weighted mixture of the top-n token embeddings, fed
through `inputs_embeds` with the KV cache kept. The text shown for each step is its top-1 token.

Thinking ends when the shown text completes the end-of-thinking marker, when the budget runs
out, or by *Cold Stop*: the entropy stays below tau for L consecutive steps (any step above
tau resets the count); the marker is then emitted and decoding continues as ordinary token
decoding with its own settings. Defaults are the paper's (top-n 10, temperature 0.6, top-p
0.95, top-k 30, min-p 0.001, tau 0.01, L 256).

With ``mode="discrete"`` the same loop samples (or greedily picks) real tokens while thinking:
the chain-of-thought baseline, measured by the same code.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import torch

from affectlab.lm.model.language_model import stop_token_ids

NOISE = (None, "gumbel", "dirichlet")


@dataclass(frozen=True)
class SoftThinkingConfig:
    """Settings of the thinking phase (concept tokens) and of the answer after it."""

    top_n: int = 10
    temperature: float = 0.6
    top_p: float = 0.95
    top_k: int = 30
    min_p: float = 0.001
    entropy_threshold: float = 0.01
    cold_stop_steps: int = 256
    cold_stop: bool = True
    noise: str | None = None
    gumbel_temperature: float = 1.0
    dirichlet_alpha: float = 1.0
    max_think_tokens: int = 512
    think_end: str = "</think>"
    max_answer_tokens: int = 256
    answer_do_sample: bool = False
    answer_temperature: float = 0.6
    answer_top_p: float = 0.95
    answer_top_k: int = 30

    def __post_init__(self) -> None:
        checks = [
            (self.top_n >= 1, "top_n must be at least 1"),
            (self.temperature > 0, "temperature must be positive"),
            (0 < self.top_p <= 1, "top_p must be in (0, 1]"),
            (self.top_k >= 0, "top_k must be >= 0 (0 turns it off)"),
            (0 <= self.min_p < 1, "min_p must be in [0, 1)"),
            (self.entropy_threshold >= 0, "entropy_threshold must be >= 0"),
            (self.cold_stop_steps >= 1, "cold_stop_steps must be at least 1"),
            (self.noise in NOISE, f"noise must be one of {NOISE}"),
            (self.gumbel_temperature > 0, "gumbel_temperature must be positive"),
            (self.dirichlet_alpha > 0, "dirichlet_alpha must be positive"),
            (self.max_think_tokens >= 0, "max_think_tokens must be >= 0"),
            (self.max_answer_tokens >= 1, "max_answer_tokens must be at least 1"),
            (bool(self.think_end), "think_end must be a non-empty marker"),
            (self.answer_temperature > 0, "answer_temperature must be positive"),
            (0 < self.answer_top_p <= 1, "answer_top_p must be in (0, 1]"),
            (self.answer_top_k >= 0, "answer_top_k must be >= 0 (0 turns it off)"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)


@dataclass
class ThinkingResult:
    """One prompt's decode: the shown thinking, the answer, and how thinking ended."""

    thinking: str
    answer: str
    think_tokens: int
    answer_tokens: int
    stop_reason: str  # "marker", "cold-stop", "budget" or "eos"
    seconds: float
    thinking_ids: list[int] = field(default_factory=list)
    answer_ids: list[int] = field(default_factory=list)
    entropies: list[float] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The whole reply as a reader sees it: thinking, marker (unless the model ended while
        still thinking), answer."""
        marker = "" if self.stop_reason == "eos" else self._marker
        return self.thinking + marker + self.answer

    _marker: str = ""

    @property
    def total_tokens(self) -> int:
        return self.think_tokens + self.answer_tokens

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("_marker")
        d["text"] = self.text
        return d


def filter_probs(logits: torch.Tensor, cfg: SoftThinkingConfig
                 ) -> tuple[torch.Tensor, torch.Tensor, float]:
    """(ids, weights, entropy) of one step: the top-n tokens that survive the filters, their
    renormalised probabilities, and the entropy (nats) of the full tempered distribution."""
    logits = logits.float().reshape(-1)
    probs = torch.softmax(logits / cfg.temperature, dim=-1)
    entropy = float(-(probs * torch.log(probs.clamp_min(1e-30))).sum())
    p, ids = torch.sort(probs, descending=True)
    keep = torch.ones_like(p, dtype=torch.bool)
    if cfg.top_k > 0:
        keep[cfg.top_k:] = False
    if cfg.top_p < 1:  # on the top-k survivors, renormalised (as chained warpers do)
        mass = p * keep
        before = (torch.cumsum(mass, 0) - mass) / mass.sum()  # mass of the better tokens
        keep &= before < cfg.top_p  # the token that crosses top_p is kept
    if cfg.min_p > 0:
        keep &= p >= cfg.min_p * p[0]
    keep[0] = True  # the most likely token always survives
    idx = torch.nonzero(keep).reshape(-1)[: cfg.top_n]
    w = p[idx]
    return ids[idx], w / w.sum(), entropy


def add_noise(weights: torch.Tensor, cfg: SoftThinkingConfig,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """Randomise the concept weights: Gumbel-softmax over log p, or Dirichlet(alpha * p)."""
    if cfg.noise is None or len(weights) == 1:
        return weights
    if cfg.noise == "gumbel":
        u = torch.rand(weights.shape, generator=generator).clamp(1e-10, 1 - 1e-10)
        g = -torch.log(-torch.log(u))
        return torch.softmax((torch.log(weights) + g) / cfg.gumbel_temperature, dim=-1)
    conc = (cfg.dirichlet_alpha * weights).clamp_min(1e-6)
    gam = torch._standard_gamma(conc, generator=generator) if generator is not None else \
        torch.distributions.Dirichlet(conc).sample()
    total = gam.sum()
    return gam / total if total > 0 else weights  # every draw underflowed: keep the weights


def concept_embedding(embeddings: torch.Tensor | torch.nn.Module, ids: torch.Tensor,
                      weights: torch.Tensor) -> torch.Tensor:
    """sum_k w_k * E[ids_k], in the embedding's dtype: (d_model,). Given the embedding module
    (not its matrix), rows come from its forward, so models that scale embeddings inside it
    (Gemma's sqrt(d)) get the same scale as their token inputs."""
    if isinstance(embeddings, torch.nn.Module):
        device = next(embeddings.parameters()).device
        rows = embeddings(ids.to(device))
    else:
        rows = embeddings[ids.to(embeddings.device)]
    return (weights.to(rows.device, torch.float32)[:, None] * rows.float()).sum(0).to(rows.dtype)


class ColdStop:
    """Counts consecutive low-entropy steps; `update` is True once L in a row stay below tau."""

    def __init__(self, threshold: float, steps: int) -> None:
        self.threshold, self.steps, self.count = threshold, steps, 0

    def update(self, entropy: float) -> bool:
        self.count = self.count + 1 if entropy < self.threshold else 0
        return self.count >= self.steps


def _pick(logits: torch.Tensor, do_sample: bool, temperature: float, top_p: float, top_k: int,
          generator: torch.Generator | None) -> int:
    if not do_sample:
        return int(torch.argmax(logits))
    cfg = SoftThinkingConfig(top_n=max(1, top_k or logits.numel()), temperature=temperature,
                             top_p=top_p, top_k=top_k, min_p=0.0)
    ids, w, _ = filter_probs(logits, cfg)
    return int(ids.cpu()[torch.multinomial(w.cpu(), 1, generator=generator)])


@torch.inference_mode()
def think_and_answer(model: Any, tokenizer: Any, prompt_ids: Sequence[int],
                     cfg: SoftThinkingConfig | None = None, *, mode: str = "soft",
                     think_do_sample: bool = False, seed: int | None = None) -> ThinkingResult:
    """Decode one prompt (already ending where thinking starts) with soft or discrete thinking.

    `model` is any Hugging Face causal LM (it must accept `inputs_embeds` with a KV cache);
    `mode="discrete"` thinks in real tokens (greedy, or sampled with the thinking filters when
    `think_do_sample`), the chain-of-thought baseline.
    """
    cfg = cfg or SoftThinkingConfig()
    if mode not in ("soft", "discrete"):
        raise ValueError(f"mode must be 'soft' or 'discrete', got {mode!r}")
    if len(prompt_ids) == 0:
        raise ValueError("the prompt is empty")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    device = next(model.parameters()).device
    embed = model.get_input_embeddings()
    stops = stop_token_ids(tokenizer, model)
    marker_ids = tokenizer.encode(cfg.think_end, add_special_tokens=False)
    start = time.perf_counter()

    if len(prompt_ids) >= _max_positions(model) - 1:
        raise ValueError(f"the prompt has {len(prompt_ids)} tokens; this model attends over at "
                         f"most {_max_positions(model)}, with room needed to think and answer")
    cache_arg = _cache_argument(model)
    out = model(input_ids=torch.tensor([list(prompt_ids)], device=device), use_cache=True)
    cache, logits = _cache_of(out), out.logits[0, -1]

    limit = _max_positions(model)
    length = len(prompt_ids)

    def feed(ids: list[int] | None = None, emb: torch.Tensor | None = None) -> torch.Tensor:
        nonlocal cache, length
        length += 1 if emb is not None else len(ids or [])
        if emb is not None:
            o = model(inputs_embeds=emb.reshape(1, 1, -1), use_cache=True, **{cache_arg: cache})
        else:
            o = model(input_ids=torch.tensor([ids], device=device), use_cache=True,
                      **{cache_arg: cache})
        cache = _cache_of(o)
        return o.logits[0, -1]

    shown: list[int] = []
    entropies: list[float] = []
    cold = ColdStop(cfg.entropy_threshold, cfg.cold_stop_steps)
    reason = "budget"
    vocab = min(logits.shape[-1], embed.weight.shape[0])
    while len(shown) < cfg.max_think_tokens:
        if length + 1 + len(marker_ids) >= limit:  # keep room to close thinking and answer
            break
        ids, w, h = filter_probs(logits[:vocab], cfg)
        ids, w = ids.cpu(), w.cpu()  # at most top-n values; CPU keeps seeded runs device-free
        entropies.append(h)
        if cfg.cold_stop and cold.update(h):
            reason = "cold-stop"  # this step becomes the end-of-thinking marker
            break
        if mode == "discrete" and think_do_sample:  # sample like ordinary decoding: no top-n
            top = _pick(logits[:vocab], True, cfg.temperature, cfg.top_p, cfg.top_k, gen)
        else:
            top = int(ids[0])
        if top in stops:
            reason = "eos"
            break
        shown.append(top)
        if _ends_with(shown, marker_ids, tokenizer, cfg.think_end):
            reason = "marker"
            logits = feed(ids=[top])  # the marker's last token goes in as itself
            break
        if mode == "discrete":
            logits = feed(ids=[top])
        else:
            logits = feed(emb=concept_embedding(embed, ids, add_noise(w, cfg, gen)))
    if reason in ("cold-stop", "budget"):
        logits = feed(ids=marker_ids)  # emit the marker, then answer normally
    thinking_ids = list(shown)
    shown_text_ids = thinking_ids
    if reason == "marker" and marker_ids and thinking_ids[-len(marker_ids):] == marker_ids:
        shown_text_ids = thinking_ids[: -len(marker_ids)]
    thinking = tokenizer.decode(shown_text_ids, skip_special_tokens=True)
    if reason == "marker" and cfg.think_end in thinking:
        thinking = thinking[: thinking.rindex(cfg.think_end)]
    answer_ids: list[int] = []
    if reason != "eos":
        for _ in range(cfg.max_answer_tokens):
            if length >= limit:  # the model's context is full
                break
            t = _pick(logits[:vocab], cfg.answer_do_sample, cfg.answer_temperature,
                      cfg.answer_top_p, cfg.answer_top_k, gen)
            if t in stops:
                break
            answer_ids.append(t)
            logits = feed(ids=[t])
    return ThinkingResult(
        thinking=thinking, answer=tokenizer.decode(answer_ids, skip_special_tokens=True),
        think_tokens=len(thinking_ids) + (len(marker_ids) if reason in ("cold-stop", "budget")
                                          else 0),
        answer_tokens=len(answer_ids), stop_reason=reason,
        seconds=time.perf_counter() - start, thinking_ids=thinking_ids, answer_ids=answer_ids,
        entropies=[round(x, 6) for x in entropies], _marker=cfg.think_end)


def _max_positions(model: Any) -> int:
    """How many positions the model can attend over (no limit known: effectively none)."""
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return 1 << 30


def _cache_argument(model: Any) -> str:
    """The forward argument that takes the KV cache: "cache" (transformers >= 5.2x) or the
    older "past_key_values"."""
    import inspect

    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _cache_of(out: Any) -> Any:
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


def _ends_with(shown: list[int], marker_ids: list[int], tokenizer: Any, marker: str) -> bool:
    """Whether the shown tokens just completed the marker, also when its last piece is merged
    with what follows (SmolLM2 has tokens like ">." after "</", "think")."""
    if marker_ids and shown[-len(marker_ids):] == marker_ids:
        return True
    n = 2 * len(marker_ids) + 2
    tail = tokenizer.decode(shown[-n:], skip_special_tokens=False)
    before = tokenizer.decode(shown[-n:-1], skip_special_tokens=False) if len(shown) > 1 else ""
    return marker in tail and marker not in before


def entropy_bits(nats: float) -> float:
    return nats / math.log(2)


def with_overrides(cfg: SoftThinkingConfig | None, **changes: Any) -> SoftThinkingConfig:
    """`cfg` (or the defaults) with the given fields replaced; None values are ignored."""
    base = cfg or SoftThinkingConfig()
    return replace(base, **{k: v for k, v in changes.items() if v is not None})


__all__ = ["ColdStop", "SoftThinkingConfig", "ThinkingResult", "add_noise",
           "concept_embedding", "filter_probs", "think_and_answer", "with_overrides"]
