"""Figures for probe results: layer curves, a PCA view of probe outputs, confusion matrices.

All figures are written as PNG with the Agg backend (`affectlab.core.plots`, no screen needed);
matplotlib comes with the `lm` and `plot` extras.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from affectlab.core.plots import plot_confusion as _plot_confusion
from affectlab.core.plots import pyplot, save_figure
from affectlab.lm.probing.sweep import SweepResult


def plot_layer_curves(results: Sequence[SweepResult], path: str | os.PathLike[str], *,
                      title: str | None = None, zero_shot: float | None = None) -> Path:
    """Accuracy and macro-F1 against relative depth, one line per result (e.g. raw and chat)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for res in results:
        depth = [s.depth * 100 for s in res.layers]
        line = ax.plot(depth, res.accuracies(), marker="o", ms=3,
                       label=f"{res.input}: accuracy (peak {res.peak.accuracy:.2f} "
                             f"at layer {res.peak.layer})")[0]
        ax.plot(depth, [s.macro_f1 for s in res.layers], ls="--", color=line.get_color(),
                alpha=0.6, label=f"{res.input}: macro-F1")
    first = results[0]
    ax.axhline(first.chance, color="grey", ls=":", label=f"chance ({first.chance:.2f})")
    if zero_shot is not None:
        ax.axhline(zero_shot, color="crimson", ls="-.", label=f"zero-shot ({zero_shot:.2f})")
    n = len(first.layers) - 1
    ax.set_xlabel(f"relative depth, % (0 = embeddings, 100 = output of block {n - 1}, the last)")
    ax.set_ylabel("test score (balanced)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.set_title(title or f"{first.model}: {first.probe} probe per layer on {first.dataset}")
    ax.legend(fontsize=7, loc="lower right")
    return save_figure(fig, path)


def plot_probe_pca(result: SweepResult, path: str | os.PathLike[str]) -> Path:
    """The peak-layer probe's outputs on the test set, in 2-D by PCA, with density contours."""
    from scipy.stats import gaussian_kde
    from sklearn.decomposition import PCA

    if result.test_outputs is None or result.test_labels is None:
        raise ValueError("this result has no probe outputs (it was loaded from JSON)")
    plt = pyplot()
    with warnings.catch_warnings():  # identical outputs (an untrained model) have no variance
        warnings.simplefilter("ignore", RuntimeWarning)
        points = PCA(n_components=2, random_state=0).fit_transform(result.test_outputs)
    labels = np.asarray(result.test_labels)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    cmap = plt.get_cmap("tab10")
    pad = 0.1 * (points.max(0) - points.min(0))
    lo, hi = points.min(0) - pad, points.max(0) + pad
    gx, gy = np.mgrid[lo[0]:hi[0]:80j, lo[1]:hi[1]:80j]
    for c, name in enumerate(result.labels):
        sel = points[labels == name]
        color = cmap(c % 10)
        ax.scatter(sel[:, 0], sel[:, 1], s=7, alpha=0.45, color=color, label=name)
        if len(sel) > 5:
            try:
                dens = gaussian_kde(sel.T)(np.vstack([gx.ravel(), gy.ravel()]))
            except np.linalg.LinAlgError:
                continue
            ax.contour(gx, gy, dens.reshape(gx.shape), levels=3, colors=[color],
                       linewidths=0.9, alpha=0.9)
    ax.set_xlabel("PC 1 of probe outputs")
    ax.set_ylabel("PC 2")
    ax.set_title(f"{result.model}, layer {result.peak.layer} ({result.input}): probe outputs")
    ax.legend(fontsize=7, markerscale=2)
    return save_figure(fig, path)


def plot_confusion(result: SweepResult, path: str | os.PathLike[str]) -> Path:
    """Row-normalised confusion matrix of the peak-layer probe."""
    return _plot_confusion(result.confusion, result.labels, path,
                           title=f"layer {result.peak.layer} ({result.input}), accuracy "
                                 f"{result.peak.accuracy:.2f}")
