"""Figures of affectlab's text models on the official test splits, saved next to the numbers.

Makes, in `--out-dir` (default docs/results/):

- `text_goemotions_per_label_f1.png`: per-label F1 of the GoEmotions model on the GoEmotions
  test split at its dev-tuned thresholds (`clf.thresholds()`), sorted, each bar annotated with
  the label's test support, and a line at the macro-F1;
- `text_goemotions_per_label.json`: per-label precision, recall, F1, support and threshold
  behind that figure (a Markdown table of it is printed for docs/RESULTS.md);
- `text_emobank_vad_scatter.png`: predicted against gold valence and arousal on the EmoBank test
  split (Pearson r in each panel's title), and the test sentences placed at their gold V/A,
  coloured by the model's top GoEmotions label carried into Ekman-7 through the ontology;
- `text_carer_confusion.png`, `text_tweeteval_confusion.png`: row-normalised confusion matrices
  (with counts) of the single-label CARER and TweetEval models on their test splits.

A model folder that is missing, or a corpus that is not found, is skipped with a note.

Run (from the repository root):

    .venv/bin/python benchmarks/text_plots.py
    .venv/bin/python benchmarks/text_plots.py --default /work/runs/goemotions_plain \\
        --carer /work/runs/carer --tweeteval /work/runs/tweeteval

Needs matplotlib (the `plot` extra).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from affectlab.core.plots import pyplot, save_figure

plt = pyplot()  # headless, files only

DPI = 120
JITTER = 0.012  # V/A-plane panel only
# One colour per Ekman-7 class, fixed so every figure reads the same.
EKMAN_COLOURS = {"anger": "#d62728", "disgust": "#8c6d31", "fear": "#9467bd",
                 "joy": "#f0a500", "sadness": "#1f77b4", "surprise": "#17becf",
                 "neutral": "#b0b0b0"}
SINGLE_LABEL = (("carer", "CARER"), ("tweeteval", "TweetEval"))


# --- inputs -------------------------------------------------------------------------------------

def load_model(path: str | None, what: str) -> tuple[Any, str] | None:
    """A saved model and a short name for titles, or None (with a note) when there is none."""
    from affectlab.text import EmotionClassifier, ModelNotFoundError

    if path is not None and not Path(path).is_dir():
        print(f"note: no {what} model at {path}; its figure is skipped")
        return None
    try:
        clf = EmotionClassifier.load(path)
    except ModelNotFoundError as exc:
        print(f"note: {what} model skipped: {exc}")
        return None
    name = "shipped default model" if path is None else Path(path).name
    tuned = f"LoRA r={clf.adapter.rank}" if clf.adapter.rank > 0 else "frozen encoder"
    return clf, f"{name} ({clf.encoder}, {tuned})"


def test_split(corpus: str) -> pd.DataFrame | None:
    """The test rows of a corpus, or None (with a note) when the corpus is not found."""
    from affectlab import datasets
    from affectlab.text.evaluation import split

    try:
        frame = datasets.load(corpus)
    except datasets.DatasetNotFoundError as exc:
        print(f"note: corpus {corpus!r} not found, its figure is skipped: {exc}")
        return None
    return split(frame, "test")


def save(fig: Figure, path: Path) -> None:
    save_figure(fig, path, dpi=DPI)
    print(f"wrote {path}")


# --- GoEmotions: per-label F1 -------------------------------------------------------------------

def per_label_scores(clf: Any, test: pd.DataFrame) -> dict[str, Any]:
    """Per-label precision, recall, F1, support and threshold on a GoEmotions split."""
    from affectlab import metrics

    probs = clf.predict_proba(test["text"].tolist())
    gold = clf.indicator([list(x) for x in test["labels"]])
    thresholds = clf.thresholds()
    pred = metrics.apply_thresholds(probs, thresholds)
    res = metrics.precision_recall_f1(gold, pred, average=None)
    rows = [{"label": clf.labels_[j], "precision": float(res["precision"][k]),
             "recall": float(res["recall"][k]), "f1": float(res["f1"][k]),
             "support": int(res["support"][k]), "threshold": round(float(thresholds[j]), 4)}
            for k, j in enumerate(res["labels"])]
    return {"texts": len(test), "macro-F1": float(np.mean(res["f1"])),
            "micro-F1": float(metrics.multilabel_f1(gold, pred, average="micro")),
            "labels": rows, "probs": probs}


def plot_per_label(scores: dict[str, Any], model: str) -> Figure:
    rows = sorted(scores["labels"], key=lambda r: r["f1"])  # best at the top of a barh
    y = np.arange(len(rows))
    f1s = np.array([r["f1"] for r in rows])
    fig, ax = plt.subplots(figsize=(8, 9.5))
    ax.barh(y, f1s, color="#4c72b0", height=0.72, zorder=2)
    for i, r in enumerate(rows):  # on a white box, so the macro-F1 line does not cross it
        ax.text(r["f1"] + 0.01, i, f"{r['f1']:.2f}  (n={r['support']})", va="center",
                fontsize=8, color="#333333", zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6})
    macro = scores["macro-F1"]
    ax.axvline(macro, color="#c44e52", linestyle="--", linewidth=1.2, zorder=3)
    ax.text(macro, len(rows) - 0.2, f" macro-F1 {macro:.3f}", color="#c44e52", fontsize=9,
            va="bottom", ha="left")
    ax.set_yticks(y, [r["label"] for r in rows], fontsize=9)
    ax.set_ylim(-0.6, len(rows) + 0.4)
    ax.set_xlim(0, 1.08)
    ax.set_xlabel("F1 on test (per-label thresholds tuned on dev)")
    ax.set_title(f"GoEmotions-28, test split ({scores['texts']} texts): per-label F1\n{model}",
                 fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def markdown_table(scores: dict[str, Any]) -> str:
    lines = ["| label | precision | recall | F1 | support | threshold |", "|---|---|---|---|---|---|"]
    for r in sorted(scores["labels"], key=lambda r: -r["f1"]):
        lines.append(f"| {r['label']} | {r['precision']:.3f} | {r['recall']:.3f} | "
                     f"{r['f1']:.3f} | {r['support']} | {r['threshold']:.2f} |")
    lines.append(f"| **macro** | | | **{scores['macro-F1']:.3f}** | {scores['texts']} texts | |")
    return "\n".join(lines)


def write_per_label_json(scores: dict[str, Any], model: str, path: Path) -> None:
    out = {"model": model, "corpus": "goemotions", "split": "test", "texts": scores["texts"],
           "thresholds": "per label, tuned on dev (clf.thresholds())",
           "macro-F1": scores["macro-F1"], "micro-F1": scores["micro-F1"],
           "labels": scores["labels"]}
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}")


# --- EmoBank: V/A -------------------------------------------------------------------------------

def top_label_ekman(clf: Any, probs: np.ndarray) -> list[str]:
    """The model's top label per text, carried into Ekman-7 through the ontology."""
    from affectlab import ontology

    m = ontology.mapping_matrix(clf.scheme, "ekman7")
    names = list(ontology.get_scheme("ekman7").label_names)
    rows = m[probs.argmax(1)]
    return [names[int(r.argmax())] if r.any() else "unmapped" for r in rows]


def plot_vad(clf: Any, test: pd.DataFrame, model: str) -> Figure:
    from affectlab import metrics
    from affectlab.text.evaluation import emobank_targets

    texts = test["text"].tolist()
    gold = emobank_targets(test)
    if clf.labels_ is not None and clf.scheme is not None:
        # One encoder pass gives both heads (the same values as predict_vad / predict_proba).
        heads, _ = clf.forward(texts)
        pred, ekman = heads["vad"], top_label_ekman(clf, heads["labels"])
    else:
        pred, ekman = clf.predict_vad(texts), None
    fig, axes = plt.subplots(1, 3 if ekman else 2, figsize=(17.5 if ekman else 10.5, 5.6))
    # EmoBank ratings sit near the middle of the scale: zoom to the data, the same on both axes.
    edge = float(np.ceil(max(np.abs(gold[:, :2]).max(), np.abs(pred[:, :2]).max()) * 10 + 0.5))
    hi = min(1.0, edge / 10)
    lo = -hi
    for ax, (i, dim) in zip(axes, enumerate(("valence", "arousal")), strict=False):
        r = metrics.pearson(gold[:, i], pred[:, i])
        ax.scatter(gold[:, i], pred[:, i], s=9, alpha=0.35, color="#4c72b0", linewidths=0)
        ax.plot([lo, hi], [lo, hi], color="#888888", linewidth=0.8, linestyle="--")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        ax.set_xlabel(f"gold {dim} ((rating − 3) / 2)")
        ax.set_ylabel(f"predicted {dim}")
        ax.set_title(f"{dim.capitalize()}: Pearson r = {r:.3f}", fontsize=10)
        ax.grid(alpha=0.3)
    if ekman:
        ax = axes[2]
        classes = ["neutral", *(c for c in [*EKMAN_COLOURS, "unmapped"] if c != "neutral")]
        lab = np.asarray(ekman)
        # Gold ratings are means of a few raters, so they sit on a grid: a small jitter shows
        # how many sentences share a point.
        xy = gold[:, :2] + np.random.default_rng(0).uniform(-JITTER, JITTER, (len(gold), 2))
        for c in (c for c in classes if c in ekman):  # neutral first, coloured classes on top
            k = lab == c
            ax.scatter(xy[k, 0], xy[k, 1], s=12, alpha=0.75 if c != "neutral" else 0.4,
                       color=EKMAN_COLOURS.get(c, "#000000"), linewidths=0,
                       label=f"{c} ({int(k.sum())})")
        ax.axhline(0, color="#888888", linewidth=0.6)
        ax.axvline(0, color="#888888", linewidth=0.6)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        ax.set_xlabel(f"gold valence (jittered ±{JITTER})")
        ax.set_ylabel(f"gold arousal (jittered ±{JITTER})")
        ax.set_title("Test sentences at gold V/A,\ncoloured by the model's top label → Ekman-7",
                     fontsize=10)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
                  markerscale=1.6, title_fontsize=8, title="top label (texts)")
        ax.grid(alpha=0.3)
    fig.suptitle(f"EmoBank, test split ({len(texts)} sentences): V/A head of {model}",
                 fontsize=11)
    fig.tight_layout()
    return fig


# --- single-label corpora: confusion ------------------------------------------------------------

def plot_confusion(clf: Any, test: pd.DataFrame, corpus: str, title: str, model: str,
                   path: Path) -> Path:
    """The model's confusion matrix on the test split, through affectlab's one confusion plot."""
    from affectlab import metrics
    from affectlab.core.plots import plot_confusion as confusion_png

    gold = [x[0] for x in test["labels"]]
    pred = clf.predict(test["text"].tolist())
    labels = list(clf.labels_)
    outside = sorted({g for g in gold if g not in labels})
    if outside:
        print(f"note: {corpus} test labels outside the model's labels are left out: {outside}")
    cm = metrics.confusion_matrix(gold, pred, labels=labels)
    support = cm.sum(1)
    acc = metrics.accuracy(gold, pred)
    mf1 = metrics.macro_f1(gold, pred, labels=labels)
    return confusion_png(
        cm, labels, path, ylabel="true (test support)",
        row_labels=[f"{x} (n={n})" for x, n in zip(labels, support, strict=True)],
        title=f"{title}, test split ({len(gold)} texts): accuracy {acc:.3f}, macro-F1 "
              f"{mf1:.3f}\n{model}; rows normalised, counts in brackets")


# --- command line -------------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--default", default=None,
                   help="GoEmotions model with a V/A/D head (default: the shipped model)")
    p.add_argument("--carer", default="/work/runs/carer", help="CARER model folder")
    p.add_argument("--tweeteval", default="/work/runs/tweeteval", help="TweetEval model folder")
    p.add_argument("--out-dir", default="docs/results", help="where the PNGs and JSON go")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    loaded = load_model(args.default, "GoEmotions")
    if loaded is not None:
        clf, model = loaded
        go = None
        if clf.scheme == "goemotions" and clf.multi_label:
            go = test_split("goemotions")
        else:
            print(f"note: {model} is not a multi-label GoEmotions model; per-label F1 skipped")
        if go is not None:
            scores = per_label_scores(clf, go)
            save(plot_per_label(scores, model), out / "text_goemotions_per_label_f1.png")
            write_per_label_json(scores, model, out / "text_goemotions_per_label.json")
            print(f"\nGoEmotions-28 test, per label ({model}); macro-F1 "
                  f"{scores['macro-F1']:.3f}, micro-F1 {scores['micro-F1']:.3f}:\n")
            print(markdown_table(scores) + "\n")
        if not clf.has_vad:
            print(f"note: {model} has no V/A/D head; the EmoBank figure is skipped")
        else:
            emo = test_split("emobank")
            if emo is not None:
                save(plot_vad(clf, emo, model), out / "text_emobank_vad_scatter.png")
        del clf

    for corpus, title in SINGLE_LABEL:
        loaded = load_model(getattr(args, corpus), title)
        if loaded is None:
            continue
        clf, model = loaded
        if clf.multi_label or clf.labels_ is None:
            print(f"note: {model} is not a single-label model; its confusion matrix is skipped")
            continue
        test = test_split(corpus)
        if test is not None:
            path = plot_confusion(clf, test, corpus, title, model,
                                  out / f"text_{corpus}_confusion.png")
            print(f"wrote {path}")
        del clf
    return 0


if __name__ == "__main__":
    sys.exit(main())
