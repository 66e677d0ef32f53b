"""Benchmark inputs shared by the benchmark scripts: the same texts for every speed table."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FALLBACK_TEXTS = ROOT / "examples" / "posts.csv"


def load_texts(n: int) -> tuple[list[str], str]:
    """`n` benchmark texts and where they came from (GoEmotions test, else examples/posts.csv)."""
    from affectlab.datasets import DatasetNotFoundError, load

    try:
        pool = [str(t) for t in load("goemotions", split="test")["text"]]
        order = np.random.default_rng(0).permutation(len(pool))
        pool = [pool[i] for i in order]
        source = "GoEmotions test split, shuffled with seed 0"
    except DatasetNotFoundError:
        import pandas as pd

        pool = [str(t) for t in pd.read_csv(FALLBACK_TEXTS)["text"].dropna()]
        source = (f"FALLBACK: GoEmotions not found, {FALLBACK_TEXTS.relative_to(ROOT)} "
                  f"({len(pool)} texts) repeated")
    if n > len(pool) and not source.startswith("FALLBACK"):
        source += f", repeated to {n}"
    texts = [pool[i % len(pool)] for i in range(n)]
    return texts, source
