"""The network behind a text emotion model: an encoder (optionally with a LoRA adapter), mean
pooling, and one linear head per task (labels of a scheme, or V/A/D)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

from affectlab.text.encoder import mean_pool

# Every linear layer of a BERT-style block (attention q/k/v/out, feed-forward in/out).
BERT_LINEAR = ["query", "key", "value", "attention.output.dense", "intermediate.dense",
               "output.dense"]


@dataclass
class AdapterConfig:
    """LoRA settings; rank 0 means the encoder stays frozen (heads only)."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.1
    target_modules: list[str] = field(default_factory=lambda: list(BERT_LINEAR))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class HeadSpec:
    """One output head: `kind` is "multilabel", "single" or "regression"; `labels` name the outputs."""

    name: str
    kind: str
    labels: list[str]

    def __post_init__(self) -> None:
        if self.kind not in ("multilabel", "single", "regression"):
            raise ValueError(f"unknown head kind {self.kind!r}")
        if not self.labels:
            raise ValueError(f"head {self.name!r} has no outputs")


def add_adapter(encoder: nn.Module, cfg: AdapterConfig) -> nn.Module:
    """Wrap `encoder` with LoRA (peft); its own weights stay frozen."""
    from peft import LoraConfig, inject_adapter_in_model

    lora = LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                      target_modules=_targets(encoder, cfg.target_modules))
    for p in encoder.parameters():
        p.requires_grad_(False)
    return inject_adapter_in_model(lora, encoder)


def _targets(encoder: nn.Module, wanted: list[str]) -> list[str]:
    """Full names of the linear layers whose names end with one of `wanted`."""
    names = [n for n, m in encoder.named_modules() if isinstance(m, nn.Linear)
             and any(n == w or n.endswith("." + w) for w in wanted)]
    if not names:
        raise ValueError(f"no linear layer of this encoder matches {wanted}; set target_modules")
    return names


def adapter_state(encoder: nn.Module) -> dict[str, torch.Tensor]:
    """The LoRA weights only (what a saved model ships besides its heads)."""
    return {k: v.detach().clone() for k, v in encoder.state_dict().items() if "lora_" in k}


def merge_adapter(encoder: nn.Module) -> nn.Module:
    """Fold LoRA into the base weights for inference (same outputs, plain-encoder speed)."""
    from peft.tuners.lora import LoraLayer

    for module in encoder.modules():
        if isinstance(module, LoraLayer):
            module.merge()
    return encoder


class EmotionNetwork(nn.Module):
    """Encoder -> mean pooling -> dropout -> a linear head per task."""

    def __init__(self, encoder: nn.Module, heads: list[HeadSpec], dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.specs = {h.name: h for h in heads}
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({h.name: nn.Linear(hidden, len(h.labels)) for h in heads})

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return mean_pool(out.last_hidden_state, attention_mask)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                head: str) -> torch.Tensor:
        return self.heads[head](self.dropout(self.embed(input_ids, attention_mask)))

    def all_heads(self, input_ids: torch.Tensor,
                  attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """Raw outputs of every head from one encoder pass."""
        z = self.embed(input_ids, attention_mask)
        return {name: layer(z) for name, layer in self.heads.items()}
