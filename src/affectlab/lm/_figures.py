"""Old home of `save_figure`: now `affectlab.core.plots.save_figure`. Kept for old imports; the
figure stays open here, as it did."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from affectlab.core.plots import save_figure as _save_figure


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: int = 130) -> Path:
    """Save a matplotlib figure atomically (`affectlab.core.plots.save_figure`), leaving it open."""
    return _save_figure(fig, path, dpi, close=False)
