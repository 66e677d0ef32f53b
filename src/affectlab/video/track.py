"""Face tracks across sampled frames: each face joins the track whose last box overlaps it most
(intersection over union, greedy, best pairs first), or starts a new one."""

from __future__ import annotations

from collections.abc import Sequence


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def assign_tracks(frames: Sequence[Sequence[Sequence[float]]], threshold: float = 0.3,
                  max_gap: int = 2) -> list[list[int]]:
    """Track ids for the boxes of each frame. A track survives `max_gap` frames without a face
    (a blink of the detector) before a reappearing face starts a new one."""
    last: dict[int, tuple[Sequence[float], int]] = {}
    next_id = 0
    out: list[list[int]] = []
    for f, boxes in enumerate(frames):
        pairs = sorted(((iou(box, prev), i, t) for i, box in enumerate(boxes)
                        for t, (prev, seen) in last.items() if f - seen <= max_gap + 1),
                       reverse=True)
        ids = [-1] * len(boxes)
        used: set[int] = set()
        for score, i, t in pairs:
            if score < threshold:
                break
            if ids[i] == -1 and t not in used:
                ids[i] = t
                used.add(t)
        for i in range(len(boxes)):
            if ids[i] == -1:
                ids[i] = next_id
                next_id += 1
            last[ids[i]] = (boxes[i], f)
        out.append(ids)
    return out
