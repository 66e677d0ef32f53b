"""The timeline as a picture: one panel per modality (its label probabilities over time; blank
where the modality is absent), then the fused probabilities, then valence and arousal."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd


def plot_timeline(frame: pd.DataFrame, out: str | os.PathLike[str],
                  title: str | None = None) -> Path:
    """Write the PNG of one clip's timeline (rows of one `source`)."""
    from affectlab.core.plots import pyplot, save_figure

    plt = pyplot()
    ok = frame[frame["status"] == "ok"]
    if ok.empty:
        raise ValueError("no analysed time step to plot")
    labels = [c[len("fused_p_"):] for c in ok.columns if c.startswith("fused_p_")]
    mods = [m for m in ("face", "voice", "text") if f"{m}_present" in ok.columns]
    panels = [*mods, "fused"]
    fig, axes = plt.subplots(len(panels) + 1, 1, figsize=(11, 1.7 * (len(panels) + 1) + 0.6),
                             sharex=True)
    t = ok["t"].to_numpy()
    colours = {x: f"C{i}" for i, x in enumerate(labels)}
    for ax, m in zip(axes, panels, strict=False):
        for x in labels:
            ax.plot(t, ok[f"{m}_p_{x}"].to_numpy(float), color=colours[x], lw=1.4, label=x)
        if m != "fused":
            absent = ~ok[f"{m}_present"].to_numpy(bool)
            ax.fill_between(t, 0, 1, where=absent, color="0.92", step="mid", lw=0)
        ax.set_ylim(0, 1)
        ax.set_ylabel(m, rotation=0, ha="right", va="center")
    axes[0].legend(ncol=len(labels), fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.02))
    ax = axes[-1]
    for d, style in (("valence", "-"), ("arousal", "--")):
        ax.plot(t, ok[f"fused_{d}"].to_numpy(float), style, color="k", label=d)
    ax.axhline(0, color="0.7", lw=0.6)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("V / A", rotation=0, ha="right", va="center")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_xlabel("seconds (grey: modality absent)")
    fig.suptitle(title or Path(str(ok["source"].iloc[0])).name, fontsize=10)
    return save_figure(fig, Path(out))
