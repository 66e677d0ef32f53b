"""Pictures of results: each face's box, landmarks and top label drawn on the photo."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.files import atomic_path


def draw_records(rgb: np.ndarray, records: Sequence[dict[str, Any]]) -> np.ndarray:
    """A copy of the photo with each record's box, landmarks (when present) and top label."""
    import cv2

    img = np.ascontiguousarray(rgb.copy())
    thick = max(1, round(max(img.shape[:2]) / 400))
    for rec in records:
        if rec.get("box") is None:
            continue
        x0, y0, x1, y1 = (round(v) for v in rec["box"])
        cv2.rectangle(img, (x0, y0), (x1, y1), (40, 200, 60), thick)
        for x, y, *_ in rec.get("landmarks") or []:
            cv2.circle(img, (round(x), round(y)), max(1, thick // 2), (255, 220, 0), -1)
        top = rec.get("top")
        if top:
            p = (rec.get("probs") or {}).get(top)
            text = f"{top} {p:.2f}" if p is not None else str(top)
            scale = max(0.4, (x1 - x0) / 250)
            cv2.putText(img, text, (x0, max(12, y0 - 6)), cv2.FONT_HERSHEY_SIMPLEX, scale,
                        (40, 200, 60), thick, cv2.LINE_AA)
    return img


def save_image(rgb: np.ndarray, path: str | os.PathLike[str]) -> Path:
    """Write an RGB array as PNG (or the extension's format), atomically."""
    from PIL import Image

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        Image.fromarray(rgb).save(tmp, format=(out.suffix.lstrip(".") or "png").upper()
                                  .replace("JPG", "JPEG"))
    return out
