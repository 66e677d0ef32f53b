"""Face detection: BlazeFace (mediapipe's short- and full-range models) or OpenCV's Haar cascade.

A detection is a box in image pixels, a score and six keypoints (right eye, left eye, nose tip,
mouth centre, right ear, left ear; "right" is the person's right, on the image's left).
BlazeFace runs on the photo letterboxed to the model's square input; anchors and box decoding
follow the models' published SSD settings; overlapping boxes are merged by weighted NMS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from affectlab.core.errors import UnknownNameError

DETECTORS = ("auto", "short", "full", "haar", "whole")
KEYPOINTS = ("right_eye", "left_eye", "nose_tip", "mouth_centre", "right_ear", "left_ear")
# (input size, strides, anchors per cell, minimum score) per model
_SPECS = {"short": (128, (8, 16, 16, 16), 2, 0.5), "full": (192, (4,), 1, 0.6)}


@dataclass
class Detection:
    """A face box (x0, y0, x1, y1) in pixels, its score and keypoints ((6, 2) pixels or None)."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray | None = None
    detector: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@cache
def _anchors(kind: str) -> np.ndarray:
    """(n, 2) anchor centres in [0, 1] for the model (fixed-size anchors, width = height = 1)."""
    size, strides, per_cell, _ = _SPECS[kind]
    out, i = [], 0
    while i < len(strides):  # layers with the same stride share one feature map
        stride, n = strides[i], 0
        while i < len(strides) and strides[i] == stride:
            n += per_cell
            i += 1
        fm = int(np.ceil(size / stride))
        ys, xs = np.meshgrid((np.arange(fm) + 0.5) / fm, (np.arange(fm) + 0.5) / fm,
                             indexing="ij")
        centres = np.stack([xs.ravel(), ys.ravel()], 1)
        out.append(np.repeat(centres, n, axis=0))
    return np.concatenate(out)


def _letterbox(rgb: np.ndarray, size: int) -> tuple[np.ndarray, float, float, float]:
    """The photo scaled into a size x size square (padded), with scale and offsets back."""
    import cv2

    h, w = rgb.shape[:2]
    s = size / max(h, w)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    small = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    canvas = np.zeros((size, size, 3), np.uint8)
    ox, oy = (size - nw) // 2, (size - nh) // 2
    canvas[oy:oy + nh, ox:ox + nw] = small
    return canvas, s, ox, oy


def _weighted_nms(boxes: np.ndarray, scores: np.ndarray, kps: np.ndarray,
                  iou: float = 0.3) -> list[tuple[np.ndarray, float, np.ndarray]]:
    order = np.argsort(-scores)
    out = []
    while order.size:
        b = boxes[order]
        x0 = np.maximum(b[0, 0], b[:, 0])
        y0 = np.maximum(b[0, 1], b[:, 1])
        x1 = np.minimum(b[0, 2], b[:, 2])
        y1 = np.minimum(b[0, 3], b[:, 3])
        inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
        area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        overlap = inter / np.maximum(area[0] + area - inter, 1e-9)
        group = order[overlap > iou]
        wts = scores[group][:, None]
        out.append(((boxes[group] * wts).sum(0) / wts.sum(),
                    float(scores[order[0]]),
                    (kps[group] * wts[:, :, None]).sum(0) / wts.sum()))
        order = order[overlap <= iou]
    return out


def blazeface(rgb: np.ndarray, kind: str = "short", min_score: float | None = None
              ) -> list[Detection]:
    """Faces found by a BlazeFace model on an RGB uint8 photo."""
    from affectlab.face.backends import tflite

    size, _, _, default_score = _SPECS[kind]
    model = tflite("detector_short" if kind == "short" else "detector_full")
    canvas, s, ox, oy = _letterbox(rgb, size)
    x = canvas.astype(np.float32)[None] / 127.5 - 1.0
    raw, logits = model.run(x)
    if raw.shape[-1] != 16:
        raw, logits = logits, raw
    raw, logits = raw[0], logits[0, :, 0]
    scores = 1 / (1 + np.exp(-np.clip(logits.astype(np.float64), -100, 100)))
    keep = scores >= (default_score if min_score is None else min_score)
    if not keep.any():
        return []
    anchors = _anchors(kind)[keep]
    r = raw[keep] / size
    cx, cy = r[:, 0] + anchors[:, 0], r[:, 1] + anchors[:, 1]
    w, h = r[:, 2], r[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
    kps = r[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]
    found = []
    for box, score, kp in _weighted_nms(boxes, scores[keep], kps):
        # model square -> photo pixels
        px = (box * size - [ox, oy, ox, oy]) / s
        pk = (kp * size - [ox, oy]) / s
        H, W = rgb.shape[:2]
        px = np.clip(px, [0, 0, 0, 0], [W, H, W, H])
        if px[2] - px[0] < 4 or px[3] - px[1] < 4:
            continue
        found.append(Detection(tuple(float(v) for v in px), score, pk.astype(np.float32),
                               f"blazeface-{kind}"))
    return found


def haar(rgb: np.ndarray, min_size: int = 24) -> list[Detection]:
    """Faces found by OpenCV's frontal Haar cascade (no keypoints; score 1)."""
    from affectlab.face.backends import haar_cascade

    gray = rgb.mean(2).astype(np.uint8)
    boxes = haar_cascade().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5,
                                            minSize=(min_size, min_size))
    return [Detection((float(x), float(y), float(x + w), float(y + h)), 1.0, None, "haar")
            for x, y, w, h in (boxes if len(boxes) else [])]


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _covered(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Share of the smaller box that lies inside the other."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return iw * ih / small if small > 0 else 0.0


def _merge(found: list[Detection], iou: float = 0.3) -> list[Detection]:
    """One box per face: the best-scored of overlapping ones (or of one inside another)."""
    kept: list[Detection] = []
    for d in sorted(found, key=lambda d: -d.score):
        if all(_iou(d.box, k.box) <= iou and _covered(d.box, k.box) <= 0.6 for k in kept):
            kept.append(d)
    return kept


def _tiles(rgb: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
    """The whole photo, plus overlapping tiles when it is large enough for faces too small to
    see at the models' 128/192-pixel input (a group photo, a crowd)."""
    h, w = rgb.shape[:2]
    out = [(0, 0, rgb)]
    n = min(4, int(np.ceil(max(h, w) / 480))) if max(h, w) >= 480 else 1
    if n == 1:
        return out
    th, tw = int(h / n * 1.4), int(w / n * 1.4)
    for i in range(n):
        for j in range(n):
            y0 = min(max(0, int(i * h / n - (th - h / n) / 2)), h - th)
            x0 = min(max(0, int(j * w / n - (tw - w / n) / 2)), w - tw)
            out.append((x0, y0, rgb[y0:y0 + th, x0:x0 + tw]))
    return out


def detect_faces(rgb: np.ndarray, detector: str = "auto", min_score: float | None = None,
                 max_faces: int | None = None) -> list[Detection]:
    """Faces in an RGB photo, largest first. `auto`: the short-range model (faces within about
    2 m) and the full-range one, on the photo and on overlapping tiles of a large one, the
    overlapping boxes kept once (the higher score); `whole`: the image is one face crop."""
    if detector not in DETECTORS:
        raise UnknownNameError("detector", detector, DETECTORS)
    h, w = rgb.shape[:2]
    if detector == "whole":
        found = [Detection((0.0, 0.0, float(w), float(h)), 1.0, None, "whole")]
    elif detector == "haar":
        found = haar(rgb)
    elif detector == "auto":
        found = []
        for x0, y0, tile in _tiles(rgb):
            for kind in ("short", "full"):
                for d in blazeface(tile, kind, min_score):
                    d.box = (d.box[0] + x0, d.box[1] + y0, d.box[2] + x0, d.box[3] + y0)
                    d.keypoints = d.keypoints + np.float32([x0, y0])
                    found.append(d)
        found = _merge(found)
    else:
        found = blazeface(rgb, detector, min_score)
    found.sort(key=lambda d: -d.width * d.height)
    return found[:max_faces] if max_faces else found
