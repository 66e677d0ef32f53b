"""Read or edit any set of named sites during a forward pass or generation.

>>> with hooks(adapter, read=["blocks.3.resid_post"], edit={"blocks.5.mlp.out": fn}) as cache:
...     model(**batch)
>>> cache["blocks.3.resid_post"].shape      # (batch, pos, d_model)

An edit is a function of the tensor at the site that returns the replacement (or edits in place
and returns None). Reads see edited values, as the rest of the model does. Several forward calls
inside one context (generation with a KV cache) are concatenated along the position axis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import torch

from affectlab.lm.model.adapters import HookPoint, ModelAdapter
from affectlab.lm.model.sites import BLOCK_POINTS, MODEL_POINTS, Site, parse_site

Edit = Callable[[torch.Tensor], "torch.Tensor | None"]
Reduce = Callable[[str, torch.Tensor], torch.Tensor]

_ORDER = {p: k for k, p in enumerate(BLOCK_POINTS)}


class ActivationCache(Mapping[str, torch.Tensor]):
    """Tensors read at sites; `calls(site)` keeps one tensor per forward call."""

    def __init__(self, concat_dim: int | None = 1) -> None:
        self._calls: dict[str, list[torch.Tensor]] = {}
        self.concat_dim = concat_dim

    def add(self, site: str, tensor: torch.Tensor) -> None:
        self._calls.setdefault(site, []).append(tensor)

    def calls(self, site: str) -> list[torch.Tensor]:
        return list(self._calls[site])

    def __getitem__(self, site: str) -> torch.Tensor:
        parts = self._calls[site]
        if len(parts) == 1 or self.concat_dim is None:
            return parts[-1] if self.concat_dim is None else parts[0]
        return torch.cat(parts, dim=self.concat_dim)

    def __iter__(self) -> Iterator[str]:
        return iter(self._calls)

    def __len__(self) -> int:
        return len(self._calls)

    def clear(self) -> None:
        self._calls.clear()


def _sort_key(site: Site) -> tuple[int, int]:
    if site.layer is None:
        return (-1, 0) if site.point == "embed" else (1 << 30, 0)
    return (site.layer, _ORDER[site.point])


def _apply(fn: Edit, x: torch.Tensor) -> torch.Tensor:
    out = fn(x)
    if out is None:
        return x
    if not isinstance(out, torch.Tensor) or out.shape != x.shape:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"an edit must return a tensor of shape {tuple(x.shape)} (or None "
                         f"after editing in place), got {got}")
    return out


class _Session:
    def __init__(self, adapter: ModelAdapter, cache: ActivationCache, reduce: Reduce | None,
                 detach: bool) -> None:
        self.adapter = adapter
        self.cache = cache
        self.reduce = reduce
        self.detach = detach
        self.handles: list[Any] = []
        self.resid_pre: dict[int, torch.Tensor] = {}

    # -- plumbing ----------------------------------------------------------------------------
    def _record(self, name: str, x: torch.Tensor) -> None:
        y = x.detach() if self.detach else x
        if self.reduce is not None:
            y = self.reduce(name, y)
        self.cache.add(name, y)

    def _shape_in(self, site: Site, x: torch.Tensor) -> torch.Tensor:
        if site.point == "attn.head_in":
            return x.view(*x.shape[:-1], self.adapter.n_heads, self.adapter.d_head)
        return x

    def _shape_out(self, site: Site, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return x.reshape(like.shape) if site.point == "attn.head_in" else x

    def _visit(self, site: Site, x: torch.Tensor, edit: Edit | None, read: bool) -> torch.Tensor:
        view = self._shape_in(site, x)
        if edit is not None:
            view = _apply(edit, view)
        if read:
            self._record(site.name, view)
        return self._shape_out(site, view, x)

    def add(self, site: Site, edit: Edit | None, read: bool) -> None:
        point = self.adapter.hook_point(site.point, site.layer)
        if site.point == "resid_mid" and edit is not None:
            self._add_resid_mid_edit(site, edit)
            edit = None
            if not read:
                return
        if point.kind == "pre":
            self._add_pre(point, site, edit, read)
        else:
            self._add_post(point, site, edit, read)

    def _add_pre(self, point: HookPoint, site: Site, edit: Edit | None, read: bool) -> None:
        def hook(module: Any, args: tuple, kwargs: dict) -> Any:
            if args:
                new = self._visit(site, args[0], edit, read)
                return ((new, *args[1:]), kwargs) if edit is not None else None
            new = self._visit(site, kwargs[point.arg_name], edit, read)
            if edit is not None:
                return args, {**kwargs, point.arg_name: new}
            return None

        self.handles.append(point.module.register_forward_pre_hook(hook, with_kwargs=True))

    def _add_post(self, point: HookPoint, site: Site, edit: Edit | None, read: bool) -> None:
        def hook(module: Any, args: tuple, output: Any) -> Any:
            tensor = output[0] if isinstance(output, tuple) else output
            new = self._visit(site, tensor, edit, read)
            if edit is None:
                return None
            return (new, *output[1:]) if isinstance(output, tuple) else new

        self.handles.append(point.module.register_forward_hook(hook))

    def _add_resid_mid_edit(self, site: Site, edit: Edit) -> None:
        """resid_mid = resid_pre + attn.out; edit it by rewriting the attention output."""
        layer = site.layer
        assert layer is not None
        block = self.adapter.blocks()[layer]

        def capture(module: Any, args: tuple, kwargs: dict) -> None:
            self.resid_pre[layer] = args[0] if args else kwargs["hidden_states"]

        def rewrite(module: Any, args: tuple, output: Any) -> Any:
            attn_out = output[0] if isinstance(output, tuple) else output
            pre = self.resid_pre.pop(layer)
            mid = _apply(edit, pre + attn_out)
            new = mid - pre
            return (new, *output[1:]) if isinstance(output, tuple) else new

        self.handles.append(block.register_forward_pre_hook(capture, with_kwargs=True))
        self.handles.append(self.adapter.attn(layer).register_forward_hook(rewrite))

    def close(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()
        self.resid_pre.clear()


@contextmanager
def hooks(adapter: ModelAdapter, read: Iterable[str | Site] = (),
          edit: Mapping[str | Site, Edit] | None = None, *, reduce: Reduce | None = None,
          detach: bool = True, concat_dim: int | None = 1) -> Iterator[ActivationCache]:
    """Attach reads and edits at named sites for the duration of the block; always detached after.

    `reduce(site, tensor)` shrinks what is kept (e.g. pool to the last token); `detach=False`
    keeps reads in the autograd graph.
    """
    n = adapter.n_layers
    reads = {parse_site(s, n) for s in read}
    edits = {parse_site(s, n): fn for s, fn in (edit or {}).items()}
    for site, fn in edits.items():
        if not callable(fn):
            raise TypeError(f"the edit for {site.name!r} is not callable: {fn!r}")
    cache = ActivationCache(concat_dim)
    session = _Session(adapter, cache, reduce, detach)
    try:
        for site in sorted(reads | set(edits), key=_sort_key):
            session.add(site, edits.get(site), site in reads)
        yield cache
    finally:
        session.close()


__all__ = ["MODEL_POINTS", "ActivationCache", "Edit", "hooks"]
