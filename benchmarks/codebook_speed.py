"""Codebook code choice: one matrix product against unit-norm codes and an argmax (k = 1),
against the direct formula (similarities divided by the code norms afterwards, then top-k), in
the same process, at the paper's TokFSM sizes (one training batch of 64 x 127 tokens; 1,000 codes
after each MLP (width 128) and per head (4 x 32)).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/codebook_speed.py [--repeats 20] [--json F]

Prints a table of milliseconds per call and the ratio; both paths must choose the same codes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from _machine import machine

from affectlab.codebook import CodebookLayer, GroupedCodebookLayer


def direct_ids(layer: torch.nn.Module, h: torch.Tensor) -> torch.Tensor:
    """The formula as written: (h · c) / ||c|| for every code, then top-k."""
    c = layer.codebook
    s = torch.einsum("...gd,gkd->...gk", h, c) / c.norm(dim=-1).clamp(min=1e-8)
    return s.topk(layer.k, dim=-1).indices


def best_ms(fn, repeats: int) -> float:
    for _ in range(2):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--tokens", type=int, default=64 * 127)
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = ap.parse_args()
    torch.manual_seed(0)
    cases = {"MLP site (1 x 1000 codes, width 128)": CodebookLayer(128, 1000),
             "heads (4 x 1000 codes, width 32)": GroupedCodebookLayer(4, 32, 1000)}
    rows = []
    with torch.no_grad():
        for name, layer in cases.items():
            h = layer.normalise(torch.randn(args.tokens, layer.n_groups, layer.dim))
            fast = layer._topk(h)
            slow = direct_ids(layer, h)
            agree = float((fast == slow).float().mean())
            t_fast = best_ms(lambda layer=layer, h=h: layer._topk(h), args.repeats)
            t_slow = best_ms(lambda layer=layer, h=h: direct_ids(layer, h), args.repeats)
            rows.append({"case": name, "direct_ms": t_slow, "affectlab_ms": t_fast,
                         "speed_up": t_slow / t_fast, "same_codes": agree})
    info = machine()
    print(f"{info['cpu']}, torch {info['torch']}, {info['torch_threads']} thread(s), "
          f"{args.tokens} tokens")
    print("| case | direct (ms) | affectlab (ms) | speed-up | same codes |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['direct_ms']:.1f} | {r['affectlab_ms']:.1f} | "
              f"{r['speed_up']:.2f}x | {100 * r['same_codes']:.2f}% |")
    if args.json:
        from affectlab.files import write_json

        write_json({"machine": info, "tokens": args.tokens, "rows": rows}, Path(args.json))


if __name__ == "__main__":
    main()
