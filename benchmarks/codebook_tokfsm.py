"""TokFSM benchmark: the same TinyGPT trained with and without codebooks at the same budget.

    .venv/bin/python benchmarks/codebook_tokfsm.py [--config small|paper] [--steps N]
        [--variants base,kmeans_dead,...] [--out docs/results/codebook] [--save-models DIR]

Prints a table and the accuracy-vs-budget curve; writes tokfsm.json, tokfsm.md and tokfsm.png.
`--save-models DIR` keeps each trained model in DIR/<variant>.

    .venv/bin/python benchmarks/codebook_tokfsm.py --interventions DIR[,DIR...] [--pairs 64]

runs the intervention variants (which codebook sites are patched, at which positions, with or
without the next state's digits) and code purity per site on saved models (`save_result`
directories) instead of training; writes tokfsm_interventions.json and .md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from _machine import machine

from affectlab.synthetic.tokfsm import (
    CONFIGS,
    PAPER_RECIPE,
    code_purity,
    intervention_success,
    load_result,
    resolve_sites,
    save_result,
    train,
    with_steps,
)

#: training recipes compared; each spells out every recipe setting (the configurations'
#: defaults are the tuned recipe), starting from the paper's
_P = PAPER_RECIPE
_KD = {**_P, "kmeans_init": True, "dead_after": 20}
VARIANTS: dict[str, dict[str, Any]] = {
    "no_codebooks": {**_P, "codebooks": False},
    "no_codebooks_lr3e-3": {**_P, "codebooks": False, "lr": 3e-3},
    "codebooks": dict(_P),
    "codebooks_kmeans_dead": _KD,
    "codebooks_mlp_only": {**_P, "head_codebooks": False},
    "codebooks_kmeans_dead_lr3e-3": {**_KD, "lr": 3e-3},
    "codebooks_kmeans_dead_lr3e-3_clip": {**_KD, "lr": 3e-3, "grad_clip": 1.0},
    "codebooks_kmeans_dead_lr3e-3_warm300": {**_KD, "lr": 3e-3, "quantize_after": 300},
    "codebooks_kmeans_dead_lr3e-3_warm300_clip": {**_KD, "lr": 3e-3, "quantize_after": 300,
                                                  "grad_clip": 1.0},
    "codebooks_kmeans_dead_lr3e-3_warm600": {**_KD, "lr": 3e-3, "quantize_after": 600},
    "codebooks_kmeans_dead_lr3e-3_warm600_clip": {**_KD, "lr": 3e-3, "quantize_after": 600,
                                                  "grad_clip": 1.0},
    "codebooks_kmeans_dead_cblr10": {**_KD, "codebook_lr_scale": 10.0},
    "codebooks_kmeans_dead_lr3e-3_cblr10": {**_KD, "lr": 3e-3, "codebook_lr_scale": 10.0},
    "codebooks_kmeans_dead_lr3e-3_warm300_cblr10": {**_KD, "lr": 3e-3, "quantize_after": 300,
                                                   "codebook_lr_scale": 10.0},
    "codebooks_kmeans_dead_warm300": {**_KD, "quantize_after": 300},
    #: the configuration's own (tuned) recipe
    "codebooks_tuned": {},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="small", choices=sorted(CONFIGS))
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--eval-every", type=int, default=None)
    ap.add_argument("--eval-rollouts", type=int, default=None,
                    help="rollouts per evaluation during training (default: the configuration's)")
    ap.add_argument("--final-rollouts", type=int, default=None,
                    help="rollouts of the final evaluation (default: the configuration's)")
    ap.add_argument("--seed", type=int, default=None, help="training seed (default: the "
                                                           "configuration's)")
    ap.add_argument("--seeds", default=None,
                    help="comma-separated training seeds: every variant once per seed "
                         "(rows <variant>/seed<S>, plus a table over seeds)")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="variants trained in parallel")
    ap.add_argument("--out", default="docs/results/codebook")
    ap.add_argument("--name", default=None,
                    help="stem of the written files (tokfsm, or tokfsm_interventions)")
    ap.add_argument("--save-models", default=None, help="keep trained models in DIR/<variant>")
    ap.add_argument("--interventions", default=None,
                    help="comma-separated saved model directories: run the intervention "
                         "variants on them instead of training")
    ap.add_argument("--pairs", type=int, default=64, help="context pairs per intervention")
    ap.add_argument("--ctx-states", type=int, default=8, help="states per intervention context")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.interventions:
        args.name = args.name or "tokfsm_interventions"
        _interventions(args)
        return
    args.name = args.name or "tokfsm"
    seeds = ([int(x) for x in args.seeds.split(",")] if args.seeds
             else [args.seed])
    jobs = [(name, seed, args) for name in args.variants.split(",") for seed in seeds]
    names = [name if args.seeds is None else f"{name}/seed{seed}" for name, seed, _ in jobs]
    if args.jobs > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(args.jobs) as pool:
            results = pool.map(_run, jobs)
    else:
        results = [_run(j) for j in jobs]
    rows: dict[str, Any] = dict(zip(names, results, strict=True))
    _report(rows, args)


def _run(job: tuple[str, int | None, argparse.Namespace]) -> dict[str, Any]:
    name, seed, args = job
    torch.set_num_threads(args.threads)
    kw = dict(VARIANTS[name])
    if args.eval_every:
        kw["eval_every"] = args.eval_every
    if args.eval_rollouts:
        kw["eval_rollouts"] = args.eval_rollouts
    if args.final_rollouts:
        kw["final_rollouts"] = args.final_rollouts
    if seed is not None:
        kw["seed"] = seed
    cfg = CONFIGS[args.config](**kw)
    if args.steps:  # the configuration's own codebook warm-up keeps its share of the budget
        cfg = (replace(cfg, steps=args.steps) if "quantize_after" in kw
               else with_steps(cfg, args.steps))
        if args.eval_every:
            cfg = replace(cfg, eval_every=args.eval_every)
    if seed is not None and args.seeds:
        name = f"{name}/seed{seed}"
    print(f"== {name} start", flush=True)
    res = train(cfg, log=lambda p: print(f"  {name} step {p['step']:>6}  loss {p['loss']:.3f}  "
                                         f"acc {p['transition_accuracy']:.3f}", flush=True))
    if args.save_models:
        save_result(res, str(Path(args.save_models) / name.replace("/", "_")))
    m = res.metrics
    print(f"== {name} final acc {m['transition_accuracy']:.4f}  first "
          f"{m['first_transition_accuracy']:.4f}  ({res.seconds:.0f} s)", flush=True)
    return res.summary()


def _fmt(x: Any) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _spread(values: list[Any]) -> str:
    vals = [v for v in values if v is not None]
    if not vals:
        return "—"
    return (f"{100 * sum(vals) / len(vals):.1f}% ({100 * min(vals):.1f}–"
            f"{100 * max(vals):.1f})")


def _report(rows: dict[str, Any], args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    date = subprocess.run(["date", "-u"], capture_output=True, text=True, check=False).stdout.strip()
    command = "python benchmarks/codebook_tokfsm.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None)
    mach = machine()
    meta = {"command": command, "machine": (f"{mach['cpu']} ({mach['cpu_count']} cores), torch "
                                            f"{mach['torch']}, {args.threads} thread(s) per run, "
                                            f"{args.jobs} run(s) at a time"),
            "date": date}
    (out / f"{args.name}.json").write_text(json.dumps({"meta": meta, "runs": rows}, indent=2,
                                                default=str))
    plain = {n.partition("/")[2]: r["metrics"]["transition_accuracy"]
             for n, r in rows.items() if n.startswith("no_codebooks")}
    lines = ["# TokFSM: codebook features vs. the same model without codebooks", "",
             f"- command: `{command}`", f"- machine: {meta['machine']}", f"- date: {date}", "",
             ("| variant | steps | transition acc. | first transition | gap to no-codebook | "
              "best MLP purity | top preds moved to b | JSD drop (bits) | moved, + next digits | "
              "seconds |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        m = r["metrics"]
        inter = m.get("intervention", {})
        jsd = "—" if not inter else f"{inter['jsd_drop']:.3f}"
        inter_next = m.get("intervention_next_digits", {})
        base = plain.get(name.partition("/")[2], next(iter(plain.values()), None))
        gap = (None if base is None or name.startswith("no_codebooks")
               else base - m["transition_accuracy"])
        lines.append(
            f"| {name} | {r['config']['steps']} | {_fmt(m['transition_accuracy'])} | "
            f"{_fmt(m['first_transition_accuracy'])} | "
            f"{'—' if gap is None else f'{100 * gap:.1f} pts'} | "
            f"{_fmt(m.get('best_mlp_purity'))} | {_fmt(inter.get('top_moved_to_b'))} | "
            f"{jsd} | {_fmt(inter_next.get('top_moved_to_b'))} | {r['seconds']} |")
    lines += ["", "Accuracy against budget (transition accuracy of sampled rollouts):", "",
              "| step | " + " | ".join(rows) + " |", "|---" * (len(rows) + 1) + "|"]
    steps = sorted({p["step"] for r in rows.values() for p in r["curve"]})
    for s in steps:
        cells = []
        for r in rows.values():
            pt = next((p for p in r["curve"] if p["step"] == s), None)
            cells.append("—" if pt is None else _fmt(pt["transition_accuracy"]))
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    if args.seeds:
        lines += ["", "Over seeds (mean, min–max):", "",
                  ("| variant | seeds | transition acc. | ≥ 95% | best MLP purity | "
                   "moved, + next digits |"), "|---|---|---|---|---|---|"]
        for variant in dict.fromkeys(n.partition("/")[0] for n in rows):
            ms = [r["metrics"] for n, r in rows.items() if n.partition("/")[0] == variant]
            lines.append(
                f"| {variant} | {len(ms)} | {_spread([m['transition_accuracy'] for m in ms])} | "
                f"{sum(m['transition_accuracy'] >= 0.95 for m in ms)}/{len(ms)} | "
                f"{_spread([m.get('best_mlp_purity') for m in ms])} | "
                f"{_spread([m.get('intervention_next_digits', {}).get('top_moved_to_b') for m in ms])} |")
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


def _interventions(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    date = subprocess.run(["date", "-u"], capture_output=True, text=True, check=False).stdout.strip()
    command = "python benchmarks/codebook_tokfsm.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
        if v is not None and k not in {"variants", "jobs", "steps", "eval_every", "config",
                                       "save_models", "seed"})
    meta = {"command": command, "machine": machine(), "date": date}
    models: dict[str, Any] = {}
    for directory in args.interventions.split(","):
        model, fsm, cfg = load_result(directory)
        grid = []
        for site_set in _site_sets(model, cfg.n_layers):
            for nxt in (False, True):
                for positions in ("last", "state", "all", "none")[:4 if nxt else 3]:
                    r = intervention_success(model, fsm, n_pairs=args.pairs,
                                             ctx_states=args.ctx_states, sites=site_set,
                                             positions=positions, next_digits=nxt)
                    grid.append({"site_set": site_set, **r})
                    print(f"{directory}: {site_set:>22} {positions:>5} next={nxt!s:5} moved "
                          f"{r['top_moved_to_b']:.3f} still a {r['top_still_a_after_patch']:.3f}"
                          f" jsd drop {r['jsd_drop']:.3f}", flush=True)
        models[directory] = {"config": model.extra.get("tokfsm"),
                             "metrics": {k: v for k, v in model.extra.get("metrics", {}).items()
                                         if k != "intervention"},
                             "purity": code_purity(model, fsm),
                             "purity_next_digit": code_purity(model, fsm, offset=1),
                             "interventions": grid}
    (out / f"{args.name}.json").write_text(json.dumps({"meta": meta, "models": models},
                                                      indent=2, default=str))
    mach = meta["machine"]
    lines = ["# TokFSM: which code patches move the next-state prediction", "",
             f"- command: `{command}`",
             (f"- machine: {mach['cpu']} ({mach['cpu_count']} cores), torch {mach['torch']}, "
             f"{mach['torch_threads']} thread(s)"), f"- date: {date}", "",
             ("moved: share of the top-E predicted next states (E = edges) of context a that are "
             "successors of b after the patch; still a: share still successors of a; "
             "b's own: the same share in b's own context (ceiling); next digits: the digits of "
             "the next state typed so far are patched too (codes from b's context followed by "
             "the same digits)."), ""]
    key_cols = [("mlp", "state", False), ("all", "state", False), ("mlp", "state", True),
                ("all", "state", True), ("layer0", "state", True), ("layer1", "state", True)]
    lines += [("Summary: share of top-E predictions moved to b's successors (patch at the last "
              "state's positions; + next: and at the next state's digits typed so far)."), "",
              "| model | seed | steps | transition acc. | " + " | ".join(
                  f"{s} codes{' + next' if n else ''}" for s, _, n in key_cols) +
              " | b's own context |", "|---" * (len(key_cols) + 5) + "|"]
    for directory, m in models.items():
        cfg, met, grid = m["config"] or {}, m["metrics"], m["interventions"]
        cells = []
        for site_set, pos, nxt in key_cols:
            r = next((r for r in grid if (r["site_set"], r["positions"], r["next_digits"])
                      == (site_set, pos, nxt)), None)
            cells.append("—" if r is None else _fmt(r["top_moved_to_b"]))
        lines.append(f"| {directory} | {cfg.get('seed')} | {cfg.get('steps')} | "
                     f"{_fmt(met.get('transition_accuracy'))} | " + " | ".join(cells) +
                     f" | {_fmt(grid[0]['top_b_in_b_context'])} |")
    lines.append("")
    for directory, m in models.items():
        cfg, met = m["config"] or {}, m["metrics"]
        lines += [f"## {directory}", "",
                  (f"{cfg.get('steps')} steps, lr {cfg.get('lr')}, k-means init "
                  f"{cfg.get('kmeans_init')}, dead after {cfg.get('dead_after')}; transition "
                  f"accuracy {_fmt(met.get('transition_accuracy'))}"), "",
                  ("Code purity per site (codes fired ≥ 2 times; label: the state), at the "
                   "state's last digit and at the next state's first digit:"), "",
                  ("| site | pure at last digit | codes counted | pure at next first digit | "
                  "codes counted |"), "|---|---|---|---|---|"]
        for site, pur in m["purity"].items():
            nxt = m["purity_next_digit"][site]
            lines.append(f"| {site} | {_fmt(pur['pure_share'])} | {pur['codes_counted']} | "
                         f"{_fmt(nxt['pure_share'])} | {nxt['codes_counted']} |")
        grid = m["interventions"]
        cols = [(r["positions"], r["next_digits"]) for r in grid
                if r["site_set"] == grid[0]["site_set"]]
        head = " | ".join(f"{p}{' + next' if n else ''}" for p, n in cols)
        pairs = grid[0]["pairs"]
        ceiling = sum(r["top_b_in_b_context"] for r in grid) / len(grid)
        for key, title in (("top_moved_to_b", ("moved to b (share of top-E predictions that "
                                              "are successors of b)")),
                           ("top_still_a_after_patch", ("still a (share of top-E predictions "
                                                       "still successors of a)")),
                           ("jsd_drop", "JSD drop (bits) to uniform over b's successors")):
            lines += ["", (f"{title}; {pairs} pairs; b's own context puts "
                          f"{_fmt(ceiling)} of its top-E on b's successors:"), "",
                      f"| sites | {head} |", "|---" * (len(cols) + 1) + "|"]
            for site_set in dict.fromkeys(r["site_set"] for r in grid):
                cells = [next(r for r in grid if r["site_set"] == site_set
                              and (r["positions"], r["next_digits"]) == c)[key] for c in cols]
                lines.append(f"| {site_set} | " + " | ".join(
                    f"{v:.3f}" if key == "jsd_drop" else _fmt(v) for v in cells) + " |")
        lines.append("")
    text = "\n".join(lines)
    (out / f"{args.name}.md").write_text(text)
    print(text)


def _site_sets(model: Any, n_layers: int) -> list[str]:
    """Intervention variants' sites (see `resolve_sites`): MLP codebooks, head codebooks, all,
    each layer, each site."""
    sets = ["mlp", "attn", "all", *(f"layer{i}" for i in range(n_layers)), *model.codebooks()]
    out, seen = [], []
    for s in sets:
        try:
            names = resolve_sites(model, s)
        except ValueError:
            continue
        if sorted(names) not in seen:  # e.g. "layer0" is "all" in a one-layer model
            seen.append(sorted(names))
            out.append(s)
    return out


if __name__ == "__main__":
    main()
