"""Emotion-intensity editing on EmoDB: does p(target) rise with the intensity of the edit?

Embedding space: the 88 eGeMAPSv02 functionals (openSMILE), standardised per speaker (the
EmoDB practice) unless ``--standardise global``. Edits: ``e' = e + i * (mu_target - mu_source)``
(`affectlab.speech.editing.EmotionEditor`), for all 42 ordered pairs of the 7 emotions and
i = 0, 0.1, ..., 1.

Protocol (three speaker-disjoint groups per fold). For each of the 10 speakers k in turn:

- the other 9 speakers are sorted by (gender, id) and dealt alternately into group A (5
  speakers) and group B (4), so both groups hold women and men;
- the editor's emotion centres are fitted on group A only;
- the "separately trained classifier" (standardisation per speaker, then a multinomial
  LogisticRegression, C=1) is trained on group B only;
- speaker k's utterances are the ones edited: each utterance of the source emotion is moved
  towards the target in the editor's space, mapped back to native eGeMAPS values with speaker
  k's statistics, and classified. The per-speaker statistics of k come from k's own unedited
  utterances (as the classifier would normalise any new speaker).

The curves of the 10 folds are pooled (each pair's mean weighted by its utterance count). A pair
is monotone when no step of its pooled curve goes down by more than ``--tolerance`` (0.01 in
probability); Spearman rho between intensity and p(target) is reported too. Two references: the
classifier's p(target) on speaker k's genuine target utterances (what i=1 could reach), and a
control editor fitted on group A with the emotion labels shuffled within each speaker.

The features that move are read from an editor fitted on all 10 speakers (description, not
evaluation): per target, ``mu_target - mean of the other centres``, the top features in
standardised and native units, grouped into pitch / loudness / rate / spectral / voice quality.

Run (from the repository root):

    .venv/bin/python benchmarks/speech_intensity_editing.py
    .venv/bin/python benchmarks/speech_intensity_editing.py --means gmm --no-write
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "results" / "speech"
EMOTIONS = ["anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness"]


def speaker_normalise(X: np.ndarray, speakers: np.ndarray) -> np.ndarray:
    """z-scores per speaker (each speaker's own mean and standard deviation)."""
    Z = np.empty_like(X)
    for s in np.unique(speakers):
        rows = speakers == s
        sd = X[rows].std(axis=0)
        Z[rows] = (X[rows] - X[rows].mean(axis=0)) / np.where(sd > 1e-12, sd, 1.0)
    return Z


class SpeakerClassifier:
    """LogisticRegression on per-speaker z-scores, applied to one new speaker whose statistics
    come from that speaker's unedited utterances (`for_speaker`)."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X: np.ndarray, y: list[str], speakers: np.ndarray) -> SpeakerClassifier:
        from sklearn.linear_model import LogisticRegression

        self.model = LogisticRegression(C=self.C, max_iter=3000).fit(
            speaker_normalise(X, speakers), y)
        self.classes_ = list(self.model.classes_)
        return self

    def for_speaker(self, X_ref: np.ndarray) -> SpeakerClassifier:
        out = SpeakerClassifier(self.C)
        out.model, out.classes_ = self.model, self.classes_
        sd = X_ref.std(axis=0)
        out.mu, out.sd = X_ref.mean(axis=0), np.where(sd > 1e-12, sd, 1.0)
        return out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict_proba((X - self.mu) / self.sd)


def groups_for(held_out: str, speakers: list[str], gender: dict[str, str]
               ) -> tuple[list[str], list[str]]:
    rest = sorted((s for s in speakers if s != held_out), key=lambda s: (gender[s], s))
    return rest[0::2], rest[1::2]


def run(X: np.ndarray, y: np.ndarray, spk: np.ndarray, gender: dict[str, str],
        args: argparse.Namespace, means: str, standardise: str) -> dict[str, Any]:
    from affectlab.metrics import balanced_accuracy
    from affectlab.speech.editing import GRID, EmotionEditor, IntensityCurve, intensity_curve

    speakers = sorted(set(spk.tolist()))
    curves, controls, folds = [], [], []
    ceiling: dict[str, list[float]] = {e: [] for e in EMOTIONS}
    rng = np.random.default_rng(0)
    for k in speakers:
        A, B = groups_for(k, speakers, gender)
        a, b, h = np.isin(spk, A), np.isin(spk, B), spk == k
        editor = EmotionEditor(means, standardise=standardise,
                               n_components=args.components).fit(X[a], y[a], spk[a])
        clf = SpeakerClassifier(args.C).fit(X[b], list(y[b]), spk[b]).for_speaker(X[h])
        curve = intensity_curve(editor, clf, X[h], y[h], spk[h], intensities=GRID)
        curves.append(curve)
        # control: the same editor fitted with labels shuffled within each speaker of A
        ys = y[a].copy()
        for s in A:
            rows = np.flatnonzero(spk[a] == s)
            ys[rows] = ys[rng.permutation(rows)]
        ctrl = EmotionEditor(means, standardise=standardise,
                             n_components=args.components).fit(X[a], ys, spk[a])
        controls.append(intensity_curve(ctrl, clf, X[h], y[h], spk[h], intensities=GRID))
        proba = clf.predict_proba(X[h])
        pred = np.array(clf.classes_)[proba.argmax(axis=1)]
        for e in EMOTIONS:
            if (y[h] == e).any():
                ceiling[e].extend(proba[y[h] == e, clf.classes_.index(e)].tolist())
        folds.append({"held_out": k, "editor_speakers": A, "classifier_speakers": B,
                      "n_edited": int(h.sum()),
                      "classifier_uar_unedited": float(balanced_accuracy(list(y[h]), list(pred))),
                      "share_monotone": curve.share_monotone(args.tolerance)})
    pooled = IntensityCurve.pool(curves)
    control = IntensityCurve.pool(controls)
    return {"pooled": pooled, "control": control, "folds": folds,
            "ceiling": {e: float(np.mean(v)) for e, v in ceiling.items() if v}}


def summary(res: dict[str, Any], tol: float, rise: float = 0.05) -> dict[str, Any]:
    """Headline numbers of one configuration, for the editor and for its shuffled control."""
    out = {}
    for key in ("pooled", "control"):
        c = res[key]
        mono = c.monotonicity(tol)
        rises = c.p[:, -1] - c.p[:, 0]
        out["editor" if key == "pooled" else "control_shuffled_labels"] = {
            "monotone": int(sum(v["monotone"] for v in mono.values())),
            "monotone_and_rising": int(sum(v["monotone"] and r > rise
                                           for v, r in zip(mono.values(), rises, strict=True))),
            "pairs": len(mono), "mean_p_target_0": float(c.p[:, 0].mean()),
            "mean_p_target_0.5": float(c.p[:, list(c.intensities).index(0.5)].mean()),
            "mean_p_target_1": float(c.p[:, -1].mean())}
    out["rise_threshold"] = rise
    out["share_monotone_per_held_out_speaker"] = float(np.mean(
        [f["share_monotone"] for f in res["folds"]]))
    return out


def describe_features(X: np.ndarray, y: np.ndarray, spk: np.ndarray, names: list[str],
                      args: argparse.Namespace) -> dict[str, Any]:
    from affectlab.speech.editing import EmotionEditor, feature_shifts

    editor = EmotionEditor(args.means, standardise=args.standardise, n_components=args.components,
                           feature_names=names).fit(X, y, spk)
    per_target = {t: feature_shifts(editor, target=t, top=args.top) for t in EMOTIONS}
    per_pair = {}
    for s in EMOTIONS:
        for t in EMOTIONS:
            if s != t:
                key = feature_shifts(editor, s, t, top=0)["key"]
                per_pair[f"{s}->{t}"] = {g: {k: round(v, 4) for k, v in r.items()
                                             if k in ("z", "native", "native_from", "native_to")}
                                         for g, r in key.items()}
    return {"per_target": per_target, "per_pair_key_features": per_pair, "editor": editor}


def plot(pooled: Any, ceiling: dict[str, float], path: Path) -> None:
    from affectlab.core.plots import pyplot, save_figure

    plt = pyplot()
    fig, axes = plt.subplots(2, 4, figsize=(16, 7.5), constrained_layout=True)
    grid = pooled.intensities
    colours = dict(zip(EMOTIONS, plt.cm.tab10.colors, strict=False))
    for ax, t in zip(axes.flat, EMOTIONS, strict=False):
        for s in EMOTIONS:
            if s != t and (s, t) in pooled.pairs:
                ax.plot(grid, pooled.curve(s, t), marker="o", ms=3, color=colours[s], label=s)
        if t in ceiling:
            ax.axhline(ceiling[t], color="grey", ls="--", lw=1, label="genuine " + t)
        ax.set_title(f"target: {t}")
        ax.set_ylim(0, 1)
        ax.set_xlabel("intensity i")
        ax.set_ylabel(f"p({t})")
        ax.legend(fontsize=7, title="source", title_fontsize=7)
    ax = axes.flat[-1]
    H = np.full((len(EMOTIONS), len(EMOTIONS)), np.nan)
    for (s, t), row in zip(pooled.pairs, pooled.p, strict=True):
        H[EMOTIONS.index(s), EMOTIONS.index(t)] = row[-1]
    im = ax.imshow(H, vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(len(EMOTIONS)), EMOTIONS, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(EMOTIONS)), EMOTIONS, fontsize=8)
    ax.set_xlabel("target")
    ax.set_ylabel("source")
    ax.set_title("p(target) at i = 1")
    for (r, c), v in np.ndenumerate(H):
        if np.isfinite(v):
            ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if v < 0.5 else "black")
    fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle("EmoDB: p(target) of a classifier trained on other speakers, as eGeMAPS "
                 "embeddings are edited e + i(mu_t - mu_s) (10 held-out speakers pooled)")
    save_figure(fig, path, dpi=110)


def fmt(x: float) -> str:
    return "nan" if not np.isfinite(x) else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cache", default="/tmp/affectlab-speech-cache",
                   help="folder for the eGeMAPS feature matrix (reused on reruns)")
    p.add_argument("--means", choices=["class", "gmm"], default="class")
    p.add_argument("--components", type=int, default=2, help="GMM components per emotion")
    p.add_argument("--standardise", choices=["speaker", "global"], default="speaker")
    p.add_argument("--C", type=float, default=1.0, help="classifier's inverse regularisation")
    p.add_argument("--tolerance", type=float, default=0.01,
                   help="largest step down (in probability) a monotone curve may take")
    p.add_argument("--top", type=int, default=8, help="features listed per target")
    p.add_argument("--no-variants", action="store_true",
                   help="skip the summary over means=class|gmm x standardise=speaker|global")
    p.add_argument("--no-write", action="store_true", help="print only; write no files")
    p.add_argument("--out", default=str(OUT), help="folder for the json, png and md")
    args = p.parse_args(argv)

    from affectlab.datasets import load_emodb
    from affectlab.speech.features import extract_many, feature_names

    t0 = time.perf_counter()
    df = load_emodb()
    X = extract_many(df["path"], "egemaps", cache=args.cache, progress=False).astype(np.float64)
    names = feature_names("egemaps")
    y = np.array([lab[0] for lab in df["labels"]], dtype=object)
    spk = df["subject"].astype(str).to_numpy()
    gender = dict(zip(spk, df["gender"].astype(str), strict=True))
    t_feat = time.perf_counter() - t0

    t1 = time.perf_counter()
    res = run(X, y, spk, gender, args, args.means, args.standardise)
    variants = {}
    if not args.no_variants:
        for means in ("class", "gmm"):
            for std in ("speaker", "global"):
                r = res if (means, std) == (args.means, args.standardise) else \
                    run(X, y, spk, gender, args, means, std)
                variants[f"means={means}, standardise={std}"] = summary(r, args.tolerance)
    feats = describe_features(X, y, spk, names, args)
    t_eval = time.perf_counter() - t1
    pooled, control = res["pooled"], res["control"]
    mono = pooled.monotonicity(args.tolerance)
    cmono = control.monotonicity(args.tolerance)
    grid = list(pooled.intensities)
    j5 = grid.index(0.5)

    print(f"EmoDB: {len(df)} utterances, {len(set(spk))} speakers; editor: means={args.means}, "
          f"standardise={args.standardise}; tolerance {args.tolerance}")
    print(f"{'pair':<22}{'n':>4}{'p@0':>8}{'p@0.5':>8}{'p@1':>8}  monotone  rho   max_drop")
    for (s, t), row, n in zip(pooled.pairs, pooled.p, pooled.n, strict=True):
        m = mono[(s, t)]
        print(f"{s + '->' + t:<22}{n:>4}{row[0]:>8.3f}{row[j5]:>8.3f}{row[-1]:>8.3f}  "
              f"{'yes' if m['monotone'] else 'NO':<8}{fmt(m['rho']):>6}  {m['max_drop']:.3f}")
    share = pooled.share_monotone(args.tolerance)
    strict = pooled.share_monotone(0.0)
    fold_share = [f["share_monotone"] for f in res["folds"]]
    uar = [f["classifier_uar_unedited"] for f in res["folds"]]
    print(f"\nmonotone pairs (pooled curves, tol {args.tolerance}): "
          f"{sum(v['monotone'] for v in mono.values())}/{len(mono)} = {share:.3f}; "
          f"strictly non-decreasing: {strict:.3f}")
    print(f"per held-out speaker, share monotone: mean {np.mean(fold_share):.3f}, "
          f"min {np.min(fold_share):.3f}")
    print(f"mean p(target): i=0 {pooled.p[:, 0].mean():.3f}, i=0.5 {pooled.p[:, j5].mean():.3f}, "
          f"i=1 {pooled.p[:, -1].mean():.3f}; median rho "
          f"{np.nanmedian([v['rho'] for v in mono.values()]):.3f}")
    print(f"control (labels shuffled within speaker): monotone "
          f"{control.share_monotone(args.tolerance):.3f}, mean p(target) i=0 "
          f"{control.p[:, 0].mean():.3f} -> i=1 {control.p[:, -1].mean():.3f}")
    print(f"classifier UAR on unedited held-out speakers: mean {np.mean(uar):.3f} "
          f"(per speaker {', '.join(f'{u:.2f}' for u in uar)})")
    print("genuine utterances, mean p(own emotion): "
          + ", ".join(f"{e} {v:.2f}" for e, v in res["ceiling"].items()))

    print("\nfeatures moving most towards each target (mu_t - mean of other centres; editor "
          "on all speakers):")
    for t, fs in feats["per_target"].items():
        top = ", ".join(f"{r['feature']} {r['z']:+.2f}z ({r['native_from']:.3g}->"
                        f"{r['native_to']:.3g})" for r in fs["top"][:4])
        key = fs["key"]
        print(f"  {t:<10} {top}")
        print(f"  {'':<10} F0 mean {key['pitch']['native']:+.2f} st, loudness mean "
              f"{key['loudness']['native']:+.3f}, voiced segments/s {key['rate']['native']:+.3f}, "
              f"loudness peaks/s {key['rate (loudness peaks)']['native']:+.3f}; mean |z| by group: "
              + ", ".join(f"{g} {v:.2f}" for g, v in fs["groups"].items()))
    t_total = time.perf_counter() - t0
    if variants:
        print(f"\nvariants (pairs monotone within {args.tolerance}; monotone and rising by more "
              "than 0.05; mean p(target) at i=0 -> 1; same for the shuffled-label control):")
        for name, v in variants.items():
            e, c = v["editor"], v["control_shuffled_labels"]
            print(f"  {name:<36} {e['monotone']}/{e['pairs']}, rising {e['monotone_and_rising']}"
                  f"/{e['pairs']}, p {e['mean_p_target_0']:.3f} -> {e['mean_p_target_1']:.3f}"
                  f" | control {c['monotone']}/{c['pairs']}, rising "
                  f"{c['monotone_and_rising']}/{c['pairs']}, p {c['mean_p_target_0']:.3f} -> "
                  f"{c['mean_p_target_1']:.3f}")
    print(f"\ntime: features {t_feat:.1f} s (cached: {args.cache}), evaluation {t_eval:.1f} s, "
          f"total {t_total:.1f} s")

    if args.no_write:
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    date = subprocess.run(["date", "-u"], check=False, capture_output=True, text=True).stdout.strip()
    given = sys.argv[1:] if argv is None else list(argv)
    command = " ".join([".venv/bin/python benchmarks/speech_intensity_editing.py", *given])
    result = {
        "corpus": "EmoDB", "n_utterances": len(df), "n_speakers": len(set(spk)),
        "features": "eGeMAPSv02 functionals (88), openSMILE",
        "settings": {"means": args.means, "components": args.components,
                     "standardise": args.standardise, "classifier": "per-speaker z-scores + "
                     f"LogisticRegression(C={args.C})", "tolerance": args.tolerance},
        "protocol": ("per held-out speaker k: the other 9 speakers sorted by (gender, id) and "
                     "dealt alternately into A (editor, 5) and B (classifier, 4); k's "
                     "utterances are edited and classified; 10 folds pooled"),
        "curves": pooled.to_dict(args.tolerance),
        "share_monotone": share, "share_strictly_non_decreasing": strict,
        "mean_p_target": {"0": float(pooled.p[:, 0].mean()),
                          "0.5": float(pooled.p[:, j5].mean()),
                          "1": float(pooled.p[:, -1].mean())},
        "control_shuffled_labels": {"share_monotone": control.share_monotone(args.tolerance),
                                    "monotone_and_rising": summary(
                                        res, args.tolerance)["control_shuffled_labels"][
                                        "monotone_and_rising"],
                                    "mean_p_target_0": float(control.p[:, 0].mean()),
                                    "mean_p_target_1": float(control.p[:, -1].mean()),
                                    "monotone_pairs": sum(v["monotone"] for v in cmono.values())},
        "variants": variants,
        "genuine_p_own_emotion": res["ceiling"], "folds": res["folds"],
        "feature_shifts_per_target": feats["per_target"],
        "key_features_per_pair": feats["per_pair_key_features"],
        "time_s": {"features": round(t_feat, 2), "evaluation": round(t_eval, 2),
                   "total": round(t_total, 2)},
        "machine": "2 CPU cores", "date": date, "command": command,
    }
    (out / "intensity_editing.json").write_text(json.dumps(result, indent=1, allow_nan=False)
                                                + "\n")
    plot(pooled, res["ceiling"], out / "intensity_editing.png")
    (out / "intensity_editing.md").write_text(markdown(result, pooled, mono, feats, args) + "\n")
    print(f"wrote {out}/intensity_editing.json, .png, .md")
    return 0


def markdown(result: dict[str, Any], pooled: Any, mono: dict, feats: dict[str, Any],
             args: argparse.Namespace) -> str:
    grid = list(pooled.intensities)
    j5 = grid.index(0.5)
    c = result["control_shuffled_labels"]
    uar = [f["classifier_uar_unedited"] for f in result["folds"]]
    lines = [
        "### Speech: emotion-intensity editing in eGeMAPS space (EmoDB)",
        "",
        f"Edit `e' = e + i·(μ_target − μ_source)` in the 88 eGeMAPSv02 functionals, "
        f"standardised {'per speaker' if args.standardise == 'speaker' else 'globally'}, "
        f"centres `means={args.means}`"
        + (f" ({args.components} components, heaviest component's mean)"
           if args.means == "gmm" else "") + ", all 42 ordered pairs of the 7 emotions, "
        "i = 0, 0.1, …, 1.",
        "",
        ("Protocol: for each of the 10 speakers in turn, the other 9 are sorted by (gender, id) "
        "and dealt alternately into group A (5 speakers: the editor's centres) and group B "
        "(4 speakers: the classifier, per-speaker z-scores + logistic regression); the held-out "
        "speaker's utterances are edited, mapped back to native eGeMAPS with that speaker's "
        "statistics, and classified. Curves pooled over the 10 folds. Monotone = no step down "
        f"larger than {args.tolerance} in probability."),
        "",
        (f"- Monotone pairs: **{sum(v['monotone'] for v in mono.values())}/{len(mono)}** "
        f"({result['share_monotone']:.1%}); strictly non-decreasing "
        f"{result['share_strictly_non_decreasing']:.1%}."),
        (f"- Mean p(target) over the 42 pairs: {result['mean_p_target']['0']:.3f} at i=0, "
        f"{result['mean_p_target']['0.5']:.3f} at i=0.5, {result['mean_p_target']['1']:.3f} "
        "at i=1."),
        (f"- Per held-out speaker (unpooled curves): share of monotone pairs mean "
         f"{np.mean([f['share_monotone'] for f in result['folds']]):.3f}, lowest "
         f"{min(f['share_monotone'] for f in result['folds']):.3f}."),
        (f"- Control (editor fitted with labels shuffled within speaker): "
         f"{c['monotone_pairs']}/{len(mono)} monotone but {c['monotone_and_rising']}/{len(mono)}"
         f" rising by more than 0.05, mean p(target) {c['mean_p_target_0']:.3f} → "
         f"{c['mean_p_target_1']:.3f}: a flat curve passes the monotonicity test, so the rise "
         "is the evidence, not monotonicity alone."),
        (f"- Classifier UAR on the unedited held-out speakers: {np.mean(uar):.3f} "
        f"(range {min(uar):.2f}–{max(uar):.2f})."),
        "",
        ("Variants (same protocol; \"rising\" = monotone and p@1 − p@0 > 0.05; the control "
        "editor is fitted with labels shuffled within speaker):"),
        "",
        ("| centres, standardisation | monotone | rising | mean p(target) i=0 → 1 | "
        "control monotone | control rising | control p i=0 → 1 |"),
        "|---|---:|---:|---|---:|---:|---|",
    ]
    for name, v in result["variants"].items():
        e, k = v["editor"], v["control_shuffled_labels"]
        lines.append(f"| {name} | {e['monotone']}/{e['pairs']} | {e['monotone_and_rising']}/"
                     f"{e['pairs']} | {e['mean_p_target_0']:.3f} → {e['mean_p_target_1']:.3f} | "
                     f"{k['monotone']}/{k['pairs']} | {k['monotone_and_rising']}/{k['pairs']} | "
                     f"{k['mean_p_target_0']:.3f} → {k['mean_p_target_1']:.3f} |")
    lines += [
        "",
        (f"Per-pair table ({result['settings']['means']} centres, "
        f"{result['settings']['standardise']} standardisation):"),
        "",
        "| pair | n | p@0 | p@0.5 | p@1 | monotone | ρ |",
        "|---|---:|---:|---:|---:|:---:|---:|",
    ]
    for (s, t), row, n in zip(pooled.pairs, pooled.p, pooled.n, strict=True):
        m = mono[(s, t)]
        lines.append(f"| {s}→{t} | {n} | {row[0]:.3f} | {row[j5]:.3f} | {row[-1]:.3f} | "
                     f"{'yes' if m['monotone'] else '**no**'} | {fmt(m['rho'])} |")
    lines += ["", ("Features moving most towards each target (μ_t − mean of the other centres, "
              "editor fitted on all 10 speakers; z = standardised units, native values at the "
              "two centres averaged over speakers):"), "",
              "| target | F0 mean (st) | loudness mean | voiced segments/s | top features (z) |",
              "|---|---:|---:|---:|---|"]
    for t, fs in feats["per_target"].items():
        k = fs["key"]
        top = "; ".join(f"{r['feature']} {r['z']:+.2f}" for r in fs["top"][:4])
        lines.append(f"| {t} | {k['pitch']['native_from']:.1f} → {k['pitch']['native_to']:.1f} | "
                     f"{k['loudness']['native_from']:.2f} → {k['loudness']['native_to']:.2f} | "
                     f"{k['rate']['native_from']:.2f} → {k['rate']['native_to']:.2f} | {top} |")
    loud = {t: fs["key"]["loudness"]["native"] for t, fs in feats["per_target"].items()}
    big = max(loud, key=lambda t: abs(loud[t]))
    lines += ["", (f"Mean loudness moves little (largest change: towards {big}, "
                   f"{loud[big]:+.2f} on a scale near 1); the EmoDB wav files are close to "
                   "peak-normalised (mean peak amplitude 0.90–1.00 per emotion on every third "
                   "file, measured once while writing this benchmark), so the level differences "
                   "of vocal effort are largely gone; for anger the top moving features are "
                   "spectral (MFCCs, alpha ratio, H1–A3) instead.")]
    lines += ["", (f"Command: `{result['command']}` (features cached in `{args.cache}`). "
              f"Machine: 2 CPU cores. Date: {result['date']}. Run time: "
              f"{result['time_s']['total']:.1f} s (features from cache "
              f"{result['time_s']['features']:.1f} s). Figure: "
              "`docs/results/speech/intensity_editing.png`; numbers: "
              "`docs/results/speech/intensity_editing.json`.")]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
