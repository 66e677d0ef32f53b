"""Synthetic speech-like signals shared by the speech tests."""

from __future__ import annotations

import numpy as np

SR = 16_000


def tone(seconds: float = 1.0, freq: float = 220.0, sr: int = SR, amp: float = 0.3,
         seed: int = 0) -> np.ndarray:
    """A voiced-like test signal: a harmonic tone with vibrato and a little noise."""
    t = np.arange(int(seconds * sr)) / sr
    f = freq * (1 + 0.03 * np.sin(2 * np.pi * 5 * t))
    phase = 2 * np.pi * np.cumsum(f) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, 6))
    rng = np.random.default_rng(seed)
    x = amp * x / np.max(np.abs(x)) + 0.003 * rng.standard_normal(len(t))
    return x.astype(np.float32)
