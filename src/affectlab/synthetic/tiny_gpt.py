"""A small causal GPT with optional codebooks at named sites (the model of the TokFSM task).

`TinyGPT` is a pre-LN transformer whose insertion points use affectlab site names:
``blocks.{i}.attn.head_in`` (each head's output before the output projection, one codebook per
head) and ``blocks.{i}.mlp.out`` (the MLP output before it joins the residual stream).
`save(dir)` / `TinyGPT.load(dir)` write and read the weights (``model.safetensors``) and the
shared manifest ``affectlab.json`` (kind "synthetic.tiny_gpt", the config in it); folders saved
before, with ``config.json``, still load.

Codebooks for Hugging Face models are `affectlab.codebook.insert.insert_codebooks`.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from affectlab.codebook.layer import CodebookLayer, GroupedCodebookLayer, _GroupedCodebooks
from affectlab.core.errors import ManifestError
from affectlab.core.manifest import Manifest, read_manifest, write_manifest
from affectlab.lm.model.sites import parse_site

GPT_POINTS = ("attn.head_in", "mlp.out")
KIND = "synthetic.tiny_gpt"
FORMAT_VERSION = 1
WEIGHTS = "model.safetensors"
#: What `save` wrote before the shared manifest (still read): {"config": ..., "extra": ...}.
LEGACY_CONFIG = "config.json"


@dataclass
class GPTConfig:
    vocab_size: int
    n_layers: int = 2
    d_model: int = 64
    n_heads: int = 4
    d_mlp: int | None = None
    max_len: int = 128
    codebook_sites: list[str] = field(default_factory=list)
    num_codes: int = 256
    k: int = 1
    codebook_kwargs: dict[str, Any] = field(default_factory=dict)
    #: std of the token and position embeddings; 1.0 puts the residual stream at the scale of
    #: layer-normalised codebook outputs
    embed_std: float = 0.02

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads


def _key(site: str) -> str:
    return site.replace(".", "__")


class _Block(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        d, h = cfg.d_model, cfg.n_heads
        self.n_heads, self.d_head = h, cfg.d_head
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, cfg.d_mlp or 4 * d)
        self.fc_out = nn.Linear(cfg.d_mlp or 4 * d, d)

    def forward(self, x: Tensor, head_cb: nn.Module | None, mlp_cb: nn.Module | None) -> Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (z.view(b, t, self.n_heads, self.d_head).transpose(1, 2) for z in (q, k, v))
        z = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2)  # b t h dh
        if head_cb is not None:
            z = head_cb(z)
        x = x + self.proj(z.reshape(b, t, d))
        m = self.fc_out(F.gelu(self.fc(self.ln2(x))))
        if mlp_cb is not None:
            m = mlp_cb(m)
        return x + m


class TinyGPT(nn.Module):
    """Causal pre-LN transformer with learned positions and optional codebooks at named sites."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        if cfg.d_model % cfg.n_heads:
            raise ValueError(f"d_model={cfg.d_model} is not divisible by n_heads={cfg.n_heads}")
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.max_len, cfg.d_model)
        self.blocks = nn.ModuleList(_Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        self.codebook_modules = nn.ModuleDict()
        for name in cfg.codebook_sites:
            site = parse_site(name, cfg.n_layers)
            if site.point not in GPT_POINTS:
                raise ValueError(f"TinyGPT takes codebooks at {GPT_POINTS}, got {name!r}")
            if site.point == "attn.head_in":
                layer: nn.Module = GroupedCodebookLayer(cfg.n_heads, cfg.d_head, cfg.num_codes,
                                                        cfg.k, **cfg.codebook_kwargs)
            else:
                layer = CodebookLayer(cfg.d_model, cfg.num_codes, cfg.k, **cfg.codebook_kwargs)
            self.codebook_modules[_key(site.name)] = layer
        self.apply(self._init)
        for emb in (self.tok, self.pos):
            nn.init.normal_(emb.weight, std=cfg.embed_std)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def codebooks(self) -> dict[str, _GroupedCodebooks]:
        """Codebook layers by site name."""
        return {k.replace("__", "."): m for k, m in self.codebook_modules.items()}  # type: ignore

    def forward(self, ids: Tensor) -> Tensor:
        """Logits (batch, pos, vocab) of token ids (batch, pos)."""
        t = ids.shape[1]
        if t > self.cfg.max_len:
            raise ValueError(f"sequence of {t} tokens exceeds max_len={self.cfg.max_len}")
        x = self.tok(ids) + self.pos(torch.arange(t, device=ids.device))
        cbs = self.codebook_modules
        for i, block in enumerate(self.blocks):
            x = block(x, cbs[k] if (k := _key(f"blocks.{i}.attn.head_in")) in cbs else None,
                      cbs[k] if (k := _key(f"blocks.{i}.mlp.out")) in cbs else None)
        return self.head(self.ln_f(x))

    def aux_loss(self) -> Tensor:
        """Sum of the codebooks' auxiliary losses from the last forward call."""
        losses = [m.aux_loss for m in self.codebook_modules.values()]
        return torch.stack(losses).sum() if losses else torch.zeros(())

    def save(self, directory: str | os.PathLike[str], extra: dict[str, Any] | None = None, *,
             metrics: dict[str, Any] | None = None) -> Path:
        """Write ``model.safetensors``, then the manifest ``affectlab.json`` (kind
        "synthetic.tiny_gpt": the config, `extra` metadata and `metrics`) to `directory`."""
        from affectlab.core.files import save_tensors

        out = Path(directory)
        state = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
        save_tensors(state, out / WEIGHTS)
        write_manifest(out, Manifest(kind=KIND, format_version=FORMAT_VERSION,
                                     metrics=dict(metrics or {}),
                                     config={"gpt": asdict(self.cfg), "extra": extra or {}},
                                     files=[WEIGHTS]))
        return out

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> TinyGPT:
        """A model written by `save` (or by affectlab before ``affectlab.json``), in eval mode;
        its `extra` metadata is `model.extra`."""
        from safetensors.torch import load_file

        src = Path(directory)
        manifest = read_manifest(src, KIND, max_version=FORMAT_VERSION, what="TinyGPT model",
                                 legacy={LEGACY_CONFIG: _from_legacy})
        model = cls(GPTConfig(**manifest.config["gpt"]))
        model.load_state_dict(load_file(str(src / WEIGHTS)))
        model.extra = manifest.config.get("extra", {})
        model.manifest_ = manifest
        return model.eval()


def _from_legacy(folder: Path, old: dict[str, Any]) -> Manifest:
    """The manifest of a folder saved before ``affectlab.json`` (``config.json``)."""
    config = old.get("config")
    if not isinstance(config, dict) or "vocab_size" not in config:
        raise ManifestError(f"{folder / LEGACY_CONFIG} is not the config of a saved TinyGPT")
    return Manifest(kind=KIND, format_version=FORMAT_VERSION,
                    config={"gpt": config, "extra": old.get("extra", {})}, files=[WEIGHTS])


__all__ = ["GPT_POINTS", "KIND", "WEIGHTS", "GPTConfig", "TinyGPT"]
