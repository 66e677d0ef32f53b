"""Codebook features in SmolLM2-135M-Instruct: train, loss, code search and steering, on CPU.

Usage (the run behind docs/results/codebook/lm.md; about 35 minutes on one CPU thread):

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/codebook_lm.py \
        --out docs/results/codebook --save src/affectlab/codebook/default_lm

Steps: k-means initialise 1,024-code (k = 8) codebooks at the MLP outputs of blocks 18 and 22
from real activations; train only the codebooks (LM loss + auxiliary loss) on balanced
GoEmotions (Ekman) + CARER training texts; cross-entropy with and without codebooks on their
test splits; code search on their dev splits; choose the code-steering variant on 12 training
scenarios per emotion (never the held-out ones); then on the 78 held-out scenario prompts per
emotion compare: unsteered, codebooks without forcing, forced emotion codes, and direction
steering (alpha 1, layers 16-25 after the MLP, as in docs/RESULTS.md), judged by the project's
text classifier, with perplexity under the unmodified model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import machine

from affectlab import lm as L
from affectlab.codebook import lm_codes as C
from affectlab.lm.model.judges import get_judge
from affectlab.lm.steering.emotion_control import GENERATION, default_directions, score_replies
from affectlab.lm.steering.scenarios import EMOTIONS, NEUTRAL_SYSTEM, VALENCES
from affectlab.lm.steering.vectors import steering_edits


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def replies_for(cbm: C.CodebookModel, prompts: list[str], kind: str, setting: Any,
                directions: Any = None) -> dict[str, Any]:
    """Replies to every prompt for every emotion under one condition."""
    replies: list[str] = []
    targets: list[str] = []
    plain: list[str] | None = None
    for emotion in EMOTIONS:
        if kind == "none":  # the same replies for every target emotion
            if plain is None:
                with cbm.bypass():
                    plain = cbm.lm.generate(prompts, system=NEUTRAL_SYSTEM, **GENERATION)
            got = plain
        elif kind == "codebooks":
            if plain is None:
                plain = cbm.lm.generate(prompts, system=NEUTRAL_SYSTEM, **GENERATION)
            got = plain
        elif kind == "codes":
            got = C.steer_codes(cbm, prompts, emotion, n_codes=setting["n_codes"],
                                sites=setting["sites"],
                                positions=setting.get("positions", "generation"), **GENERATION)
        elif kind == "direction":
            edits = steering_edits(directions, emotion, setting["alpha"], setting["layers"])
            with cbm.bypass():
                got = cbm.lm.generate(prompts, system=NEUTRAL_SYSTEM, edit=edits, **GENERATION)
        else:
            raise ValueError(kind)
        replies += list(got)
        targets += [emotion] * len(prompts)
    return {"replies": replies, "targets": targets}


def scored(cbm: C.CodebookModel, prompts: list[str], data: dict[str, Any],
           judges: dict[str, Any]) -> dict[str, Any]:
    with cbm.bypass():  # perplexity under the unmodified model
        r = score_replies(cbm.lm, prompts, data, judges)
    c = r["classifier"]
    return {"accuracy": c["accuracy"], "per_emotion": c["per_emotion"],
            "accuracy_among_emotions": c["accuracy_among_emotions"],
            "fluency": r["fluency"], "top": c["top"],
            "examples": {e: data["replies"][i * len(prompts)]
                         for i, e in enumerate(EMOTIONS)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/results/codebook")
    ap.add_argument("--save", default=None, help="folder for the trained codebooks")
    ap.add_argument("--sites", default=",".join(C.DEFAULT_SITES))
    ap.add_argument("--num-codes", type=int, default=1024)
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--max-len", type=int, default=48)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--train-per-label", type=int, default=600)
    ap.add_argument("--eval-per-label", type=int, default=80)
    ap.add_argument("--search-per-label", type=int, default=150)
    ap.add_argument("--dev-prompts", type=int, default=12)
    ap.add_argument("--held-out", type=int, default=0,
                    help="use only the first N held-out prompts (0: all 78)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    started = time.perf_counter()
    command = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/codebook_lm.py " + " ".join(
        sys.argv[1:])
    result: dict[str, Any] = {"command": command, "machine": machine(),
                              "date": date.today().isoformat(), "settings": vars(args)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def dump() -> None:
        result["seconds"] = time.perf_counter() - started
        (out / "lm.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
        (out / "lm.md").write_text(report(result))

    model = L.load()
    sites = [s for s in args.sites.split(",") if s]
    train = C.emotion_texts("train", args.train_per_label, seed=args.seed)
    test = C.emotion_texts("test", args.eval_per_label, seed=args.seed)
    dev = C.emotion_texts("dev", args.search_per_label, seed=args.seed)
    result["data"] = {"train_texts": len(train), "test_texts": len(test),
                      "search_texts": len(dev), "corpora": ["goemotions (ekman)", "carer"]}
    log(f"data: {result['data']}")
    cbm = C.attach_codebooks(model, sites, args.num_codes, args.k)
    texts = [t for t, _ in train]
    t = time.perf_counter()
    result["init"] = {"vectors": C.init_codebooks(cbm, texts, max_len=args.max_len,
                                                  max_vectors=8192, progress=False),
                      "seconds": time.perf_counter() - t}
    test_texts = [t for t, _ in test]
    result["loss_after_init"] = C.lm_loss(cbm, test_texts, max_len=args.max_len)
    log(f"init: {result['init']}, loss {result['loss_after_init']}")
    result["training"] = C.train_codebooks(cbm, texts, steps=args.steps,
                                           batch_size=args.batch_size, max_len=args.max_len,
                                           lr=args.lr, seed=args.seed, log_every=25)
    log(f"trained in {result['training']['seconds']:.0f} s: "
        f"{result['training']['history'][-1]}")
    with torch.no_grad():  # the shipped codebooks are float16: evaluate exactly those
        for layer in cbm.codebooks().values():
            layer.codebook.copy_(layer.codebook.half().float())
    result["loss"] = C.lm_loss(cbm, test_texts, max_len=args.max_len)
    log(f"loss: {result['loss']}")
    usage: dict[str, Any] = {}
    per_site, _ = C.record_codes(cbm, test_texts, max_len=args.max_len)
    for site, codes in per_site.items():
        ids = torch.cat([c.reshape(-1) for c in codes])
        counts = torch.bincount(ids, minlength=args.num_codes)
        p = counts.float() / counts.sum()
        usage[site] = {"codes_used": int((counts > 0).sum()),
                       "perplexity": float(torch.exp(-(p[p > 0] * p[p > 0].log()).sum()))}
    result["code_usage_test"] = usage
    t = time.perf_counter()
    search = C.search_codes(cbm, [x for x, _ in dev], [y for _, y in dev], top=10,
                            max_len=args.max_len)
    result["search"] = search
    result["search_seconds"] = time.perf_counter() - t
    cbm.info = {"trained_on": "GoEmotions (Ekman) + CARER train, balanced per label",
                "steps": args.steps, "batch_size": args.batch_size, "max_len": args.max_len,
                "lr": args.lr, "loss": result["loss"], "searched_on": "their dev splits",
                "benchmark": "benchmarks/codebook_lm.py", "date": result["date"]}
    if args.save:
        cbm.save(args.save, dtype="float16")
        result["saved_to"] = args.save
    log("search done, saved")
    dump()

    # -- steering ---------------------------------------------------------------------------
    scen = L.load_scenarios()
    train_s, held = L.split_scenarios(scen)
    dev_prompts = [s.prompt(VALENCES[k % 3]) for k, s in enumerate(train_s[::11][:args.dev_prompts])]
    prompts = [s.prompt(v) for s in held for v in VALENCES]
    if args.held_out:
        prompts = prompts[:args.held_out]
    judges = {"classifier": get_judge("classifier")}
    variants = {f"codes n={n}, {'+'.join(s.split('.')[1] for s in ss)}": {"n_codes": n,
                                                                         "sites": ss}
                for n, ss in [(args.k, sites), (args.k // 2, sites)] + [(args.k, [s])
                                                                         for s in sites]}
    variants[f"codes n={args.k}, all sites, every position"] = {"n_codes": args.k,
                                                               "sites": sites,
                                                               "positions": "all"}
    sweep: dict[str, Any] = {}
    for name, setting in variants.items():
        t = time.perf_counter()
        r = scored(cbm, dev_prompts, replies_for(cbm, dev_prompts, "codes", setting), judges)
        sweep[name] = {"accuracy": r["accuracy"], "per_emotion": r["per_emotion"],
                       "perplexity_median": r["fluency"]["perplexity_median"],
                       "seconds": time.perf_counter() - t}
        log(f"dev {name}: {sweep[name]}")
    result["dev_sweep"] = sweep
    best = max(sweep, key=lambda n: (sweep[n]["accuracy"], -sweep[n]["perplexity_median"]))
    result["chosen_variant"] = best
    dump()
    directions = default_directions(model)
    conditions = {"unsteered": ("none", None),
                  "codebooks, no forcing": ("codebooks", None),
                  f"forced emotion codes ({best})": ("codes", variants[best]),
                  "direction steering (alpha 1, layers 16-25)": (
                      "direction", {"alpha": 1.0, "layers": "16-25"})}
    held_out: dict[str, Any] = {}
    for name, (kind, setting) in conditions.items():
        t = time.perf_counter()
        data = replies_for(cbm, prompts, kind, setting, directions)
        held_out[name] = {**scored(cbm, prompts, data, judges),
                          "seconds": time.perf_counter() - t}
        log(f"held-out {name}: acc {held_out[name]['accuracy']:.3f} "
            f"ppl {held_out[name]['fluency']['perplexity_median']:.2f}")
        result["held_out"] = held_out
        result["held_out_prompts"] = len(prompts)
        dump()
    log(f"done in {time.perf_counter() - started:.0f} s")


def report(r: dict[str, Any]) -> str:
    """The Markdown report."""
    m = r["machine"]
    lines = ["# Codebook features in SmolLM2-135M-Instruct", "",
             f"Command: `{r['command']}`", "",
             (f"Machine: {m['cpu']} ({m['cpu_count']} cores), torch {m['torch']} with "
             f"{m['torch_threads']} thread(s), Python {m['python']}, affectlab {m['affectlab']};"
             f" {r['date']}; {r.get('seconds', 0) / 60:.1f} minutes in all."), ""]
    s = r["settings"]
    lines += [(f"Codebooks: {s['num_codes']} codes, k = {s['k']}, at {s['sites']} (no layer norm,"
              f" inner-product similarity, k-means initialised from "
              f"{sum(r['init']['vectors'].values())} activations); base model frozen; "
              f"{s['steps']} steps of {s['batch_size']} texts x at most {s['max_len']} tokens, "
              f"AdamW lr {s['lr']}; data: {r['data']}."), ""]
    if "loss" in r:
        lo, li = r["loss"], r["loss_after_init"]
        lines += ["## Language-model loss on held-out emotional text (nats per token)", "",
                  "| model | cross-entropy | increase |", "|---|---|---|",
                  f"| unmodified SmolLM2 | {lo['base']:.3f} | |",
                  (f"| codebooks after k-means only | {li['codebooks']:.3f} | "
                  f"+{li['increase']:.3f} ({100 * li['relative_increase']:.1f}%) |"),
                  (f"| codebooks after training (float16) | {lo['codebooks']:.3f} | "
                  f"+{lo['increase']:.3f} ({100 * lo['relative_increase']:.1f}%) |"), "",
                  f"{int(lo['tokens'])} predicted tokens. Training: "
                  f"{r['training']['seconds'] / 60:.1f} min; first/last logged LM loss "
                  f"{r['training']['history'][0]['lm_loss']:.3f} / "
                  f"{r['training']['history'][-1]['lm_loss']:.3f}. Code usage on the test "
                  f"texts: " + "; ".join(f"{k}: {v['codes_used']} codes used, perplexity "
                                         f"{v['perplexity']:.0f}"
                                         for k, v in r["code_usage_test"].items()) + ".", ""]
    if "search" in r:
        lines += ["## Codes most associated with each emotion (dev texts)", "",
                  ("Log-odds of a code firing on tokens of texts with that label against all "
                  "other labels (neutral included); precision with classes weighted equally. "
                  "The firing token is in [[ ]]."), ""]
        for emotion, ranked in r["search"].items():
            lines += [f"### {emotion}", "", ("| site | code | log-odds | precision | recall | "
                      "examples |"), "|---|---|---|---|---|---|"]
            for e in ranked[:5]:
                ex = " / ".join(x.replace("|", "\\|") for x in e["examples"][:2])
                lines.append(f"| {e['site']} | {e['code']} | {e['log_odds']:.2f} | "
                             f"{e['precision']:.2f} | {e['recall']:.3f} | {ex} |")
            lines.append("")
    if "dev_sweep" in r:
        lines += ["## Code steering, chosen on 12 training scenarios per emotion", "",
                  "| variant | accuracy | median perplexity |", "|---|---|---|"]
        for name, v in r["dev_sweep"].items():
            lines.append(f"| {name} | {v['accuracy']:.3f} | {v['perplexity_median']:.2f} |")
        lines += ["", f"Chosen: {r.get('chosen_variant')}.", ""]
    if "held_out" in r:
        lines += [(f"## Emotion expression on {r['held_out_prompts']} held-out scenario prompts "
                  "per emotion (classifier judge)"), "",
                  "| condition | all | " + " | ".join(EMOTIONS) + " | among 6 | median "
                  "perplexity | repeated trigrams |",
                  "|---|---|" + "---|" * len(EMOTIONS) + "---|---|---|"]
        for name, v in r["held_out"].items():
            lines.append(f"| {name} | {v['accuracy']:.3f} | " + " | ".join(
                f"{v['per_emotion'][e]:.2f}" for e in EMOTIONS)
                + f" | {v['accuracy_among_emotions']:.3f} | "
                f"{v['fluency']['perplexity_median']:.2f} | "
                f"{v['fluency']['repetition_rate']:.3f} |")
        lines += ["", "First reply per emotion:", ""]
        for name, v in r["held_out"].items():
            lines.append(f"- **{name}**: " + "; ".join(
                f"{e}: \"{' '.join(v['examples'][e].split())[:120]}\"" for e in EMOTIONS))
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
