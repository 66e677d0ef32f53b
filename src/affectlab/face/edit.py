"""Drawing a plan on a photo: the face's landmarks moved by the plan (global first, then each
unit in its own region) and the image warped piecewise-affinely to follow them. Pixels outside
the face (beyond a fixed ring around the landmarks) are copied unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.errors import InputError

RING = 1.25  # fixed points on the landmark hull scaled by this much about the face centre


class EditError(InputError):
    """A photo the editor cannot use (no face, several faces without a choice, too small)."""


@dataclass
class Edit:
    """An edited photo, the points before and after, the face region and the plan used."""

    rgb: np.ndarray
    before: np.ndarray
    after: np.ndarray
    region: np.ndarray  # (h, w) bool: pixels the warp may change
    plan: Any


def _ring(points: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    import cv2

    hull = cv2.convexHull(points[:, :2].astype(np.float32)).reshape(-1, 2)
    centre = points[:, :2].mean(0)
    ring = centre + (hull - centre) * RING
    h, w = shape[:2]
    corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1],
                        [w / 2, 0], [w / 2, h - 1], [0, h / 2], [w - 1, h / 2]], np.float64)
    return np.vstack([ring, corners])


def face_region(points: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(h, w) bool: inside the fixed ring around the face (where an edit may change pixels)."""
    import cv2

    mask = np.zeros(shape[:2], np.uint8)
    hull = cv2.convexHull(points[:, :2].astype(np.float32)).reshape(-1, 2)
    centre = points[:, :2].mean(0)
    cv2.fillConvexPoly(mask, np.round(centre + (hull - centre) * RING).astype(np.int32), 1)
    return mask.astype(bool)


def warp(rgb: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Piecewise-affine warp moving `src` points to `dst` (Delaunay triangles of `src`)."""
    import cv2
    from scipy.spatial import Delaunay

    out = rgb.copy()
    tri = Delaunay(src)
    h, w = rgb.shape[:2]
    for simplex in tri.simplices:
        s, d = src[simplex].astype(np.float32), dst[simplex].astype(np.float32)
        if np.allclose(s, d, atol=1e-3):
            continue  # a triangle that does not move keeps its pixels
        x0, y0 = np.floor(np.maximum(d.min(0), 0)).astype(int)
        x1, y1 = np.ceil(np.minimum(d.max(0), [w - 1, h - 1])).astype(int)
        if x1 <= x0 or y1 <= y0:
            continue
        m = cv2.getAffineTransform(s, d - np.float32([x0, y0]))
        patch = cv2.warpAffine(rgb, m, (x1 - x0 + 1, y1 - y0 + 1), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT)
        mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
        cv2.fillConvexPoly(mask, np.round(d - [x0, y0]).astype(np.int32), 1, cv2.LINE_AA)
        sel = mask.astype(bool)
        out[y0:y1 + 1, x0:x1 + 1][sel] = patch[sel]
    return out


def moved_points(points: np.ndarray, plan: Any, level: float,
                 exaggeration: float = 1.0) -> np.ndarray:
    """The 468 points after drawing `plan` at `level` (0-1); `exaggeration` > 1 draws a
    caricature, farther than real faces move (see motion.json's corpus_reach)."""
    from affectlab.face.motion import displacement, from_frame
    from affectlab.face.plan import anchor

    units = {u: a * (level / plan.intensity if plan.intensity > 0 else 0.0)
             for u, a in plan.units.items()}
    emotion = anchor(plan.path) if plan.path else None
    delta = exaggeration * displacement(units, emotion, level)
    out = points[:, :2].astype(np.float64) + from_frame(delta, points)
    return out


def edit_face(image: str | os.PathLike[str] | np.ndarray, emotion: str | None = None, *,
              intensity: float = 1.0, text: str | None = None, face: int | None = None,
              plan: Any = None, exaggeration: float = 1.0) -> Edit:
    """The photo with its face moved towards `emotion` (or a text's emotions) at `intensity`."""
    from affectlab.face.detect import detect_faces
    from affectlab.face.image import read_photo
    from affectlab.face.mesh import face_mesh
    from affectlab.face.plan import plan as make_plan

    if not 0.0 <= intensity <= 1.0:
        raise ValueError(f"intensity must lie in [0, 1], got {intensity}")
    if not 0.0 < exaggeration <= 4.0:
        raise ValueError(f"exaggeration must lie in (0, 4], got {exaggeration}")
    p = plan if plan is not None else make_plan(emotion, text=text, intensity=1.0)
    photo = read_photo(image)
    found = detect_faces(photo.rgb)
    if not found:
        raise EditError("no face found in the photo", "no_face")
    if len(found) > 1 and face is None:
        raise EditError(f"the photo holds {len(found)} faces: choose one with --face N "
                        f"(0 = the largest)", "several_faces")
    k = face or 0
    if not 0 <= k < len(found):
        raise EditError(f"--face {k}: the photo holds {len(found)} face(s)", "no_such_face")
    det = found[k]
    if min(det.width, det.height) < 40:
        raise EditError(f"the face is {det.width:.0f}x{det.height:.0f} pixels: too small to "
                        "move its landmarks (at least 40)", "too-small")
    points = face_mesh(photo.rgb, det).points
    return _draw(photo.rgb, points, p, intensity, exaggeration)


def _draw(rgb: np.ndarray, points: np.ndarray, plan: Any, level: float,
          exaggeration: float = 1.0) -> Edit:
    after = moved_points(points, plan, level, exaggeration)
    ring = _ring(points, rgb.shape)
    src = np.vstack([points[:, :2], ring])
    dst = np.vstack([after, ring])
    out = warp(rgb, src, dst)
    region = face_region(points, rgb.shape)
    out[~region] = rgb[~region]  # anti-aliased triangle edges may not spill past the ring
    return Edit(out, points[:, :2].copy(), after, region, plan)


def animate(image: str | os.PathLike[str] | np.ndarray, emotion: str | None = None, *,
            frames: int = 12, intensity: float = 1.0, text: str | None = None,
            face: int | None = None, exaggeration: float = 1.0) -> list[np.ndarray]:
    """Frames from neutral (0) to `intensity`, one landmark fit, one plan."""
    first = edit_face(image, emotion, intensity=0.0, text=text, face=face,
                      exaggeration=exaggeration)
    from affectlab.face.image import read_photo

    rgb = read_photo(image).rgb
    points = np.hstack([first.before, np.zeros((len(first.before), 1))])
    return [_draw(rgb, points, first.plan, intensity * t / max(frames - 1, 1), exaggeration).rgb
            for t in range(frames)]


def save_animation(frames: Sequence[np.ndarray], path: str | os.PathLike[str],
                   fps: int = 12) -> Path:
    """Frames as a GIF (PIL) or an MP4 (OpenCV), written atomically."""
    from affectlab.core.files import atomic_path

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    with atomic_path(out) as tmp:
        if suffix == ".gif":
            from PIL import Image

            ims = [Image.fromarray(f) for f in frames]
            ims[0].save(tmp, format="GIF", save_all=True, append_images=ims[1:],
                        duration=int(1000 / fps), loop=0)
        elif suffix == ".mp4":
            import cv2

            h, w = frames[0].shape[:2]
            tmp_mp4 = Path(str(tmp) + ".mp4")
            writer = cv2.VideoWriter(str(tmp_mp4), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
            for f in frames:
                writer.write(f[:, :, ::-1])
            writer.release()
            tmp_mp4.replace(tmp)
        else:
            raise ValueError(f"animations are .gif or .mp4, not {suffix!r}")
    return out
