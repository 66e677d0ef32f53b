"""Distillation: a teacher's outputs on unlabelled texts, computed once in resumable pieces.

A big teacher (all-mpnet-base-v2 fine-tuned across corpora) reads every text at hand once;
`teacher_outputs` keeps what every head said, piece by piece under a folder (each piece written
through a temporary name), so a killed run starts again where it stopped.
`EmotionClassifier.fit_distil` then trains the small student on those soft targets.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

PIECE = 2048  # texts per saved piece
INDEX = "teacher.json"


def _fingerprint(teacher: Any, texts: Sequence[str]) -> str:
    """What the outputs depend on: the teacher's encoder and trained weights, and the texts
    (two teachers of the same encoder and scheme must not share a cache)."""
    h = hashlib.sha256()
    h.update(repr(teacher).encode())
    for name, value in sorted(teacher._weights.items()):
        h.update(name.encode() + value.detach().cpu().contiguous().numpy().tobytes())
    for t in texts:
        h.update(t.encode("utf-8", "replace") + b"\0")
    return h.hexdigest()


def teacher_outputs(teacher: Any, texts: Sequence[str], folder: str | os.PathLike[str], *,
                    piece: int = PIECE, batch_size: int | None = None,
                    progress: bool = True) -> dict[str, np.ndarray]:
    """Every head's output (probabilities, V/A/D) of `teacher` on `texts`, cached in `folder`.

    Pieces already there are reused when they belong to the same teacher and texts (a
    fingerprint of both is kept in the folder); a folder for other texts raises instead of
    mixing them."""
    from affectlab.core.files import load_arrays, save_arrays, write_text
    from affectlab.core.progress import track
    from affectlab.text.labels import check_texts

    texts = check_texts(texts)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    key = _fingerprint(teacher, texts)
    index = out / INDEX
    if index.is_file():
        if json.loads(index.read_text())["fingerprint"] != key:
            raise ValueError(f"{out} holds a teacher's outputs for other texts or another "
                             "teacher; give an empty folder")
    else:
        write_text(json.dumps({"fingerprint": key, "texts": len(texts), "piece": piece}), index)
    starts = range(0, len(texts), piece)
    for start in track(list(starts), "teacher outputs", show=progress):
        path = out / f"piece-{start // piece:05d}.safetensors"
        if path.is_file():
            continue
        heads, _ = teacher.forward(texts[start:start + piece], batch_size=batch_size)
        save_arrays(heads, path)
    parts = [load_arrays(out / f"piece-{s // piece:05d}.safetensors") for s in starts]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
