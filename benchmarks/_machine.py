"""What a benchmark's numbers were measured on (shared by the benchmark scripts)."""

from __future__ import annotations

import os
import platform
from typing import Any


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo, or what `platform` knows."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            return next((ln.split(":", 1)[1].strip() for ln in fh
                         if ln.startswith("model name")), cpu)
    except OSError:
        return cpu


def machine(**versions: str) -> dict[str, Any]:
    """CPU, core count, Python, affectlab, torch and its threads, plus the given versions."""
    import torch

    from affectlab import __version__

    return {"cpu": cpu_name(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "affectlab": __version__,
            "torch": torch.__version__, **versions,
            "torch_threads": torch.get_num_threads(),
            "torch_interop_threads": torch.get_num_interop_threads()}
