"""A task where thinking matters, small enough to train here: N-digit addition with written carries.

Each example reads ``057+068=<think>51,21,10,</think>0125<eos>``: the operands zero-padded to N
digits; inside the think markers, for each column from the least significant, the column's
digit and its carry ("7+8 = 15" writes ``51``); after the marker the sum, N+1 digits, most
significant first. The answer is the scratchpad read backwards, so a model that learns the
format needs its thinking to answer.

`AdditionTokenizer` is a character tokenizer with the interface the decoders use (`encode`,
`decode`, `eos_token_id`), `make_model` a tiny Llama, `train` a CPU-cheap training loop, and
`save`/`load` keep model and tokenizer together in one folder (``model.safetensors`` and the
shared manifest ``affectlab.json`` of kind "synthetic.addition", the model spec in it; folders
saved before, with ``spec.json``, still load).
"""

from __future__ import annotations

import os
import random
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch

from affectlab.core.errors import ManifestError
from affectlab.core.manifest import Manifest, read_manifest, write_manifest
from affectlab.core.progress import track

KIND = "synthetic.addition"
FORMAT_VERSION = 1
WEIGHTS = "model.safetensors"
#: What `save` wrote before the shared manifest (still read): the `ModelSpec` as JSON.
LEGACY_SPEC = "spec.json"

THINK, END_THINK, EOS, PAD = "<think>", "</think>", "<eos>", "<pad>"
SYMBOLS = [PAD, EOS, THINK, END_THINK, "+", "=", ",", *"0123456789"]


class AdditionTokenizer:
    """One id per symbol; markers are single tokens."""

    def __init__(self) -> None:
        self.vocab = {s: i for i, s in enumerate(SYMBOLS)}
        self.inverse = dict(enumerate(SYMBOLS))
        self.pad_token_id, self.eos_token_id = self.vocab[PAD], self.vocab[EOS]

    def __len__(self) -> int:
        return len(SYMBOLS)

    def tokenize(self, text: str) -> list[str]:
        out, i = [], 0
        while i < len(text):
            for marker in (END_THINK, THINK, EOS, PAD):
                if text.startswith(marker, i):
                    out.append(marker)
                    i += len(marker)
                    break
            else:
                if text[i] not in self.vocab:
                    raise ValueError(f"character {text[i]!r} is not in the addition vocabulary")
                out.append(text[i])
                i += 1
        return out

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        del add_special_tokens
        return [self.vocab[t] for t in self.tokenize(text)]

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        skip = {self.pad_token_id, self.eos_token_id} if skip_special_tokens else set()
        return "".join(self.inverse[int(i)] for i in ids if int(i) not in skip)


def scratchpad(a: int, b: int, digits: int) -> str:
    """Column-by-column digits and carries, least significant first: ``51,21,10,``."""
    out, carry = [], 0
    for k in range(digits):
        s = (a // 10 ** k) % 10 + (b // 10 ** k) % 10 + carry
        carry = s // 10
        out.append(f"{s % 10}{carry},")
    return "".join(out)


def prompt(a: int, b: int, digits: int) -> str:
    return f"{a:0{digits}d}+{b:0{digits}d}={THINK}"


def example(a: int, b: int, digits: int) -> str:
    """The full training text of one problem."""
    return f"{prompt(a, b, digits)}{scratchpad(a, b, digits)}{END_THINK}{a + b:0{digits + 1}d}{EOS}"


def parse_answer(text: str) -> int | None:
    """The integer an answer text states, or None."""
    digits = "".join(c for c in text if c.isdigit())
    return int(digits) if digits else None


def problems(n: int, digits: int, seed: int, exclude: set[tuple[int, int]] | None = None
             ) -> list[tuple[int, int]]:
    """n distinct (a, b) pairs with `digits`-digit operands, none in `exclude`."""
    rng = random.Random(seed)
    hi = 10 ** digits
    seen, out = set(exclude or ()), []
    if n > hi * hi - len(seen):
        raise ValueError(f"only {hi * hi - len(seen)} distinct problems are left")
    while len(out) < n:
        pair = (rng.randrange(hi), rng.randrange(hi))
        if pair not in seen:
            seen.add(pair)
            out.append(pair)
    return out


@dataclass
class ModelSpec:
    """Size of the tiny Llama (defaults train in a few minutes on 2 CPU cores)."""

    digits: int = 3
    hidden: int = 128
    layers: int = 3
    heads: int = 4
    intermediate: int = 256
    max_positions: int = 64


def make_model(spec: ModelSpec, seed: int = 0) -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = AdditionTokenizer()
    config = LlamaConfig(vocab_size=len(tok), hidden_size=spec.hidden,
                         intermediate_size=spec.intermediate, num_hidden_layers=spec.layers,
                         num_attention_heads=spec.heads, num_key_value_heads=spec.heads,
                         max_position_embeddings=spec.max_positions,
                         pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                         bos_token_id=None, tie_word_embeddings=True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return LlamaForCausalLM(config)


def batch_tensors(pairs: list[tuple[int, int]], digits: int, tok: AdditionTokenizer
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(input_ids, labels): labels are -100 on the prompt and padding (loss on the reply)."""
    rows = [tok.encode(example(a, b, digits)) for a, b in pairs]
    plen = len(tok.encode(prompt(0, 0, digits)))
    width = max(map(len, rows))
    ids = torch.full((len(rows), width), tok.pad_token_id)
    labels = torch.full((len(rows), width), -100)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        labels[i, plen: len(r)] = torch.tensor(r[plen:])
    return ids, labels


def train(spec: ModelSpec | None = None, *, steps: int = 1500, batch_size: int = 64,
          lr: float = 1.5e-3, seed: int = 0, exclude: set[tuple[int, int]] | None = None,
          progress: bool = True) -> tuple[Any, AdditionTokenizer, list[float]]:
    """Train a tiny Llama on random problems (never those in `exclude`); (model, tokenizer,
    loss per step)."""
    spec = spec or ModelSpec()
    tok = AdditionTokenizer()
    model = make_model(spec, seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps,
                                                pct_start=0.1)
    rng = random.Random(seed)
    hi = 10 ** spec.digits
    banned = exclude or set()
    losses: list[float] = []
    model.train()
    for _ in track(range(steps), "training addition model", show=progress):
        pairs = []
        while len(pairs) < batch_size:
            p = (rng.randrange(hi), rng.randrange(hi))
            if p not in banned:
                pairs.append(p)
        ids, labels = batch_tensors(pairs, spec.digits, tok)
        loss = model(input_ids=ids, labels=labels).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    model.eval()
    return model, tok, losses


def save(model: Any, spec: ModelSpec, folder: str | os.PathLike[str], *,
         metrics: dict[str, Any] | None = None) -> Path:
    """Weights (``model.safetensors``), then the manifest ``affectlab.json`` (kind
    "synthetic.addition", the spec as its config) in one folder, each written atomically."""
    from affectlab.core.files import save_tensors

    out = Path(folder)
    state = {k: v for k, v in model.state_dict().items()
             if k != "lm_head.weight"}  # tied to the embeddings
    save_tensors(state, out / WEIGHTS)
    write_manifest(out, Manifest(kind=KIND, format_version=FORMAT_VERSION,
                                 metrics=dict(metrics or {}), config=asdict(spec),
                                 files=[WEIGHTS]))
    return out


def _from_legacy(folder: Path, old: dict[str, Any]) -> Manifest:
    """The manifest of a folder saved before ``affectlab.json`` (``spec.json``)."""
    known = {f.name for f in fields(ModelSpec)}
    unknown = sorted(set(old) - known)
    if unknown:
        raise ManifestError(f"{folder / LEGACY_SPEC} is not an addition model spec (unknown "
                            f"keys {unknown})")
    return Manifest(kind=KIND, format_version=FORMAT_VERSION, config=dict(old), files=[WEIGHTS])


def load(folder: str | os.PathLike[str]) -> tuple[Any, AdditionTokenizer, ModelSpec]:
    """(model, tokenizer, spec) saved by `save` (or by affectlab before ``affectlab.json``)."""
    from safetensors.torch import load_file

    path = Path(folder)
    manifest = read_manifest(path, KIND, max_version=FORMAT_VERSION, what="addition model",
                             legacy={LEGACY_SPEC: _from_legacy})
    spec = ModelSpec(**manifest.config)
    model = make_model(spec)
    model.load_state_dict(load_file(str(path / WEIGHTS)), strict=False)
    model.tie_weights()
    model.eval()
    return model, AdditionTokenizer(), spec


__all__ = ["KIND", "WEIGHTS", "AdditionTokenizer", "ModelSpec", "batch_tensors", "example", "load",
           "make_model", "parse_answer", "problems", "prompt", "save", "scratchpad", "train"]
