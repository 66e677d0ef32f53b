"""TokFSM benchmark: the same TinyGPT trained with and without codebooks at the same budget.

    .venv/bin/python benchmarks/codebook_tokfsm.py [--config small|paper] [--steps N]
        [--variants base,kmeans_dead,...] [--out docs/results/codebook]

Prints a table and the accuracy-vs-budget curve; writes tokfsm.json, tokfsm.md and tokfsm.png.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

import torch

from affectlab.codebook.tokfsm import CONFIGS, train

VARIANTS: dict[str, dict[str, Any]] = {
    "no_codebooks": {"codebooks": False},
    "no_codebooks_lr3e-3": {"codebooks": False, "lr": 3e-3},
    "codebooks": {},
    "codebooks_kmeans_dead": {"kmeans_init": True, "dead_after": 20},
    "codebooks_mlp_only": {"head_codebooks": False},
    "codebooks_kmeans_dead_lr3e-3": {"kmeans_init": True, "dead_after": 20, "lr": 3e-3},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="small", choices=sorted(CONFIGS))
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--eval-every", type=int, default=None)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="variants trained in parallel")
    ap.add_argument("--out", default="docs/results/codebook")
    ap.add_argument("--name", default="tokfsm", help="stem of the written files")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    names = args.variants.split(",")
    jobs = [(name, args) for name in names]
    if args.jobs > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(args.jobs) as pool:
            results = pool.map(_run, jobs)
    else:
        results = [_run(j) for j in jobs]
    rows: dict[str, Any] = dict(zip(names, results, strict=True))
    _report(rows, args)


def _run(job: tuple[str, argparse.Namespace]) -> dict[str, Any]:
    name, args = job
    torch.set_num_threads(args.threads)
    kw = dict(VARIANTS[name])
    if args.steps:
        kw["steps"] = args.steps
    if args.eval_every:
        kw["eval_every"] = args.eval_every
    cfg = CONFIGS[args.config](**kw)
    print(f"== {name} start", flush=True)
    res = train(cfg, log=lambda p: print(f"  {name} step {p['step']:>6}  loss {p['loss']:.3f}  "
                                         f"acc {p['transition_accuracy']:.3f}", flush=True))
    m = res.metrics
    print(f"== {name} final acc {m['transition_accuracy']:.4f}  first "
          f"{m['first_transition_accuracy']:.4f}  ({res.seconds:.0f} s)", flush=True)
    return res.summary()


def _fmt(x: Any) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _report(rows: dict[str, Any], args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    date = subprocess.run(["date", "-u"], capture_output=True, text=True, check=False).stdout.strip()
    command = "python benchmarks/codebook_tokfsm.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None)
    meta = {"command": command, "machine": f"2 CPU cores ({platform.processor() or 'cpu'}), "
                                          f"torch {torch.__version__}, {args.threads} thread(s)",
            "date": date}
    (out / f"{args.name}.json").write_text(json.dumps({"meta": meta, "runs": rows}, indent=2,
                                                default=str))
    plain = [r for n, r in rows.items() if n.startswith("no_codebooks")]
    base = plain[0]["metrics"]["transition_accuracy"] if plain else None
    lines = ["# TokFSM: codebook features vs. the same model without codebooks", "",
             f"- command: `{command}`", f"- machine: {meta['machine']}", f"- date: {date}", "",
             ("| variant | steps | transition acc. | first transition | gap to no-codebook | "
              "best MLP purity | top preds moved to b | JSD drop (bits) | seconds |"),
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        m = r["metrics"]
        inter = m.get("intervention", {})
        jsd = "—" if not inter else f"{inter['jsd_drop']:.3f}"
        gap = (None if base is None or name.startswith("no_codebooks")
               else base - m["transition_accuracy"])
        lines.append(
            f"| {name} | {r['config']['steps']} | {_fmt(m['transition_accuracy'])} | "
            f"{_fmt(m['first_transition_accuracy'])} | "
            f"{'—' if gap is None else f'{100 * gap:.1f} pts'} | "
            f"{_fmt(m.get('best_mlp_purity'))} | {_fmt(inter.get('top_moved_to_b'))} | "
            f"{jsd} | {r['seconds']} |")
    lines += ["", "Accuracy against budget (transition accuracy of sampled rollouts):", "",
              "| step | " + " | ".join(rows) + " |", "|---" * (len(rows) + 1) + "|"]
    steps = sorted({p["step"] for r in rows.values() for p in r["curve"]})
    for s in steps:
        cells = []
        for r in rows.values():
            pt = next((p for p in r["curve"] if p["step"] == s), None)
            cells.append("—" if pt is None else _fmt(pt["transition_accuracy"]))
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    goals = ("Goals (issue): codebook model ≥ 95% transition accuracy and within 3 points of the "
             "model without codebooks; ≥ 50% pure codes at some MLP layer; interventions move "
             "≥ 70% of top predictions.")
    lines += ["", goals, ""]
    text = "\n".join(lines)
    (out / f"{args.name}.md").write_text(text)
    print(text)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        for name, r in rows.items():
            ax.plot([p["step"] for p in r["curve"]],
                    [p["transition_accuracy"] for p in r["curve"]], marker="o", label=name)
        ax.set_xlabel("training steps")
        ax.set_ylabel("transition accuracy")
        ax.set_title(f"TokFSM ({args.config})")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / f"{args.name}.png", dpi=120)
    except ImportError:
        print("matplotlib missing: no figure")


if __name__ == "__main__":
    main()
