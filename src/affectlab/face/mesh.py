"""Face landmarks: mediapipe's 468-point face mesh on a rotated square crop around each face,
and, on request, its iris model for 5 more points per eye (478 in all, mediapipe's numbering).

The crop follows mediapipe's recipe: the box scaled 1.5x, squared, turned so the eyes are level.
A second pass re-crops around the first pass's landmarks (mediapipe's tracking step), which
matters when the detector gave no eye keypoints (Haar, a whole-image crop).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from affectlab.face.detect import Detection

MESH_SIZE = 192
IRIS_SIZE = 64
# mesh indices used to place crops
RIGHT_EYE_CORNERS = (33, 133)  # the person's right eye: outer, inner
LEFT_EYE_CORNERS = (362, 263)  # inner, outer


@dataclass
class Landmarks:
    """(n, 3) points in photo pixels (z in the same scale, smaller = nearer the camera) and the
    mesh's face-presence probability."""

    points: np.ndarray
    presence: float


def _crop_matrix(centre: np.ndarray, size: float, angle: float, out: int) -> np.ndarray:
    """2x3 affine taking photo pixels to crop pixels (crop of `size` px turned by `angle`)."""
    c, s = np.cos(angle), np.sin(angle)
    k = out / size
    rot = np.array([[c, s], [-s, c]]) * k  # undo the rotation, then scale
    shift = np.array([out / 2, out / 2]) - rot @ centre
    return np.hstack([rot, shift[:, None]])


def _warp(rgb: np.ndarray, m: np.ndarray, out: int) -> np.ndarray:
    import cv2

    return cv2.warpAffine(rgb, m, (out, out), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def _to_photo(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Crop points (x, y, z) back to photo pixels; z scaled like x and y."""
    a, t = m[:, :2], m[:, 2]
    inv = np.linalg.inv(a)
    xy = (points[:, :2] - t) @ inv.T
    z = points[:, 2:3] / np.sqrt(abs(np.linalg.det(a)))
    return np.hstack([xy, z]).astype(np.float32)


def _run_mesh(rgb: np.ndarray, centre: np.ndarray, size: float, angle: float) -> Landmarks:
    from affectlab.face.backends import tflite

    model = tflite("mesh")
    m = _crop_matrix(centre, size, angle, MESH_SIZE)
    crop = _warp(rgb, m, MESH_SIZE).astype(np.float32)[None] / 255.0
    outs = model.run(crop)
    pts = model.output("conv2d_21", outs).reshape(-1, 3)
    flag = float(model.output("conv2d_31", outs).ravel()[0])
    return Landmarks(_to_photo(pts, m), float(1 / (1 + np.exp(-np.clip(flag, -50, 50)))))


def _roi_from_points(points: np.ndarray) -> tuple[np.ndarray, float, float]:
    r, l_ = points[RIGHT_EYE_CORNERS[0], :2], points[LEFT_EYE_CORNERS[1], :2]
    angle = float(np.arctan2(l_[1] - r[1], l_[0] - r[0]))
    c, s = np.cos(angle), np.sin(angle)
    local = (points[:, :2] - points[:, :2].mean(0)) @ np.array([[c, -s], [s, c]])
    lo, hi = local.min(0), local.max(0)
    mid = (lo + hi) / 2
    centre = points[:, :2].mean(0) + np.array([[c, -s], [s, c]]) @ mid
    return centre, float(max(hi - lo) * 1.5), angle


def face_mesh(rgb: np.ndarray, face: Detection, refine: bool = True) -> Landmarks:
    """468 landmarks of one detected face."""
    x0, y0, x1, y1 = face.box
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    angle = 0.0
    if face.keypoints is not None:
        r, l_ = face.keypoints[0], face.keypoints[1]
        angle = float(np.arctan2(l_[1] - r[1], l_[0] - r[0]))
    scale = 1.2 if face.detector == "whole" else 1.5
    marks = _run_mesh(rgb, centre, max(x1 - x0, y1 - y0) * scale, angle)
    if refine:
        again = _run_mesh(rgb, *_roi_from_points(marks.points))
        if again.presence >= marks.presence * 0.9:
            marks = again
    return marks


def iris(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(10, 3) iris points (centre then 4 on the rim) of the right, then the left eye; the
    model sees a right eye, so the left eye's crop is mirrored and the result mirrored back."""
    from affectlab.face.backends import tflite

    model = tflite("iris")
    out = []
    for corners, mirror in ((RIGHT_EYE_CORNERS, False), (LEFT_EYE_CORNERS, True)):
        a, b = points[corners[0], :2], points[corners[1], :2]
        centre = (a + b) / 2
        angle = float(np.arctan2(b[1] - a[1], b[0] - a[0]))
        if mirror:
            angle = float(np.arctan2(a[1] - b[1], a[0] - b[0]))
        size = float(np.linalg.norm(b - a)) * 2.3
        m = _crop_matrix(centre, size, angle, IRIS_SIZE)
        crop = _warp(rgb, m, IRIS_SIZE)
        if mirror:
            crop = crop[:, ::-1]
        outs = model.run(crop.astype(np.float32)[None] / 255.0)
        iris_pts = next(o for o in outs if o.size == 15).reshape(5, 3).copy()
        if mirror:
            iris_pts[:, 0] = IRIS_SIZE - iris_pts[:, 0]
        out.append(_to_photo(iris_pts, m))
    return np.vstack(out)
