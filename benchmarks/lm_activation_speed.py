"""LM activation speed: `affectlab.lm.activations.extract` against a plain Hugging Face forward pass.

All sides run in one process, on the default language model (`affectlab.lm.model.load()`:
SmolLM2-135M-Instruct, 30 blocks, d_model 576, float32, CPU), the same texts (the first 512 of the
GoEmotions test split after a shuffle with seed 0; `examples/posts.csv` repeated when the corpus
is absent), the same batches and the same torch thread count. Each side reads the residual stream
at all n_layers + 1 depths (embeddings, then every block's output) at the last non-pad token:

- affectlab: `extract(lm, texts, cache=False, progress=False, batch_size=B)`, the user-facing
  call: hooks on `embed` and every `blocks.{i}.resid_post` that keep only the last token inside
  the hook, length-bucketed batches, the (texts, layers, d) array;
- baseline: the same base model (`lm.adapter.base_model()`: no LM head, as extract skips it too)
  called with `output_hidden_states=True`, `use_cache=False` under `torch.inference_mode()`, on the
  SAME batches (this script replays extract's bucketing: texts sorted by token length within
  extract's shards, at most B texts and extract's `max_tokens` padded tokens per batch, right
  padding through `lm.encode`), then the last non-pad token of every hidden state, into the same
  array. Its time includes the token-length pass, the encoding and the copy to numpy, as
  affectlab's does. The ratio affectlab / baseline is the overhead of the hooks (goal <= 1.15);
- naive: one forward pass per depth (n_layers + 1 passes per batch), each reading only that depth
  through `lm.hooks(read=[site])` with the same last-token pooling, on the same bucketing of the
  first `--naive-texts` texts (64 by default, as it is ~31x slower). Each batch is tokenised once
  and reused by its passes, which favours this side a little. Compared per token.

Hugging Face's last hidden state is taken after the final norm, affectlab's last site is the raw
output of the last block (`blocks.29.resid_post`); the norm of one (B, T, 576) tensor does not
change the cost materially. In transformers 5, `output_hidden_states` is itself collected by
forward hooks on the decoder layers, installed on the first call that asks for it and inactive
otherwise; the baseline warms up first, so every timed pass of every side runs on the same
modules.

Each side gets one warm-up pass on a few texts, then `--repeats` timed passes (interleaved, best
kept). The script also measures this machine's float32 matmul rate on matrices shaped like the
model's MLP ((1024, 576) x (576, 1536) and back), estimates each side's FLOPs as
2 x (non-embedding parameters) x real tokens (x passes for the naive side; no attention terms,
no padding), and reports the fraction of the matmul rate reached; a second figure for affectlab
counts padded tokens and attention scores and values (4 x width x d_attn per token per layer).

Correctness: affectlab's values equal the baseline's hidden states at the last token for depths
0..n_layers-1 (tolerance 1e-4); the last depth differs by the final norm, so it is compared as
`norm(affectlab's last site)` against the baseline's last hidden state. The naive side's values
are compared with those of an untimed extract run on the same subset (same batches: across
different batches the widths differ and float32 rounding reaches ~2e-4 on values of ~800), and
the baseline's batch shapes with the ones extract runs (recorded by a pre-hook in an untimed
extra extract pass over all texts).

Run (from the repository root):

    .venv/bin/python benchmarks/lm_activation_speed.py
    .venv/bin/python benchmarks/lm_activation_speed.py --threads 2 --json /tmp/lm_speed.json
    .venv/bin/python benchmarks/lm_activation_speed.py --texts 64 --naive-texts 16 --repeats 1

Numbers that are kept go to docs/RESULTS.md with the machine, the date and the command.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _inputs
import _machine
import numpy as np

CHECK_TOLERANCE = 1e-4
MATMUL_ROWS = 1024  # B x T of a typical batch


# --- inputs -------------------------------------------------------------------------------------

def extract_defaults() -> dict[str, int]:
    """extract's own `max_tokens` and `shard_size`, which shape its batches."""
    from affectlab.lm.model.activations import extract

    params = inspect.signature(extract).parameters
    return {"max_tokens": int(params["max_tokens"].default),
            "shard_size": int(params["shard_size"].default)}


# --- the sides ----------------------------------------------------------------------------------

@dataclass
class Run:
    """What one pass over the texts gives back: values (texts, depths, d) and batch shapes."""

    values: np.ndarray
    shapes: list[tuple[int, int]]
    real_tokens: int


def plan_batches(lm: Any, texts: Sequence[str], chat: bool, batch_size: int, max_tokens: int,
                 shard_size: int) -> list[np.ndarray]:
    """extract's batches, replayed with its own bucketing, shard by shard (indices into `texts`)."""
    from affectlab.lm.model.activations import length_buckets

    batches = []
    for offset in range(0, len(texts), shard_size):
        chunk = list(texts[offset:offset + shard_size])
        batches += [idx + offset for idx in length_buckets(lm, chunk, chat=chat,
                                                           batch_size=batch_size,
                                                           max_tokens=max_tokens)]
    return batches


def last_token(mask: Any) -> Callable[[str, Any], Any]:
    """A hook `reduce`: the row of the last non-pad token of each text, float32, on the CPU."""
    import torch

    last = (mask.sum(dim=1) - 1).clamp(min=0)
    rows = torch.arange(mask.shape[0])
    return lambda site, x: x[rows, last].float().cpu()


def run_affectlab(lm: Any, texts: list[str], chat: bool, batch_size: int) -> Run:
    from affectlab.lm.model.activations import extract

    acts = extract(lm, texts, chat=chat, batch_size=batch_size, cache=False, progress=False)
    assert acts.n_tokens is not None
    return Run(acts.values, [], int(acts.n_tokens.sum()))


def run_baseline(lm: Any, texts: list[str], chat: bool, batch_size: int,
                 limits: dict[str, int]) -> Run:
    import torch

    base = lm.adapter.base_model()
    values = np.zeros((len(texts), lm.n_layers + 1, lm.d_model), dtype=np.float32)
    shapes, real = [], 0
    for idx in plan_batches(lm, texts, chat, batch_size, **limits):
        batch = lm.encode([texts[i] for i in idx], chat=chat)
        mask = batch["attention_mask"]
        last = (mask.sum(dim=1) - 1).clamp(min=0)
        rows = torch.arange(len(idx))
        with torch.inference_mode():
            out = base(input_ids=batch["input_ids"], attention_mask=mask, use_cache=False,
                       output_hidden_states=True)
            pooled = torch.stack([h[rows, last] for h in out.hidden_states], dim=1)
        values[idx] = pooled.float().cpu().numpy()
        shapes.append(tuple(batch["input_ids"].shape))
        real += int(mask.sum())
    return Run(values, shapes, real)


def run_naive(lm: Any, texts: list[str], chat: bool, batch_size: int,
              limits: dict[str, int]) -> Run:
    import torch

    from affectlab.lm.model.activations import residual_sites

    base = lm.adapter.base_model()
    sites = residual_sites(lm.n_layers)
    values = np.zeros((len(texts), len(sites), lm.d_model), dtype=np.float32)
    shapes, real = [], 0
    for idx in plan_batches(lm, texts, chat, batch_size, **limits):
        batch = lm.encode([texts[i] for i in idx], chat=chat)
        mask = batch["attention_mask"]
        reduce = last_token(mask)
        for k, site in enumerate(sites):
            with lm.hooks(read=[site], reduce=reduce) as cache, torch.inference_mode():
                base(input_ids=batch["input_ids"], attention_mask=mask, use_cache=False)
            values[idx, k] = cache[site].numpy()
        shapes.append(tuple(batch["input_ids"].shape))
        real += int(mask.sum())
    return Run(values, shapes, real)


# --- timing -------------------------------------------------------------------------------------

@dataclass
class Side:
    """One side's timings over its texts, and the output of its last timed pass."""

    name: str
    n_texts: int
    passes: int  # forward passes per batch
    seconds: list[float] = field(default_factory=list)
    last: Run | None = None

    @property
    def best(self) -> float:
        return min(self.seconds)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds and result of one call (garbage collected first)."""
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run_sides(sides: dict[str, tuple[Callable[[list[str]], Run], list[str], int, int]],
              repeats: int) -> dict[str, Side]:
    """Warm each side up on its first few texts (sides: run, texts, passes, warm-up texts), then
    time every side `repeats` times, interleaved."""
    for run, texts, _, warmup in sides.values():
        run(texts[:warmup])
    out = {name: Side(name, len(texts), passes) for name, (_, texts, passes, _) in sides.items()}
    for _ in range(repeats):
        for name, (run, texts, _, _) in sides.items():
            seconds, result = timed(lambda run=run, texts=texts: run(texts))
            out[name].seconds.append(seconds)
            out[name].last = result
    return out


# --- work and machine rate ----------------------------------------------------------------------

def non_embedding_params(base: Any) -> int:
    """Parameters of the base model outside its token (and position) embeddings."""
    return sum(p.numel() for name, p in base.named_parameters()
               if "embed" not in name and not name.startswith(("wte.", "wpe.")))


def computed_flops(shapes: Sequence[tuple[int, int]], params: int, attn_per_layer: int) -> float:
    """Padded tokens x (2 x params + attention scores and values: 4 x width x d_attn x layers)."""
    return float(sum(rows * width * (2.0 * params + attn_per_layer * width)
                     for rows, width in shapes))


# --- correctness --------------------------------------------------------------------------------

def extract_with_shapes(lm: Any, texts: list[str], chat: bool,
                        batch_size: int) -> tuple[Run, list[tuple[int, int]]]:
    """One untimed extract pass, recording the (rows, width) of every forward call it makes."""
    base = lm.adapter.base_model()
    shapes: list[tuple[int, int]] = []

    def record(module: Any, args: tuple, kwargs: dict) -> None:
        ids = kwargs["input_ids"] if "input_ids" in kwargs else args[0]
        shapes.append(tuple(ids.shape))

    handle = base.register_forward_pre_hook(record, with_kwargs=True)
    try:
        run = run_affectlab(lm, texts, chat, batch_size)
    finally:
        handle.remove()
    return run, shapes


def check(lm: Any, ours: Run, ours_shapes: list[tuple[int, int]], baseline: Run, naive: Run,
          ours_subset: Run) -> dict[str, Any]:
    """Max abs differences: affectlab vs baseline (depths 0..n-1, and the last after the final
    norm), naive vs affectlab on the naive subset (`ours_subset`: extract run on those texts
    alone, so that both see the same batches); and whether the batch shapes agree."""
    import torch

    n = lm.n_layers
    a, b = ours.values, baseline.values
    with torch.inference_mode():
        normed = lm.adapter.final_norm()(torch.from_numpy(a[:, n].copy())).float().numpy()
    per_depth = np.abs(a[:, :n] - b[:, :n]).max(axis=(0, 2))
    return {
        "affectlab_vs_baseline_depths_0_to_n_minus_1": float(per_depth.max()),
        "worst_depth": int(per_depth.argmax()),
        "affectlab_last_after_final_norm_vs_baseline_last": float(np.abs(normed - b[:, n]).max()),
        "affectlab_last_raw_vs_baseline_last_unchecked": float(np.abs(a[:, n] - b[:, n]).max()),
        "naive_vs_affectlab_all_depths": float(np.abs(naive.values - ours_subset.values).max()),
        "batches_same_as_extract": ours_shapes == baseline.shapes,
        "real_tokens_same": ours.real_tokens == baseline.real_tokens,
    }


def check_passed(checks: dict[str, Any]) -> bool:
    return (checks["affectlab_vs_baseline_depths_0_to_n_minus_1"] < CHECK_TOLERANCE
            and checks["affectlab_last_after_final_norm_vs_baseline_last"] < CHECK_TOLERANCE
            and checks["naive_vs_affectlab_all_depths"] < CHECK_TOLERANCE
            and checks["batches_same_as_extract"] and checks["real_tokens_same"])


# --- report -------------------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--texts", type=int, default=512, help="how many texts (default 512)")
    p.add_argument("--naive-texts", type=int, default=64,
                   help="texts of the one-pass-per-layer side, the first of --texts (64)")
    p.add_argument("--batch-size", type=int, default=32, help="batch size of every side (32)")
    p.add_argument("--repeats", type=int, default=3, help="timed passes per side, best kept (3)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch intra-op threads (default: torch's own choice)")
    p.add_argument("--chat", action="store_true",
                   help="read the texts as user turns in the chat template")
    p.add_argument("--json", dest="json_out", default=None, help="also write the results here")
    args = p.parse_args(argv)
    for name in ("texts", "naive_texts", "batch_size", "repeats"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.threads is not None and args.threads < 1:
        p.error("--threads must be at least 1")
    args.naive_texts = min(args.naive_texts, args.texts)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import torch
    from rich.console import Console
    from rich.table import Table

    from affectlab.lm.model.language_model import load

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    # 120 columns when not a terminal (a log file), so that the table is not squeezed to 80
    console = Console(emoji=False, highlight=False, soft_wrap=True,
                      width=None if sys.stdout.isatty() else 120)
    texts, source = _inputs.load_texts(args.texts)
    lm = load()
    limits = extract_defaults()
    info = _machine.machine_today()
    B, chat = args.batch_size, args.chat
    console.print(f"texts: {len(texts):,} ({source}); naive side: the first {args.naive_texts:,}"
                  f"; {'chat template' if chat else 'raw text'}")
    console.print(f"model: {lm.name}, {lm.n_layers} blocks, d_model {lm.d_model}, "
                  f"{next(lm.model.parameters()).dtype}, max_length {lm.max_length}; batch size "
                  f"{B}, extract's max_tokens {limits['max_tokens']}, shard_size "
                  f"{limits['shard_size']}")
    console.print(f"machine: {info['cpu']}, {info['cpu_count']} CPUs; torch threads "
                  f"{info['torch_threads']} ({'set by --threads' if args.threads else 'torch default'}"
                  f"), interop {info['torch_interop_threads']}; python {info['python']}, torch "
                  f"{info['torch']}, transformers {info['transformers']}, affectlab "
                  f"{info['affectlab']}")

    naive_texts = texts[:args.naive_texts]
    warm = min(len(texts), B)  # one batch; the naive side's is smaller, as it runs 31 passes
    sides = run_sides({
        "baseline": (lambda t: run_baseline(lm, t, chat, B, limits), texts, 1, warm),
        "affectlab": (lambda t: run_affectlab(lm, t, chat, B), texts, 1, warm),
        "naive": (lambda t: run_naive(lm, t, chat, B, limits), naive_texts, lm.n_layers + 1,
                  min(warm, 4)),
    }, repeats=args.repeats)
    assert all(s.last is not None for s in sides.values())
    ours, ours_shapes = extract_with_shapes(lm, texts, chat, B)
    baseline, naive = sides["baseline"].last, sides["naive"].last
    assert baseline is not None and naive is not None
    ours_subset = run_affectlab(lm, naive_texts, chat, B)
    checks = check(lm, ours, ours_shapes, baseline, naive, ours_subset)
    passed = check_passed(checks)

    base = lm.adapter.base_model()
    params = non_embedding_params(base)
    attn_per_layer = 4 * lm.n_heads * lm.d_head * lm.n_layers
    mm = _machine.matmul_rate(MATMUL_ROWS, lm.d_model, lm.d_mlp, repeats=args.repeats)
    work = {"baseline": (baseline.real_tokens, baseline.shapes),
            "affectlab": (ours.real_tokens, ours_shapes),
            "naive": (naive.real_tokens, naive.shapes)}
    per_token = {k: s.best / work[k][0] for k, s in sides.items()}
    rows: dict[str, dict[str, Any]] = {}
    for name, side in sides.items():
        real, shapes = work[name]
        padded = sum(r * w for r, w in shapes)
        flops = 2.0 * params * real * side.passes
        rows[name] = {
            "texts": side.n_texts, "real_tokens": real, "padded_tokens": padded,
            "passes_per_batch": side.passes, "best_seconds": side.best, "seconds": side.seconds,
            "tokens_per_s": real / side.best,
            "time_per_token_vs_baseline": per_token[name] / per_token["baseline"],
            "time_per_token_vs_affectlab": per_token[name] / per_token["affectlab"],
            "gflop": flops / 1e9, "gflops": flops / side.best / 1e9,
            "matmul_fraction": flops / side.best / 1e9 / mm,
        }

    table = Table(title=f"all {lm.n_layers + 1} depths at the last token, batch size {B}, "
                        f"best of {args.repeats}")
    cols = ("side", "texts", "real tokens", "padded", "passes", "seconds", "tokens/s",
            "s/token vs baseline", "GFLOP/s", "of matmul")
    for col in cols:
        table.add_column(col, justify="left" if col == "side" else "right")
    labels = {"baseline": "baseline (output_hidden_states)", "affectlab": "affectlab (extract)",
              "naive": "naive (a pass per depth)"}
    for name, r in rows.items():
        table.add_row(labels[name], f"{r['texts']:,}", f"{r['real_tokens']:,}",
                      f"{r['padded_tokens']:,}", f"{r['passes_per_batch']}",
                      f"{r['best_seconds']:.2f}", f"{r['tokens_per_s']:,.0f}",
                      f"{r['time_per_token_vs_baseline']:.2f}x", f"{r['gflops']:,.1f}",
                      f"{r['matmul_fraction']:.1%}")
    console.print(table)
    console.print("all timed passes (s): " + "; ".join(
        f"{k} " + ", ".join(f"{s:.2f}" for s in v.seconds) for k, v in sides.items()))
    console.print(f"matmul rate: {mm:,.1f} GFLOP/s (float32, ({MATMUL_ROWS}, {lm.d_model}) x "
                  f"({lm.d_model}, {lm.d_mlp}) and back, best of {args.repeats} windows of ~1 s)")
    ours_computed = computed_flops(ours_shapes, params, attn_per_layer)
    a_rate = ours_computed / sides["affectlab"].best / 1e9
    console.print(f"FLOPs: 2 x {params / 1e6:,.1f} M non-embedding parameters x real tokens "
                  f"(x {lm.n_layers + 1} passes for naive), no attention terms; affectlab "
                  f"counting padding and attention: {ours_computed / 1e9:,.1f} GFLOP -> "
                  f"{a_rate:,.1f} GFLOP/s = {a_rate / mm:.1%} of the matmul rate")
    verdict = "[green]pass[/]" if passed else "[red]FAIL[/]"
    console.print(f"check (max abs diff, tolerance {CHECK_TOLERANCE:g}): " + ", ".join(
        f"{k} {v:.1e}" if isinstance(v, float) else f"{k} {v}" for k, v in checks.items())
        + f" -> {verdict}")
    overhead = rows["affectlab"]["time_per_token_vs_baseline"]
    console.print(f"overhead affectlab / baseline: {overhead:.3f}x (goal <= 1.15: "
                  f"{'reached' if overhead <= 1.15 else 'not reached'}); naive / affectlab per "
                  f"token: {rows['naive']['time_per_token_vs_affectlab']:.1f}x")

    if args.json_out:
        result = {
            "machine": info, "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "model": lm.name, "n_layers": lm.n_layers, "d_model": lm.d_model,
            "texts": len(texts), "naive_texts": len(naive_texts), "text_source": source,
            "chat": chat, "batch_size": B, "repeats": args.repeats, "extract_limits": limits,
            "sides": rows, "overhead": overhead, "overhead_goal": 1.15,
            "naive_vs_affectlab_per_token": rows["naive"]["time_per_token_vs_affectlab"],
            "non_embedding_params": params,
            "affectlab_computed_gflop": ours_computed / 1e9,
            "affectlab_computed_gflops": a_rate,
            "matmul": {"gflops": mm, "shape": [MATMUL_ROWS, lm.d_model, lm.d_mlp]},
            "check": {"max_abs_diff": checks, "tolerance": CHECK_TOLERANCE, "passed": passed},
        }
        out = Path(args.json_out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {out}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
