"""What a benchmark's numbers were measured on (shared by the benchmark scripts)."""

from __future__ import annotations

import os
import platform
import time
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


def machine_today() -> dict[str, Any]:
    """`machine()` with the transformers version and today's date: the speed tables' header."""
    from datetime import date

    import transformers

    return {**machine(transformers=transformers.__version__), "date": date.today().isoformat()}


def machine(**versions: str) -> dict[str, Any]:
    """CPU, core count, Python, affectlab, torch and its threads, plus the given versions."""
    import torch

    from affectlab import __version__

    return {"cpu": cpu_name(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "affectlab": __version__,
            "torch": torch.__version__, **versions,
            "torch_threads": torch.get_num_threads(),
            "torch_interop_threads": torch.get_num_interop_threads()}


def matmul_rate(rows: int, hidden: int, inner: int, seconds: float = 1.0,
                repeats: int = 3) -> float:
    """GFLOP/s of float32 matmuls shaped like a feed-forward (MLP) layer: (rows, hidden) x
    (hidden, inner) and (rows, inner) x (inner, hidden), repeated for about `seconds`; the best
    of `repeats` such windows, as the timed passes keep their best."""
    import torch

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(rows, hidden, generator=gen)
    w_in = torch.randn(hidden, inner, generator=gen)
    h = torch.randn(rows, inner, generator=gen)
    w_out = torch.randn(inner, hidden, generator=gen)
    per_pair = 2.0 * 2 * rows * hidden * inner
    with torch.inference_mode():
        for _ in range(3):
            torch.matmul(x, w_in), torch.matmul(h, w_out)
        best = 0.0
        for _ in range(repeats):
            pairs, start = 0, time.perf_counter()
            while True:
                torch.matmul(x, w_in)
                torch.matmul(h, w_out)
                pairs += 1
                elapsed = time.perf_counter() - start
                if elapsed >= seconds:
                    break
            best = max(best, pairs * per_pair / elapsed / 1e9)
    return best
