"""Activations at every layer in one forward pass, pooled per text, cached on disk.

`extract(lm, texts)` reads the residual stream (`embed`, then `blocks.{i}.resid_post` for every
block: n_layers + 1 "layers", indexed like Hugging Face's ``hidden_states``) at the last
non-pad token (the choice of "Decoding Emotion in the Deep") or averaged over tokens. Texts are
bucketed by length, pooled inside the hooks (nothing of full length is kept), and written as
safetensors shards keyed by model, texts and settings: a second run recomputes nothing, and a
killed run resumes at the first missing shard.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from affectlab.core.files import load_arrays, read_json, save_arrays, write_json
from affectlab.core.progress import progress_bar
from affectlab.lm.model.language_model import LanguageModel, _as_texts
from affectlab.lm.model.loading import cache_root

POOLINGS = ("last", "mean")
_VERSION = 2


@dataclass
class Activations:
    """Pooled activations: `values[t, k]` is text t at site `sites[k]`."""

    values: np.ndarray  # (n_texts, n_sites, d)
    sites: list[str]
    pooling: str
    settings: dict[str, Any] = field(default_factory=dict)
    n_tokens: np.ndarray | None = None  # tokens per text (after truncation)
    from_cache: bool = False

    @property
    def n_layers(self) -> int:
        return len(self.sites)

    def layer(self, k: int) -> np.ndarray:
        """(n_texts, d) at the k-th site (for the default sites, k = HF hidden-state index)."""
        return self.values[:, k]

    def depth_index(self, fraction: float) -> int:
        """The site index at a relative depth in [0, 1] (0 = embeddings, 1 = last block)."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"depth fraction must be in [0, 1], got {fraction}")
        return math.floor(fraction * (len(self.sites) - 1) + 0.5)  # halves round up


def residual_sites(n_layers: int) -> list[str]:
    """`embed` then every block's `resid_post`: the residual stream at each depth."""
    return ["embed"] + [f"blocks.{i}.resid_post" for i in range(n_layers)]


def _texts_digest(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def tokenizer_identity(tokenizer: Any) -> dict[str, Any]:
    """What about a tokenizer changes the token ids of a formatted text."""
    return {"class": type(tokenizer).__name__, "size": len(tokenizer),
            "special": {k: getattr(tokenizer, k, None)
                        for k in ("bos_token_id", "eos_token_id", "pad_token_id")}}


def cache_key(lm: LanguageModel, texts: Sequence[str], settings: dict[str, Any]) -> str:
    """Hash of the model's identity, the tokenizer, the texts exactly as the model reads them
    (chat template and system prompt applied) and every setting that changes the numbers."""
    formatted = lm.format(texts, chat=settings["chat"], system=settings["system"])
    payload = {"version": _VERSION, "model": lm.fingerprint,
               "tokenizer": tokenizer_identity(lm.tokenizer),
               "texts": _texts_digest(formatted), "n": len(texts), **settings}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def _pool(pooling: str, mask: torch.Tensor):
    lengths = mask.sum(dim=1)
    last = (lengths - 1).clamp(min=0)
    weights = mask.to(torch.float32).unsqueeze(-1) / lengths.clamp(min=1).view(-1, 1, 1)

    def reduce(site: str, x: torch.Tensor) -> torch.Tensor:
        if pooling == "last":
            return x[torch.arange(x.shape[0]), last].float().cpu()
        return (x.float() * weights.view(*weights.shape, *([1] * (x.dim() - 3)))).sum(1).cpu()

    return reduce


def _run_batch(lm: LanguageModel, texts: list[str], sites: list[str], pooling: str, chat: bool,
               system: str | None, max_length: int | None) -> tuple[np.ndarray, np.ndarray]:
    batch = lm.encode(texts, chat=chat, system=system, max_length=max_length)
    mask = batch["attention_mask"]
    base = lm.adapter.base_model()
    with lm.hooks(read=sites, reduce=_pool(pooling, mask)) as cache, torch.inference_mode():
        base(input_ids=batch["input_ids"], attention_mask=mask, use_cache=False)
    values = torch.stack([cache[s].reshape(len(texts), -1) for s in sites], dim=1)
    return values.numpy(), mask.sum(1).cpu().numpy()


def length_buckets(lm: LanguageModel, texts: Sequence[str], *, chat: bool = False,
                   system: str | None = None, batch_size: int = 32,
                   max_tokens: int = 8192) -> list[np.ndarray]:
    """Batches of indices into `texts`, sorted by token length: each holds at most `batch_size`
    texts and `max_tokens` padded tokens, so padding stays small."""
    formatted = lm.format(texts, chat=chat, system=system)
    lengths = [len(ids) for ids in lm.tokenizer(formatted, add_special_tokens=not chat)[
        "input_ids"]]
    order = np.argsort(lengths, kind="stable")
    batches, start = [], 0
    while start < len(order):
        stop = start + 1
        while (stop < len(order) and stop - start < batch_size
               and (stop - start + 1) * lengths[order[stop]] <= max_tokens):
            stop += 1
        batches.append(order[start:stop])
        start = stop
    return batches


def _compute(lm: LanguageModel, texts: list[str], sites: list[str], pooling: str, chat: bool,
             system: str | None, batch_size: int, max_tokens: int, max_length: int | None,
             advance: Any) -> tuple[np.ndarray, np.ndarray]:
    """Pooled activations of one shard, batch by length bucket, in the input order."""
    values: np.ndarray | None = None
    counts = np.zeros(len(texts), dtype=np.int64)
    for idx in length_buckets(lm, texts, chat=chat, system=system, batch_size=batch_size,
                              max_tokens=max_tokens):
        out, n = _run_batch(lm, [texts[i] for i in idx], sites, pooling, chat, system,
                            max_length)
        if values is None:
            values = np.zeros((len(texts), *out.shape[1:]), dtype=np.float32)
        values[idx], counts[idx] = out, n
        advance(len(idx))
    assert values is not None
    return values, counts


def _save_shard(path: Path, values: np.ndarray, counts: np.ndarray) -> None:
    save_arrays({"values": values, "n_tokens": counts}, path)  # appears whole or not at all


def _load_shard(path: Path) -> tuple[np.ndarray, np.ndarray]:
    data = load_arrays(path)
    return data["values"], data["n_tokens"]


def extract(lm: LanguageModel, texts: Sequence[str], *, sites: Sequence[str] | None = None,
            pooling: str = "last", chat: bool = False, system: str | None = None,
            batch_size: int = 32, max_tokens: int = 8192, max_length: int | None = None,
            cache: bool = True, cache_dir: str | os.PathLike[str] | None = None,
            shard_size: int = 1024, progress: bool = True) -> Activations:
    """Pooled activations of every text at every site, in one forward pass per batch.

    `sites` defaults to the residual stream at every depth (`residual_sites`). With `cache`,
    results live under ``<cache>/activations/<key>/`` in shards of `shard_size` texts. Inside
    an editing `lm.hooks(edit=...)` block nothing is cached (the values are not the model's
    own); after changing weights in place, call `lm.refresh_fingerprint()`.
    """
    items = _as_texts(texts)
    if not items:
        raise ValueError("no texts to extract activations from")
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    if batch_size < 1 or shard_size < 1:
        raise ValueError("batch_size and shard_size must be positive")
    names = [lm.site(s) for s in (sites or residual_sites(lm.n_layers))]
    settings = {"sites": names, "pooling": pooling, "chat": chat, "system": system,
                "max_length": max_length or lm.max_length,
                "dtype": str(next(lm.model.parameters()).dtype)}
    lm.encode(items[:1], chat=chat, system=system)  # fail early on a bad first input
    folder: Path | None = None
    if cache and not lm.editing:
        key = cache_key(lm, items, settings)
        folder = Path(cache_dir) if cache_dir else cache_root() / "activations"
        folder = folder / key
        folder.mkdir(parents=True, exist_ok=True)
        manifest = folder / "manifest.json"
        if not manifest.exists():
            write_json({"model": lm.name, "fingerprint": lm.fingerprint, "n_texts": len(items),
                        "shard_size": shard_size, **settings}, manifest)
        shard_size = read_json(manifest)["shard_size"]
    shards = range(0, len(items), shard_size)
    parts: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    computed = 0
    with progress_bar(progress, len(items), f"activations ({lm.name})") as advance:
        for k, start in enumerate(shards):
            chunk = items[start:start + shard_size]
            path = folder / f"shard-{k:05d}.safetensors" if folder else None
            if path is not None and path.exists():
                values, n = _load_shard(path)
                advance(len(chunk))
            else:
                values, n = _compute(lm, chunk, names, pooling, chat, system, batch_size,
                                     max_tokens, max_length, advance)
                computed += len(chunk)
                if path is not None:
                    _save_shard(path, values, n)
            parts.append(values)
            counts.append(n)
    return Activations(np.concatenate(parts), names, pooling, settings, np.concatenate(counts),
                       from_cache=computed == 0)
