"""Codebooks inside a Hugging Face causal LM (or an affectlab `LanguageModel`), through hooks.

`insert_codebooks(model, sites)` puts a `CodebookLayer` (or a per-head `GroupedCodebookLayer` at
``attn.head_in``) at named sites of the model through forward hooks; `HFCodebooks.remove()`
detaches them again.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from affectlab.codebook.layer import CodebookLayer, GroupedCodebookLayer, _GroupedCodebooks
from affectlab.lm.model.sites import parse_site


def _key(site: str) -> str:
    return site.replace(".", "__")


class HFCodebooks(nn.Module):
    """Codebooks attached to a Hugging Face model by hooks; `remove()` detaches them."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleDict()
        self._handles: list[Any] = []

    def codebooks(self) -> dict[str, _GroupedCodebooks]:
        return {k.replace("__", "."): m for k, m in self.layers.items()}  # type: ignore

    def aux_loss(self) -> Tensor:
        losses = [m.aux_loss for m in self.layers.values()]
        return torch.stack(losses).sum() if losses else torch.zeros(())

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()


def insert_codebooks(model: Any, sites: list[str], num_codes: int = 1024, k: int = 8,
                     **kwargs: Any) -> HFCodebooks:
    """Put codebooks at named sites of a Hugging Face causal LM (or an affectlab LanguageModel).

    ``attn.head_in`` gets one codebook per head; every other site one codebook of the site's
    width. Returns the (trainable) `HFCodebooks`; their ids are in each layer's `last_codes`.
    """
    from affectlab.lm.model.adapters import adapter_for

    adapter = getattr(model, "adapter", None) or adapter_for(model)
    hf = getattr(model, "model", model) if hasattr(model, "adapter") else model
    param = next(hf.parameters())
    out = HFCodebooks()
    for name in sites:
        site = parse_site(name, adapter.n_layers)
        point = adapter.hook_point(site.point, site.layer)
        if site.point == "attn.head_in":
            layer: _GroupedCodebooks = GroupedCodebookLayer(adapter.n_heads, adapter.d_head,
                                                            num_codes, k, **kwargs)
        else:
            width = adapter.d_mlp if site.point == "mlp.act" else adapter.d_model
            layer = CodebookLayer(width, num_codes, k, **kwargs)
        layer.to(device=param.device, dtype=param.dtype)
        out.layers[_key(site.name)] = layer
        out._handles.append(_attach(point, layer, site.point == "attn.head_in", adapter))
    return out


def _attach(point: Any, layer: nn.Module, per_head: bool, adapter: Any) -> Any:
    def apply(x: Tensor) -> Tensor:
        if per_head:
            return layer(x.view(*x.shape[:-1], adapter.n_heads, adapter.d_head)).reshape(x.shape)
        return layer(x)

    if point.kind == "pre":
        def pre(module: Any, args: tuple, kwargs: dict) -> Any:
            if args:
                return (apply(args[0]), *args[1:]), kwargs
            return args, {**kwargs, point.arg_name: apply(kwargs[point.arg_name])}

        return point.module.register_forward_pre_hook(pre, with_kwargs=True)

    def post(module: Any, args: tuple, output: Any) -> Any:
        if isinstance(output, tuple):
            return (apply(output[0]), *output[1:])
        return apply(output)

    return point.module.register_forward_hook(post)


__all__ = ["HFCodebooks", "insert_codebooks"]
