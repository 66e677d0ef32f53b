"""Face crops framed like the FER2013 and CK+ training images, from the face mesh.

Measured on the corpora's own meshes (FER2013 dev, CK+): the image side is 2.73 eye distances
and its centre lies 0.33 eye distances below the midpoint of the eyes (CK+: 2.69 and 0.29).
Crops here use that framing, turned so the eyes are level, so a photo's face reaches the
expression model the way its training faces did.
"""

from __future__ import annotations

import numpy as np

from affectlab.face.geometry import eye_centres

SIDE = 2.73  # crop side / eye distance
DROP = 0.33  # crop centre below the eye midpoint / eye distance


def aligned_crop(rgb: np.ndarray, points: np.ndarray, size: int = 48) -> np.ndarray:
    """(size, size) uint8 grayscale crop of one face, FER2013-framed, eyes level."""
    import cv2

    r, l_ = (c[:2].astype(np.float64) for c in eye_centres(points))
    eye = l_ - r
    iod = float(np.linalg.norm(eye))
    if iod < 1e-6:
        raise ValueError("the eyes coincide: no face geometry to crop by")
    ux = eye / iod  # face x axis in the image
    uy = np.array([-ux[1], ux[0]])  # face "down" axis in the image (y grows downwards)
    centre = (r + l_) / 2 + DROP * iod * uy
    side = SIDE * iod
    # crop pixel (u, v) -> image point centre + (u/size - 0.5) * side * ux + (v/size - 0.5) ...
    src = np.float32([centre - side / 2 * ux - side / 2 * uy,
                      centre + side / 2 * ux - side / 2 * uy,
                      centre - side / 2 * ux + side / 2 * uy])
    dst = np.float32([[0, 0], [size, 0], [0, size]])
    m = cv2.getAffineTransform(src, dst)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb
    interp = cv2.INTER_AREA if side > 2 * size else cv2.INTER_LINEAR
    if side > 2 * size:  # shrink in two steps: area-average, then warp (no aliasing)
        f = side / (2 * size)
        small = cv2.resize(gray, (max(1, round(gray.shape[1] / f)), max(1, round(gray.shape[0] / f))),
                           interpolation=cv2.INTER_AREA)
        m = cv2.getAffineTransform(src / np.float32(f), dst)
        gray, interp = small, cv2.INTER_LINEAR
    return cv2.warpAffine(gray, m, (size, size), flags=interp, borderMode=cv2.BORDER_REPLICATE)
