"""Figures for emotion directions, circuits and the control experiment (PNG, Agg backend)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.plots import pyplot, save_figure
from affectlab.lm.steering.circuits import EmotionCircuit
from affectlab.lm.steering.emotion_directions import EmotionDirections

__all__ = ["plot_control", "plot_importance", "plot_stability"]


def plot_stability(directions: EmotionDirections, path: str | os.PathLike[str]) -> Path:
    """Mean cross-scenario cosine of the emotion vectors per layer, against shuffled labels."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    for sub, style in zip(directions.sublayers, ("-", "--"), strict=False):
        stab = directions.stability.get(sub, {})
        if not stab:
            continue
        layers = np.arange(len(stab["mean"]))
        ax.plot(layers, stab["mean"], style, color="tab:blue", label=f"after {sub}")
        ax.plot(layers, stab["shuffled_mean"], style, color="tab:gray",
                label=f"after {sub}, labels shuffled")
    ax.set_xlabel("layer")
    ax.set_ylabel("mean cross-group cosine")
    ax.set_title(f"Stability of emotion directions ({directions.meta.get('model', '')})")
    ax.axhline(0, color="black", lw=0.5)
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def plot_importance(circuit: EmotionCircuit, path: str | os.PathLike[str]) -> Path:
    """Normalised sublayer importance: one row per emotion and sublayer, one column per layer."""
    plt = pyplot()
    E, L, _ = circuit.importance.shape
    grid = circuit.importance.transpose(0, 2, 1).reshape(E * 2, L)
    fig, ax = plt.subplots(figsize=(min(14, 2 + 0.35 * L), 0.45 * E * 2 + 1.5))
    lim = float(np.abs(grid).max()) or 1.0
    im = ax.imshow(grid, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_yticks(range(E * 2))
    ax.set_yticklabels([f"{e} {s}" for e in circuit.emotions for s in ("attn", "mlp")],
                       fontsize=8)
    ax.set_xlabel("layer")
    ax.set_title("Sublayer importance I = Δs / (α σ), normalised per emotion")
    fig.colorbar(im, ax=ax, fraction=0.03)
    return save_figure(fig, path)


def plot_control(report: Mapping[str, Any], path: str | os.PathLike[str],
                 judge: str = "classifier") -> Path:
    """Emotion-expression accuracy per emotion for each method (grouped bars)."""
    plt = pyplot()
    emotions = list(report["emotions"])
    methods = [m for m in report["results"] if m != "unsteered"] or list(report["results"])
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    width = 0.8 / max(1, len(methods))
    x = np.arange(len(emotions) + 1)
    for k, m in enumerate(methods):
        r = report["results"][m][judge]
        vals = [r["per_emotion"][e] for e in emotions] + [r["accuracy"]]
        ax.bar(x + (k - (len(methods) - 1) / 2) * width, vals, width, label=m)
    ax.set_xticks(x)
    ax.set_xticklabels([*emotions, "all"])
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"expression accuracy ({judge} judge)")
    ax.axhline(0.8, color="gray", ls=":", lw=1)
    ax.set_title(f"{report.get('model', '')}: emotion control on held-out scenarios")
    ax.legend(fontsize=8)
    return save_figure(fig, path)
