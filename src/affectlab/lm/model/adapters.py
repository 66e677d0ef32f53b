"""One adapter per model family: where each named site lives in that family's modules.

Everything else in `affectlab.lm` speaks site names (`blocks.12.mlp.out`); only this module knows
that a Llama block calls its MLP output projection ``down_proj`` and GPT-2 calls it ``c_proj``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from affectlab.errors import UnknownNameError


@dataclass(frozen=True)
class HookPoint:
    """How to reach a site: a module, and whether the tensor is its input ("pre") or output."""

    module: Any
    kind: str  # "pre" (first positional argument or `arg_name` keyword) or "post" (output)
    arg_name: str = "hidden_states"


class ModelAdapter:
    """Maps site points onto modules of one architecture family; subclasses fill the table."""

    family = ""
    model_types: tuple[str, ...] = ()

    def __init__(self, model: Any) -> None:
        self.model = model
        self.config = model.config

    # -- sizes -------------------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        return len(self.blocks())

    @property
    def d_model(self) -> int:
        return int(self.config.hidden_size)

    @property
    def n_heads(self) -> int:
        return int(self.config.num_attention_heads)

    @property
    def d_head(self) -> int:
        head_dim = getattr(self.config, "head_dim", None)
        return int(head_dim) if head_dim else self.d_model // self.n_heads

    @property
    def d_mlp(self) -> int:
        return int(self.config.intermediate_size)

    # -- modules -----------------------------------------------------------------------------
    def base_model(self) -> Any:
        """The decoder without its unembedding: what activation reads need to run."""
        return self._base()

    def _base(self) -> Any:
        raise NotImplementedError

    def blocks(self) -> Any:
        raise NotImplementedError

    def embed_module(self) -> Any:
        raise NotImplementedError

    def final_norm(self) -> Any:
        raise NotImplementedError

    def attn(self, i: int) -> Any:
        raise NotImplementedError

    def attn_out_proj(self, i: int) -> Any:
        raise NotImplementedError

    def ln2(self, i: int) -> Any:
        raise NotImplementedError

    def mlp(self, i: int) -> Any:
        raise NotImplementedError

    def mlp_out_proj(self, i: int) -> Any:
        raise NotImplementedError

    def token_embeddings(self) -> Any:
        """The (vocab, d_model) input embedding matrix."""
        return self.model.get_input_embeddings().weight

    # -- weights in one orientation: rows are inputs ----------------------------------------
    def W_down(self, i: int) -> Any:
        """MLP output projection as (d_mlp, d_model): neuron j writes row j into the stream."""
        return self.mlp_out_proj(i).weight.T

    def W_O(self, i: int) -> Any:
        """Attention output projection as (n_heads * d_head, d_model)."""
        return self.attn_out_proj(i).weight.T

    # -- the site table ----------------------------------------------------------------------
    def hook_point(self, point: str, layer: int | None) -> HookPoint:
        """Where a parsed site is read or written."""
        if layer is None:
            if point == "embed":
                return HookPoint(self.embed_module(), "post")
            if point == "ln_final.out":
                return HookPoint(self.final_norm(), "post")
        else:
            table = {
                "resid_pre": lambda: HookPoint(self.blocks()[layer], "pre"),
                "attn.head_in": lambda: HookPoint(self.attn_out_proj(layer), "pre", "input"),
                "attn.out": lambda: HookPoint(self.attn(layer), "post"),
                "resid_mid": lambda: HookPoint(self.ln2(layer), "pre"),
                "mlp.act": lambda: HookPoint(self.mlp_out_proj(layer), "pre", "input"),
                "mlp.out": lambda: HookPoint(self.mlp(layer), "post"),
                "resid_post": lambda: HookPoint(self.blocks()[layer], "post"),
            }
            if point in table:
                return table[point]()
        raise UnknownNameError("site point", point, ["embed", "ln_final.out"])


class LlamaAdapter(ModelAdapter):
    """Llama-style decoders: Llama, SmolLM, Mistral, Qwen2/Qwen3 (pre-norm, gated MLP)."""

    family = "llama"
    model_types = ("llama", "mistral", "qwen2", "qwen3", "smollm3")

    def _base(self) -> Any:
        return self.model.model

    def blocks(self) -> Any:
        return self._base().layers

    def embed_module(self) -> Any:
        return self._base().embed_tokens

    def final_norm(self) -> Any:
        return self._base().norm

    def attn(self, i: int) -> Any:
        return self.blocks()[i].self_attn

    def attn_out_proj(self, i: int) -> Any:
        return self.blocks()[i].self_attn.o_proj

    def ln2(self, i: int) -> Any:
        return self.blocks()[i].post_attention_layernorm

    def mlp(self, i: int) -> Any:
        return self.blocks()[i].mlp

    def mlp_out_proj(self, i: int) -> Any:
        return self.blocks()[i].mlp.down_proj


class GPT2Adapter(ModelAdapter):
    """GPT-2: learned positions (the `embed` site is token + position embedding), Conv1D layers."""

    family = "gpt2"
    model_types = ("gpt2",)

    def _base(self) -> Any:
        return self.model.transformer

    @property
    def d_mlp(self) -> int:
        inner = getattr(self.config, "n_inner", None)
        return int(inner) if inner else 4 * self.d_model

    def blocks(self) -> Any:
        return self._base().h

    def embed_module(self) -> Any:
        return self._base().drop  # output = dropout(wte + wpe): what block 0 receives

    def final_norm(self) -> Any:
        return self._base().ln_f

    def attn(self, i: int) -> Any:
        return self.blocks()[i].attn

    def attn_out_proj(self, i: int) -> Any:
        return self.blocks()[i].attn.c_proj

    def ln2(self, i: int) -> Any:
        return self.blocks()[i].ln_2

    def mlp(self, i: int) -> Any:
        return self.blocks()[i].mlp

    def mlp_out_proj(self, i: int) -> Any:
        return self.blocks()[i].mlp.c_proj

    def W_down(self, i: int) -> Any:
        return self.mlp_out_proj(i).weight  # Conv1D stores (in, out) already

    def W_O(self, i: int) -> Any:
        return self.attn_out_proj(i).weight


ADAPTERS: tuple[type[ModelAdapter], ...] = (LlamaAdapter, GPT2Adapter)


def adapter_for(model: Any) -> ModelAdapter:
    """The adapter of a Hugging Face causal LM, chosen by its ``config.model_type``."""
    model_type = getattr(getattr(model, "config", None), "model_type", None)
    for cls in ADAPTERS:
        if model_type in cls.model_types:
            return cls(model)
    supported = [t for cls in ADAPTERS for t in cls.model_types]
    raise UnknownNameError("model family", str(model_type), supported,
                           hint="Add a ModelAdapter subclass in affectlab.lm.model.adapters.")
