"""Head pose and a pose- and scale-normalised face frame from the 3D face mesh.

The frame: origin between the eyes, x from the person's right eye to the left one, y up the
face (chin to forehead), z out of the face; unit length = the distance between the eye centres.
Yaw, pitch and roll (degrees) are the rotation of that frame relative to the camera: yaw > 0
when the face turns towards the image's right, pitch > 0 when it tilts up, roll > 0 when it
leans clockwise in the image.
"""

from __future__ import annotations

import numpy as np

RIGHT_EYE = (33, 133, 159, 145)  # outer, inner corner, upper, lower lid (person's right eye)
LEFT_EYE = (263, 362, 386, 374)
FOREHEAD, CHIN = 10, 152


def eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return points[list(RIGHT_EYE)].mean(0), points[list(LEFT_EYE)].mean(0)


def face_axes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(3, 3) rotation whose rows are the face's x, y, z axes in camera coordinates
    (x right, y up, z towards the viewer), the origin, and the unit length."""
    p = points.astype(np.float64) * np.array([1.0, -1.0, -1.0])  # image y down, mesh z away
    r, l_ = eye_centres(p)
    x = l_ - r
    unit = float(np.linalg.norm(x))
    x /= max(unit, 1e-9)
    y = p[FOREHEAD] - p[CHIN]
    y -= x * (y @ x)
    y /= max(float(np.linalg.norm(y)), 1e-9)
    z = np.cross(x, y)
    return np.stack([x, y, z]), (r + l_) / 2, max(unit, 1e-9)


def head_pose(points: np.ndarray) -> dict[str, float]:
    """Yaw, pitch and roll in degrees from 468 (or 478) mesh points."""
    axes, _, _ = face_axes(points)
    x, _y, z = axes
    yaw = np.degrees(np.arctan2(z[0], z[2]))
    pitch = np.degrees(np.arctan2(z[1], np.hypot(z[0], z[2])))
    roll = np.degrees(np.arctan2(-x[1], x[0]))
    return {"yaw": float(yaw), "pitch": float(pitch), "roll": float(roll)}


def normalise(points: np.ndarray) -> np.ndarray:
    """(n, 3) points in the face frame: frontal, level, eye distance 1, y up."""
    axes, origin, unit = face_axes(points)
    p = points.astype(np.float64) * np.array([1.0, -1.0, -1.0])
    return ((p - origin) @ axes.T) / unit
