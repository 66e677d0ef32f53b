"""`LanguageModel`: one handle on a Hugging Face causal LM with named sites, chat and generation."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import torch

from affectlab.core.progress import progress_bar
from affectlab.lm.model.adapters import ModelAdapter, adapter_for
from affectlab.lm.model.hooks import ActivationCache, Edit, Reduce, hooks
from affectlab.lm.model.sites import all_sites, parse_site

DEFAULT_MAX_LENGTH = 512


def _as_texts(texts: str | Iterable[str]) -> list[str]:
    items = [texts] if isinstance(texts, str) else list(texts)
    bad = [i for i, t in enumerate(items) if not isinstance(t, str)]
    if bad:
        raise TypeError(f"texts must be str; items {bad[:5]} are "
                        f"{sorted({type(items[i]).__name__ for i in bad})}")
    return items


class LanguageModel:
    """A causal LM, its tokenizer and its family adapter.

    Sites are named the same way for every family (`blocks.{i}.resid_post`, see
    `affectlab.lm.model.sites`); `hooks()` reads or edits them during any forward pass or
    generation.
    """

    def __init__(self, model: Any, tokenizer: Any, name: str = "", fingerprint: str = "") -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.adapter: ModelAdapter = adapter_for(model)
        self.name = name or getattr(model.config, "_name_or_path", "") or "model"
        if not fingerprint:
            from affectlab.lm.model.loading import model_fingerprint

            fingerprint = model_fingerprint(model, self.name)
        self.fingerprint = fingerprint  # identity for activation caches
        self._edits_active = 0
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.max_length = min(DEFAULT_MAX_LENGTH,
                              int(getattr(model.config, "max_position_embeddings", None)
                                  or getattr(model.config, "n_positions", DEFAULT_MAX_LENGTH)))

    # -- sizes -------------------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        return self.adapter.n_layers

    @property
    def d_model(self) -> int:
        return self.adapter.d_model

    @property
    def n_heads(self) -> int:
        return self.adapter.n_heads

    @property
    def d_head(self) -> int:
        return self.adapter.d_head

    @property
    def d_mlp(self) -> int:
        return self.adapter.d_mlp

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def editing(self) -> bool:
        """True inside a `hooks(edit=...)` block: activations then are not the model's own."""
        return self._edits_active > 0

    def refresh_fingerprint(self) -> str:
        """Recompute the identity from the weights (after editing them in place), so activation
        caches made before the change are not reused."""
        from affectlab.lm.model.loading import model_fingerprint

        self.fingerprint = model_fingerprint(self.model, self.name)
        return self.fingerprint

    def sites(self) -> list[str]:
        """Every site name of this model, in forward order."""
        return all_sites(self.n_layers)

    def site(self, name: str) -> str:
        """Check a site name (negative layers count from the end) and return it normalised."""
        return parse_site(name, self.n_layers).name

    def __repr__(self) -> str:
        return (f"LanguageModel({self.name!r}, family={self.adapter.family!r}, "
                f"layers={self.n_layers}, d_model={self.d_model})")

    # -- text in -----------------------------------------------------------------------------
    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def format(self, texts: str | Iterable[str], *, chat: bool = False, system: str | None = None,
               add_generation_prompt: bool = True,
               prefill: str | Sequence[str] | None = None) -> list[str]:
        """Texts as the model will read them: raw, or as a user turn in the chat template.

        `system=None` keeps the template's own default system prompt (if it has one). `prefill`
        (one string, or one per text) is appended: the start of the model's reply.
        """
        items = _as_texts(texts)
        if prefill is not None:
            tails = [prefill] * len(items) if isinstance(prefill, str) else list(prefill)
            if len(tails) != len(items):
                raise ValueError(f"{len(tails)} prefills for {len(items)} texts")
            return [t + tail for t, tail in zip(self.format(
                items, chat=chat, system=system, add_generation_prompt=add_generation_prompt),
                tails, strict=True)]
        if not chat:
            if system is not None:
                raise ValueError("a system prompt needs chat=True")
            return items
        if not self.has_chat_template:
            raise ValueError(f"{self.name} has no chat template; use chat=False")
        out = []
        for text in items:
            messages = [{"role": "user", "content": text}]
            if system is not None:
                messages.insert(0, {"role": "system", "content": system})
            out.append(self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=add_generation_prompt))
        return out

    def encode(self, texts: str | Iterable[str], *, chat: bool = False, system: str | None = None,
               padding_side: str = "right", max_length: int | None = None,
               prefill: str | Sequence[str] | None = None) -> Any:
        """Tokenised batch (input_ids, attention_mask) on the model's device.

        Inputs longer than `max_length` keep their end (where the last-token reading and the
        generation prompt are) and a warning says how many were cut. Empty inputs are an error.
        """
        formatted = self.format(texts, chat=chat, system=system, prefill=prefill)
        empty = [i for i, t in enumerate(formatted) if not t.strip()]
        if empty:
            raise ValueError(f"empty text at positions {empty[:10]}: a language model needs at "
                             "least one token")
        limit = max_length or self.max_length
        tok = self.tokenizer
        side, trunc = tok.padding_side, tok.truncation_side
        tok.padding_side, tok.truncation_side = padding_side, "left"
        try:
            # a chat template writes its own special tokens (BOS included, where it has one)
            special = not chat
            lengths = [len(ids) for ids in tok(formatted, add_special_tokens=special)["input_ids"]]
            batch = tok(formatted, return_tensors="pt", padding=True, truncation=True,
                        max_length=limit, add_special_tokens=special)
        finally:
            tok.padding_side, tok.truncation_side = side, trunc
        cut = sum(n > limit for n in lengths)
        if cut:
            warnings.warn(f"{cut} of {len(lengths)} inputs were longer than {limit} tokens; "
                          "their beginnings were cut", stacklevel=2)
        if any(n == 0 for n in lengths):
            raise ValueError("an input produced no tokens")
        return batch.to(self.device)

    # -- forward and hooks -------------------------------------------------------------------
    def hooks(self, read: Iterable[str] = (), edit: Mapping[str, Edit] | None = None, *,
              reduce: Reduce | None = None, detach: bool = True,
              concat_dim: int | None = 1) -> AbstractContextManager[ActivationCache]:
        """Read and/or edit named sites inside the `with` block (see `affectlab.lm.model.hooks`)."""
        return self._hooks(read, edit, reduce, detach, concat_dim)

    @contextmanager
    def _hooks(self, read: Iterable[str], edit: Mapping[str, Edit] | None,
               reduce: Reduce | None, detach: bool,
               concat_dim: int | None) -> Iterator[ActivationCache]:
        counted = bool(edit)
        self._edits_active += counted
        try:
            with hooks(self.adapter, read, edit, reduce=reduce, detach=detach,
                       concat_dim=concat_dim) as cache:
                yield cache
        finally:
            self._edits_active -= counted

    @torch.inference_mode()
    def forward(self, batch: Any, **kwargs: Any) -> torch.Tensor:
        """Logits (batch, pos, vocab) of an encoded batch or of texts (encoded raw)."""
        if isinstance(batch, (str, list, tuple)):
            batch = self.encode(batch)
        return self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                          use_cache=False, **kwargs).logits

    def run_with_cache(self, texts: str | Sequence[str], sites: Iterable[str], *,
                       chat: bool = False, system: str | None = None,
                       edit: Mapping[str, Edit] | None = None
                       ) -> tuple[torch.Tensor, ActivationCache]:
        """(logits, cache of the named sites) for one right-padded batch of texts."""
        batch = self.encode(texts, chat=chat, system=system)
        with self.hooks(read=sites, edit=edit) as cache:
            logits = self.forward(batch)
        return logits, cache

    # -- generation --------------------------------------------------------------------------
    def generate(self, prompts: str | Iterable[str], *, chat: bool = True,
                 system: str | None = None, max_new_tokens: int = 64, do_sample: bool = False,
                 temperature: float = 1.0, top_p: float = 1.0, top_k: int = 50,
                 repetition_penalty: float = 1.0, seed: int | None = None, batch_size: int = 16,
                 edit: Mapping[str, Edit] | None = None, return_ids: bool = False,
                 progress: bool = False) -> list[str] | list[list[int]]:
        """Replies to prompts (greedy by default), batched with left padding.

        `edit` applies site edits during every decoding step (steering); `seed` makes sampling
        repeatable without touching the global random state. `return_ids` gives token ids.
        """
        items = _as_texts(prompts)
        if max_new_tokens < 1:
            raise ValueError("max_new_tokens must be at least 1")
        if do_sample and not temperature > 0:
            raise ValueError("temperature must be positive when sampling")
        settings: dict[str, Any] = {"max_new_tokens": max_new_tokens, "do_sample": do_sample,
                                    "repetition_penalty": repetition_penalty,
                                    "pad_token_id": self.tokenizer.pad_token_id}
        if do_sample:
            settings.update(temperature=temperature, top_p=top_p, top_k=top_k)
        else:
            settings.update(temperature=None, top_p=None, top_k=None)
        order = sorted(range(len(items)), key=lambda i: len(items[i]))
        out: list[Any] = [None] * len(items)
        with (progress_bar(progress, len(items), "generating") as bar,
              torch.random.fork_rng(devices=[]), self.hooks(edit=edit or {})):
            if seed is not None:
                torch.manual_seed(seed)
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                batch = self.encode([items[i] for i in idx], chat=chat, system=system,
                                    padding_side="left")
                with torch.inference_mode():
                    ids = self.model.generate(**batch, **settings)
                new = ids[:, batch["input_ids"].shape[1]:]
                for row, i in zip(new.tolist(), idx, strict=True):
                    row = _strip_after_eos(row, self.tokenizer, self.model)
                    out[i] = row if return_ids else self.tokenizer.decode(
                        row, skip_special_tokens=True).strip()
                bar(len(idx))
        return out


def stop_token_ids(tokenizer: Any, model: Any = None) -> set[int]:
    """Ids that end a reply: the tokenizer's end token and every end token of the model's
    generation config (e.g. Llama-3's <|eot_id|>)."""
    stops = {tokenizer.eos_token_id}
    config_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if config_eos is not None:
        stops.update(config_eos if isinstance(config_eos, (list, tuple)) else [config_eos])
    return {s for s in stops if s is not None}


def _strip_after_eos(row: list[int], tokenizer: Any, model: Any = None) -> list[int]:
    """The reply up to (not including) its first stop token: the tokenizer's end and pad tokens
    and every end token of the model's generation config (e.g. Llama-3's <|eot_id|>)."""
    stops = stop_token_ids(tokenizer, model) | {tokenizer.pad_token_id}
    for k, t in enumerate(row):
        if t in stops:
            return row[:k]
    return row


def load(name_or_path: str | os.PathLike[str] | None = None, *, dtype: Any = None,
         device: str = "cpu", allow_download: bool = False) -> LanguageModel:
    """A `LanguageModel`: the packaged SmolLM2-135M-Instruct by default, or any causal LM id/path.

    Nothing is downloaded unless `allow_download=True`.
    """
    from affectlab.lm.model.loading import load_hf

    model, tokenizer, name, fingerprint = load_hf(name_or_path, dtype=dtype, device=device,
                                                  allow_download=allow_download)
    return LanguageModel(model, tokenizer, name, fingerprint)
