"""One plotting style: matplotlib imported only when a figure is drawn, a headless backend, PNGs
written atomically, and one confusion-matrix plot for every modality."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DPI = 130


def pyplot() -> Any:
    """matplotlib.pyplot on the headless Agg backend (a clear error without the plot extra)."""
    try:
        import matplotlib
    except ModuleNotFoundError as err:
        from affectlab.core.errors import MissingBackendError

        raise MissingBackendError("figures need matplotlib: pip install 'affectlab[plot]'") from err
    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "cairo", "template"):
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: int = DPI, *,
                close: bool = True) -> Path:
    """Save a figure under a temporary name, then rename it to `path`; closes it by default."""
    from affectlab.core.files import atomic_path

    out = Path(path)
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=out.suffix.lstrip(".") or "png")
    if close:
        pyplot().close(fig)
    return out


def plot_confusion(matrix: Any, labels: Sequence[str], path: str | os.PathLike[str], *,
                   title: str = "", normalize: bool = True, xlabel: str = "predicted",
                   ylabel: str = "true", row_labels: Sequence[str] | None = None) -> Path:
    """A confusion matrix as a PNG: rows are true classes; with `normalize` each row sums to 1
    (recall on the diagonal) and the counts are printed beside the shares. `row_labels` names
    the rows differently from the columns (e.g. with their support)."""
    import numpy as np

    counts = np.asarray(matrix, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] != len(labels):
        raise ValueError(f"confusion matrix of shape {counts.shape} does not match "
                         f"{len(labels)} labels")
    shown = counts
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        shown = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    plt = pyplot()
    size = max(4.0, 0.5 * len(labels) + 2.0)
    fig, ax = plt.subplots(figsize=(size + 1.0, size))
    image = ax.imshow(shown, cmap="Blues", vmin=0.0, vmax=1.0 if normalize else None)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04,
                 label="share of the true class" if normalize else "count")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), list(row_labels) if row_labels is not None else labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(labels) <= 12:
        top = shown.max() if shown.size else 1.0
        for i in range(len(labels)):
            for j in range(len(labels)):
                text = (f"{shown[i, j]:.2f}\n({int(counts[i, j])})" if normalize
                        else f"{int(counts[i, j])}")
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if shown[i, j] > 0.6 * top else "black")
    fig.tight_layout()
    return save_figure(fig, path)


__all__ = ["DPI", "plot_confusion", "pyplot", "save_figure"]
