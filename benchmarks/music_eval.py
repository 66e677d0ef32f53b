"""Music emotion benchmarks on VGMIDI: static recognition, per-bar dual-scale recognition against
local-only and global-only, one-shot listener adaptation (MAML against pre-training), and
emotion-controlled generation. Writes docs/results/music/*.json, music.md and PNGs.

    python benchmarks/music_eval.py [--only static,dynamic,personal,generation] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine

from affectlab.music.attributes import ATTRIBUTES, piece_attributes
from affectlab.music.corpus import vgmidi_phrases, vgmidi_sequences
from affectlab.music.dynamic import DynamicConfig, DynamicMusicEmotion, curve_scores
from affectlab.music.midi import MusicError, load_midi
from affectlab.music.personal import (
    evaluate_adaptation,
    listener_tasks,
    meta_train,
    pretrain,
    split_tasks,
)
from affectlab.music.static import QUADRANTS, StaticMusicEmotion

OUT = Path("docs/results/music")
PARTS = ("static", "dynamic", "personal", "generation")


def folds_of(groups: list[str], k: int, seed: int = 0) -> list[np.ndarray]:
    uniq = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(uniq))
    fold_of = {uniq[i]: n % k for n, i in enumerate(order)}
    return [np.array([i for i, g in enumerate(groups) if fold_of[g] == f]) for f in range(k)]


def run_static(k: int) -> dict:
    phrases = vgmidi_phrases()
    scores, majority = [], []
    for test in folds_of(phrases.piece.tolist(), k):
        train = np.setdiff1d(np.arange(len(phrases)), test)
        tr, te = phrases.iloc[train], phrases.iloc[test]
        scores.append(StaticMusicEmotion().fit(tr, tr).score(te, te))
        maj = {}
        for dim in ("valence", "arousal"):
            sign = 1 if (tr[dim] > 0).mean() >= 0.5 else -1
            maj[dim] = float((te[dim] == sign).mean())
        qs = tr.apply(lambda r: (r.valence, r.arousal), axis=1).value_counts().index[0]
        maj["quadrant"] = float(((te.valence == qs[0]) & (te.arousal == qs[1])).mean())
        majority.append(maj)
    model = StaticMusicEmotion().fit(phrases, phrases)
    return {"phrases": len(phrases), "pieces": phrases.piece.nunique(), "folds": k,
            "accuracy": {d: float(np.mean([s[d] for s in scores])) for d in scores[0]},
            "accuracy_sd": {d: float(np.std([s[d] for s in scores])) for d in scores[0]},
            "majority": {d: float(np.mean([m[d] for m in majority])) for d in majority[0]},
            "coefficients": model.coefficients().round(3).to_dict()}


def run_dynamic(k: int, epochs: int, seeds: int) -> dict:
    seqs = vgmidi_sequences()
    names = [s.piece for s in seqs]
    out: dict = {"pieces": len(seqs), "folds": k, "epochs": epochs, "seeds": seeds, "scores": {},
                 "sd_over_seeds": {}}
    example = None
    for scales in ("dual", "local", "global", "mean"):
        per_fold = []
        per_seed = []
        t0 = time.time()
        runs = [(seed, f, test) for seed in range(1 if scales == "mean" else seeds)
                for f, test in enumerate(folds_of(names, k))]
        for seed, f, test in runs:
            train = np.setdiff1d(np.arange(len(seqs)), test)
            tr, te = [seqs[i] for i in train], [seqs[i] for i in test]
            gold = [s.mean_curve for s in te]
            if scales == "mean":
                mu = np.concatenate([s.mean_curve for s in tr]).mean(axis=0)
                preds = [np.tile(mu, (len(s.features), 1)) for s in te]
                per_fold.append({m: v for m, v in curve_scores(preds, gold).items()
                                 if m.endswith("rmse")})
                continue
            model = DynamicMusicEmotion(DynamicConfig(scales=scales, epochs=epochs, seed=seed)).fit(
                [s.features for s in tr], [s.mean_curve for s in tr])
            preds = model.predict([s.features for s in te])
            per_fold.append(curve_scores(preds, gold))
            if f == k - 1:  # one seed's cross-validated scores
                per_seed.append({m: float(np.mean([p[m] for p in per_fold[-k:]]))
                                 for m in per_fold[-1]})
            if scales == "dual" and f == 0 and seed == 0:
                example = (te[0].piece, gold[0], preds[0])
        out["scores"][scales] = {m: float(np.mean([p[m] for p in per_fold])) for m in per_fold[0]}
        if per_seed:
            out["sd_over_seeds"][scales] = {m: float(np.std([p[m] for p in per_seed]))
                                            for m in per_seed[0]}
        out["scores"][scales]["seconds"] = round(time.time() - t0, 1)
        print(scales, out["scores"][scales], flush=True)
    if example is not None:
        from affectlab.core.plots import pyplot, save_figure

        fig, axes = pyplot().subplots(2, 1, figsize=(8, 5), sharex=True)
        for j, dim in enumerate(("valence", "arousal")):
            axes[j].plot(example[1][:, j], label="annotators' mean")
            axes[j].plot(example[2][:, j], label="dual-scale model (held out)")
            axes[j].set_ylabel(dim)
            axes[j].set_ylim(-1, 1)
        axes[0].legend(fontsize=8)
        axes[0].set_title(example[0][:70], fontsize=9)
        axes[1].set_xlabel("bar")
        fig.tight_layout()
        save_figure(fig, OUT / "dynamic_example.png", dpi=110)
    return out


def _paired(a: list[float], b: list[float], seed: int = 0) -> dict:
    d = np.asarray(a) - np.asarray(b)
    rng = np.random.default_rng(seed)
    boots = [rng.choice(d, size=len(d)).mean() for _ in range(2000)]
    return {"mean_diff": float(d.mean()), "ci95": [float(np.percentile(boots, 2.5)),
                                                  float(np.percentile(boots, 97.5))],
            "share_lower": float((d < 0).mean())}


def _per_task(est, tasks, steps, lr, which) -> list[float]:
    return [evaluate_adaptation(est, [t], (steps,), lr, which)[steps]["mean"] for t in tasks]


def run_personal(pre_epochs: int, meta_steps: int, n_test: int, lr: float, which: str) -> dict:
    seqs = vgmidi_sequences()
    tasks = listener_tasks(seqs)
    train, test = split_tasks(tasks)
    test = test[:n_test]
    t0 = time.time()
    base = pretrain(train, DynamicConfig(epochs=pre_epochs, dropout=0.0), progress=True)
    t_pre = time.time() - t0
    t0 = time.time()
    maml = meta_train(base, train, meta_steps=meta_steps, inner_steps=5, inner_lr=lr,
                      which=which, progress=True)
    t_meta = time.time() - t0
    steps = (0, 1, 5, 10)
    res = {"annotators": len(tasks), "train_annotators": len(train), "test_annotators": len(test),
           "adapted": which, "inner_lr": lr, "inner_steps_meta": 5, "meta_steps": meta_steps,
           "pretrain_epochs": pre_epochs, "seconds": {"pretrain": round(t_pre), "maml": round(t_meta)},
           "pretrained": evaluate_adaptation(base, test, steps, lr, which),
           "maml": evaluate_adaptation(maml, test, steps, lr, which)}
    per = {(name, k): _per_task(est, test, k, lr, which)
           for name, est in (("pretrained", base), ("maml", maml)) for k in (0, 1, 5)}
    res["paired"] = {f"{a}{k}_vs_{b}{j}": _paired(per[(a, k)], per[(b, j)])
                     for a, k, b, j in (("maml", 1, "pretrained", 1), ("maml", 5, "pretrained", 5),
                                        ("maml", 0, "pretrained", 0), ("maml", 1, "maml", 0),
                                        ("maml", 5, "maml", 0), ("pretrained", 1, "pretrained", 0))}
    print(json.dumps(res, indent=1), flush=True)
    return res


def run_generation(per_quadrant: int, bars: int, candidates: int = 1) -> dict:
    from affectlab.music import compose
    from affectlab.music.models import load_generator, load_static

    gen, static = load_generator(), load_static()
    modelled = [a for a in ATTRIBUTES if a not in ("tempo", "velocity")]
    rows = []
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for q in QUADRANTS:
            for seed in range(per_quadrant):
                path = Path(tmp) / f"{q}_{seed}.mid"
                res = compose(q, bars=bars, out=path, seed=seed, candidates=candidates)
                row = {"quadrant": q, "seed": seed, "valid": False}
                try:
                    import pretty_midi

                    score = load_midi(path)  # raises on an unreadable or empty file
                    length = pretty_midi.PrettyMIDI(str(path)).get_end_time()
                    row["bars_read"] = round(length / (4 * 60.0 / res["tempo"]), 2)
                    row["valid"] = abs(row["bars_read"] - bars) <= 1
                    row["bars_with_notes"] = score.n_bars
                except MusicError as err:
                    row["error"] = err.reason
                    rows.append(row)
                    continue
                attrs = piece_attributes(score)
                got = gen.buckets.transform(attrs)
                for a, want, have in zip(ATTRIBUTES, res["control"].values(), got, strict=True):
                    row[f"hit_{a}"] = bool(want == have)
                row["predicted"] = static.decision(attrs).iloc[0].quadrant
                rows.append(row)
    frame = pd.DataFrame(rows)
    ok = frame[frame.valid]
    return {"pieces": len(frame), "bars": bars, "candidates": candidates,
            "seconds": round(time.time() - t0, 1),
            "valid_share": float(frame.valid.mean()),
            "attribute_accuracy": {a: float(ok[f"hit_{a}"].mean()) for a in ATTRIBUTES},
            "attribute_accuracy_modelled": float(ok[[f"hit_{a}" for a in modelled]].to_numpy().mean()),
            "emotion_accuracy": float((ok.predicted == ok.quadrant).mean()),
            "trailing_silent_bars": int((bars - frame.get("bars_with_notes", bars)).clip(lower=0)
                                        .gt(1).sum()),
            "rows": frame.to_dict("records"),
            "emotion_accuracy_per_quadrant": {q: float((g.predicted == q).mean())
                                              for q, g in ok.groupby("quadrant")},
            "confusion": pd.crosstab(ok.quadrant, ok.predicted).to_dict()}


def _fmt(x: float) -> str:
    return f"{x:.3f}"


def write_report() -> Path:
    """docs/results/music/music.md from the JSON files present."""
    lines = ["# Music emotion benchmarks", ""]
    load = {p.stem: json.loads(p.read_text()) for p in sorted(OUT.glob("*.json"))}
    if "static" in load:
        d = load["static"]
        lines += [f"## Static (VGMIDI phrases, {d['folds']}-fold grouped by piece)", "",
                  f"`{d['command']}` ({d['date']})", "",
                  "| | valence | arousal | quadrant |", "|---|---|---|---|",
                  "| attributes + logistic regression | " + " | ".join(
                      f"{_fmt(d['accuracy'][k])} ± {_fmt(d['accuracy_sd'][k])}"
                      for k in ("valence", "arousal", "quadrant")) + " |",
                  "| majority class | " + " | ".join(_fmt(d["majority"][k]) for k in
                                                    ("valence", "arousal", "quadrant")) + " |", ""]
    if "dynamic" in load:
        d = load["dynamic"]
        lines += [(f"## Per-bar V/A (VGMIDI, {d['pieces']} pieces, {d['folds']}-fold by piece, "
                  f"{d.get('seeds', 1)} seeds)"), "", f"`{d['command']}` ({d['date']})", "",
                  "| model | valence RMSE | valence r | arousal RMSE | arousal r |",
                  "|---|---|---|---|---|"]
        for name, sc in d["scores"].items():
            sd = d.get("sd_over_seeds", {}).get(name, {})
            cell = [f"{_fmt(sc[m])}" + (f" ± {_fmt(sd[m])}" if m in sd else "")
                    if m in sc else "—" for m in ("valence_rmse", "valence_r", "arousal_rmse",
                                                   "arousal_r")]
            lines.append(f"| {name} | " + " | ".join(cell) + " |")
        lines += ["", "![example](dynamic_example.png)", ""]
    if "personal" in load:
        d = load["personal"]
        lines += [(f"## One-shot listener adaptation ({d['test_annotators']} unseen annotators, "
                  f"adapting `{d['adapted']}`, inner lr {d['inner_lr']})"), "",
                  f"`{d['command']}` ({d['date']})", "",
                  "| initialisation | " + " | ".join(f"{k} steps" for k in d["maml"]) + " |",
                  "|---" * (len(d["maml"]) + 1) + "|"]
        for name in ("pretrained", "maml"):
            lines.append(f"| {name} | " + " | ".join(_fmt(v["mean"]) for v in d[name].values())
                         + " |")
        lines += ["", "Paired differences in query RMSE (bootstrap 95% CI):", ""]
        for k, v in d["paired"].items():
            lines.append(f"- {k}: {v['mean_diff']:+.4f} [{v['ci95'][0]:+.4f}, "
                         f"{v['ci95'][1]:+.4f}], lower for {100 * v['share_lower']:.0f}%")
        lines.append("")
    for key in [k for k in load if k.startswith("generation")]:
        d = load[key]
        lines += [(f"## Emotion-controlled generation ({d['pieces']} pieces of {d['bars']} bars, "
                  f"best of {d.get('candidates', 1)})"),
                  "", f"`{d['command']}` ({d['date']})", "",
                  f"- valid MIDI: {100 * d['valid_share']:.1f}%",
                  (f"- attribute control accuracy (modelled attributes): "
                  f"{100 * d['attribute_accuracy_modelled']:.1f}% (chance about 33%)"),
                  (f"- emotion control accuracy (static model's quadrant): "
                  f"{100 * d['emotion_accuracy']:.1f}% (chance 25%)"), "",
                  "| attribute | control accuracy |", "|---|---|"]
        lines += [f"| {a} | {100 * v:.1f}% |" for a, v in d["attribute_accuracy"].items()]
        lines += ["", "| quadrant asked | judged as asked |", "|---|---|"]
        lines += [f"| {q} | {100 * v:.0f}% |" for q, v in d["emotion_accuracy_per_quadrant"].items()]
        lines.append("")
    target = OUT / "music.md"
    target.write_text("\n".join(lines))
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=",".join(PARTS))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--seeds", type=int, default=3, help="model seeds (dynamic)")
    ap.add_argument("--pre-epochs", type=int, default=5)
    ap.add_argument("--meta-steps", type=int, default=300)
    ap.add_argument("--test-annotators", type=int, default=1000)
    ap.add_argument("--inner-lr", type=float, default=0.3)
    ap.add_argument("--adapt", default="gain")
    ap.add_argument("--per-quadrant", type=int, default=10)
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument("--candidates", type=int, default=1,
                    help="generation: keep the best-matching of this many pieces")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    OUT.mkdir(parents=True, exist_ok=True)
    for part in [p.strip() for p in args.only.split(",") if p.strip()]:
        t0 = time.time()
        if part == "static":
            res = run_static(args.folds)
        elif part == "dynamic":
            res = run_dynamic(args.folds, args.epochs, args.seeds)
        elif part == "personal":
            res = run_personal(args.pre_epochs, args.meta_steps, args.test_annotators,
                               args.inner_lr, args.adapt)
        elif part == "generation":
            res = run_generation(args.per_quadrant, args.bars, args.candidates)
            part = part if args.candidates == 1 else f"generation_best_of_{args.candidates}"
        else:
            raise SystemExit(f"unknown part {part!r}; choose from {PARTS}")
        res = {"machine": machine(), "command": " ".join(["python", *sys.argv]),
               "date": time.strftime("%Y-%m-%d"), "wall_seconds": round(time.time() - t0, 1), **res}
        (OUT / f"{part}.json").write_text(json.dumps(res, indent=1, default=str))
        print(part, "done", flush=True)
    print("report:", write_report())


if __name__ == "__main__":
    main()
