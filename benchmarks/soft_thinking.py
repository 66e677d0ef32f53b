"""Soft Thinking against chain-of-thought: a task where thinking matters, SmolLM2, and speed.

1. Addition with written carries (`affectlab.synthetic.addition`): a tiny Llama trained here
   (cached under --cache), then on held-out problems: greedy chain-of-thought, sampled
   chain-of-thought (3 seeds), soft thinking with the paper's defaults (Cold Stop on, L = 256),
   without Cold Stop, with a short Cold Stop (L = 4) that can fire inside this short
   scratchpad, and with top-n = 1 (must equal greedy). Accuracy, thinking and total tokens,
   how thinking ended.
2. SmolLM2-135M-Instruct on two-digit additions: no thinking (greedy), chain-of-thought and soft
   thinking with a small thinking budget.
3. Speed on SmolLM2: tokens/s of soft and discrete thinking through the same loop, and of
   Hugging Face greedy `generate`, in this one process.

Run (from the repository root):

    .venv/bin/python benchmarks/soft_thinking.py [--quick] [--skip-smollm2]

Writes docs/results/soft_thinking/soft_thinking.{json,md,png}.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import torch
from _machine import machine

from affectlab.core.files import write_json, write_text
from affectlab.core.plots import pyplot, save_figure
from affectlab.lm.decoding.soft_thinking import SoftThinkingConfig, think_and_answer
from affectlab.synthetic import addition as at

OUT = Path("docs/results/soft_thinking")


def run_condition(model, tok, items, cfg, mode, *, sample=False, seeds=(None,), digits=3):
    rows = []
    for seed in seeds:
        for i, (a, b) in enumerate(items):
            r = think_and_answer(model, tok, tok.encode(at.prompt(a, b, digits)), cfg, mode=mode,
                                 think_do_sample=sample,
                                 seed=None if seed is None else seed * 10_000 + i)
            rows.append((at.parse_answer(r.answer) == a + b, r))
    return summarise(rows)


def summarise(rows):
    rs = [r for _, r in rows]
    reasons = {}
    for r in rs:
        reasons[r.stop_reason] = reasons.get(r.stop_reason, 0) + 1
    return {"n": len(rows), "accuracy": round(sum(ok for ok, _ in rows) / len(rows), 4),
            "think_tokens": round(statistics.mean(r.think_tokens for r in rs), 2),
            "total_tokens": round(statistics.mean(r.total_tokens for r in rs), 2),
            "stop_reasons": {k: round(v / len(rs), 3) for k, v in sorted(reasons.items())},
            "seconds": round(sum(r.seconds for r in rs), 2)}


def addition(args):
    return {f"{steps} steps": addition_at(args, steps) for steps in args.steps}


def addition_at(args, steps):
    digits = 3
    test = at.problems(args.n_test, digits, seed=12345)
    folder = Path(args.cache) / f"addition-{digits}d-{steps}steps"
    t0 = time.perf_counter()
    if (folder / "affectlab.json").exists() or (folder / "spec.json").exists():
        model, tok, _spec = at.load(folder)
        train_info = {"loaded_from": str(folder)}
    else:
        model, tok, losses = at.train(at.ModelSpec(digits=digits), steps=steps,
                                      exclude=set(test))
        at.save(model, at.ModelSpec(digits=digits), folder)
        train_info = {"steps": steps, "final_loss": round(statistics.mean(losses[-50:]), 4),
                      "seconds": round(time.perf_counter() - t0, 1)}
    base = {"think_end": at.END_THINK, "max_think_tokens": 3 * digits + 6,
            "max_answer_tokens": digits + 3}
    conds = {
        "greedy chain-of-thought": (SoftThinkingConfig(**base), "discrete", False, (None,)),
        "sampled chain-of-thought (T 0.6, top-p 0.95, top-k 30; 3 seeds)":
            (SoftThinkingConfig(**base), "discrete", True, (1, 2, 3)),
        "soft thinking (paper defaults, Cold Stop L 256)":
            (SoftThinkingConfig(**base), "soft", False, (None,)),
        "soft thinking, no Cold Stop":
            (SoftThinkingConfig(cold_stop=False, **base), "soft", False, (None,)),
        "soft thinking, Cold Stop L 4":
            (SoftThinkingConfig(cold_stop_steps=4, **base), "soft", False, (None,)),
        "soft thinking, top-n 1 (= greedy)":
            (SoftThinkingConfig(top_n=1, **base), "soft", False, (None,)),
        "soft thinking, Dirichlet noise (alpha 1; 3 seeds)":
            (SoftThinkingConfig(noise="dirichlet", **base), "soft", False, (1, 2, 3)),
    }
    results = {}
    for name, (cfg, mode, sample, seeds) in conds.items():
        results[name] = run_condition(model, tok, test, cfg, mode, sample=sample, seeds=seeds,
                                      digits=digits)
        r = results[name]
        print(f"[{steps} steps] {name:70s} acc {r['accuracy']:.3f}  think {r['think_tokens']:5.1f}  "
              f"total {r['total_tokens']:5.1f}  {r['stop_reasons']}", flush=True)
    return {"digits": digits, "n_test": len(test), "training": train_info,
            "conditions": results}


def smollm2(args):
    from affectlab import lm

    m = lm.load()
    rng = random.Random(7)
    items = [(rng.randrange(10, 100), rng.randrange(10, 100)) for _ in range(args.n_smol)]
    prompts = [f"What is {a} + {b}? Think it through, then give the number." for a, b in items]
    budget = {"max_think_tokens": args.smol_think, "max_answer_tokens": 16}
    out = {}

    def score(texts):
        hits = []
        for (a, b), text in zip(items, texts, strict=True):
            nums = [int(x) for x in "".join(c if c.isdigit() else " " for c in text).split()]
            hits.append(bool(nums) and nums[-1] == a + b)
        return round(sum(hits) / len(hits), 4)

    t = time.perf_counter()
    plain = lm.generate(m, prompts, mode="greedy", max_new_tokens=24)
    out["greedy, no thinking (24 tokens)"] = {
        "accuracy": score(plain), "seconds": round(time.perf_counter() - t, 1)}
    for mode in ("cot", "soft"):
        t = time.perf_counter()
        res = lm.generate(m, prompts, mode=mode, soft=SoftThinkingConfig(**budget), details=True)
        reasons = {}
        for r in res:
            reasons[r.stop_reason] = reasons.get(r.stop_reason, 0) + 1
        out[f"{'chain-of-thought' if mode == 'cot' else 'soft thinking'} "
            f"({args.smol_think} think tokens)"] = {
            "accuracy": score([r.answer if r.answer.strip() else r.thinking for r in res]),
            "think_tokens": round(statistics.mean(r.think_tokens for r in res), 2),
            "total_tokens": round(statistics.mean(r.total_tokens for r in res), 2),
            "stop_reasons": {k: round(v / len(res), 3) for k, v in sorted(reasons.items())},
            "seconds": round(time.perf_counter() - t, 1)}
    for k, v in out.items():
        print(f"SmolLM2 {k:45s} {v}", flush=True)
    return {"n": len(items), "conditions": out}


def speed(args):
    from affectlab import lm

    m = lm.load()
    ids = m.encode(["Tell me about your week."], chat=True, prefill="<think>\n")["input_ids"][0]
    ids = ids.tolist()
    n = args.speed_tokens
    cfg = SoftThinkingConfig(cold_stop=False, max_think_tokens=n, max_answer_tokens=1,
                             think_end="\u2063never\u2063")
    rows = {}
    for name, mode in (("soft thinking loop", "soft"), ("discrete thinking loop", "discrete")):
        runs = []
        for _ in range(args.speed_repeats):
            r = think_and_answer(m.model, m.tokenizer, ids, cfg, mode=mode)
            runs.append((r.think_tokens + r.answer_tokens) / r.seconds)
        rows[name] = round(statistics.median(runs), 2)
    runs = []
    for _ in range(args.speed_repeats):
        t = time.perf_counter()
        with torch.inference_mode():
            out = m.model.generate(torch.tensor([ids]), max_new_tokens=n, min_new_tokens=n,
                                   do_sample=False, pad_token_id=m.tokenizer.pad_token_id)
        runs.append((out.shape[1] - len(ids)) / (time.perf_counter() - t))
    rows["Hugging Face generate, greedy"] = round(statistics.median(runs), 2)
    ref = rows["Hugging Face generate, greedy"]
    for k, v in rows.items():
        print(f"speed {k:35s} {v:7.2f} tok/s  ratio to HF greedy {v / ref:.2f}", flush=True)
    return {"tokens": n, "repeats": args.speed_repeats, "tokens_per_second": rows,
            "ratio_to_hf_greedy": {k: round(v / ref, 3) for k, v in rows.items()}}


def plot(info, path):
    plt = pyplot()
    budgets = info["addition"]
    fig, axes = plt.subplots(1, len(budgets), figsize=(6.5 * len(budgets), 4.8), squeeze=False)
    for ax, (budget, res) in zip(axes[0], budgets.items(), strict=True):
        for name, r in res["conditions"].items():
            ax.scatter(r["total_tokens"], r["accuracy"], s=60)
            ax.annotate(name.split(" (")[0].split(",")[-1].strip(),
                        (r["total_tokens"], r["accuracy"]), fontsize=7, xytext=(4, 4),
                        textcoords="offset points")
        ax.set_xlabel("mean tokens per problem (thinking + answer)")
        ax.set_ylabel("exact-answer accuracy")
        ax.set_title(f"3-digit addition, model trained {budget}, "
                     f"{res['n_test']} held-out problems", fontsize=9)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path, dpi=130)


def markdown(info):
    lines = [(f"Command: `{info['command']}`; {info['machine']['cpu']}, "
             f"{info['machine']['cpu_count']} cores, torch threads "
             f"{info['machine']['torch_threads']}; {info['date']}.")]
    for budget, res in info["addition"].items():
        lines += ["", (f"Addition ({res['digits']} digits, {res['n_test']} held-out problems; "
                  f"model trained {budget}: {res['training']}):"), "",
                  "| condition | accuracy | thinking tokens | total tokens | thinking ended by |",
                  "|---|---|---|---|---|"]
        for name, r in res["conditions"].items():
            reasons = ", ".join(f"{k} {v:.0%}" for k, v in r["stop_reasons"].items())
            lines.append(f"| {name} | {r['accuracy']:.3f} | {r['think_tokens']:.1f} | "
                         f"{r['total_tokens']:.1f} | {reasons} |")
    if "smollm2" in info:
        lines += ["", f"SmolLM2-135M-Instruct, {info['smollm2']['n']} two-digit additions:", "",
                  "| condition | accuracy | thinking tokens | total tokens | thinking ended by |",
                  "|---|---|---|---|---|"]
        for name, r in info["smollm2"]["conditions"].items():
            reasons = ", ".join(f"{k} {v:.0%}" for k, v in r.get("stop_reasons", {}).items())
            lines.append(f"| {name} | {r['accuracy']:.3f} | {r.get('think_tokens', '')} | "
                         f"{r.get('total_tokens', '')} | {reasons} |")
        sp = info["speed"]
        lines += ["", (f"Speed on SmolLM2-135M-Instruct, batch 1, {sp['tokens']} tokens, median "
                  f"of {sp['repeats']}:"), "", "| decoder | tokens/s | ratio to HF greedy |",
                  "|---|---|---|"]
        for k, v in sp["tokens_per_second"].items():
            lines.append(f"| {k} | {v:.1f} | {sp['ratio_to_hf_greedy'][k]:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny budgets (a smoke test)")
    ap.add_argument("--skip-smollm2", action="store_true")
    ap.add_argument("--cache", default="/tmp/affectlab-soft-thinking")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    args.steps, args.n_test = ([100], 20) if args.quick else ([800, 3000], 300)
    args.n_smol, args.smol_think = (4, 16) if args.quick else (40, 48)
    args.speed_tokens, args.speed_repeats = (16, 1) if args.quick else (64, 3)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    info = {"command": "python benchmarks/soft_thinking.py" + (" --quick" if args.quick else "")
            + (" --skip-smollm2" if args.skip_smollm2 else ""),
            "machine": machine(), "date": date.today().isoformat()}
    info["addition"] = addition(args)
    if not args.skip_smollm2:
        info["smollm2"] = smollm2(args)
        info["speed"] = speed(args)
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(info, args.out / "soft_thinking.json")
    md = markdown(info)
    write_text(md, args.out / "soft_thinking.md")
    plot(info, args.out / "soft_thinking.png")
    print(md)


if __name__ == "__main__":
    main()
