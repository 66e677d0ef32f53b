"""Face corpora as arrays: every image of a corpus table read once as 48x48 grayscale, cached.

The cache (an .npy beside a key of the paths and sizes) lives in the affectlab cache folder, so
repeated training and benchmark runs read 36k PNGs once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from affectlab.core.files import atomic_path
from affectlab.core.progress import track


def read_gray(path: str | Path, size: int = 48) -> np.ndarray:
    """One image file as (size, size) uint8 grayscale (area-resized when it is another size)."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("L")
        if im.size != (size, size):
            im = im.resize((size, size), Image.Resampling.BOX)
        return np.asarray(im, dtype=np.uint8)


def gray_faces(paths: Sequence[str], size: int = 48, *, cache: bool = True,
               progress: bool = True) -> np.ndarray:
    """(n, size, size) uint8 for image files, read once and cached by their paths and sizes."""
    key = hashlib.sha256()
    for p in paths:
        st = Path(p).stat()
        key.update(f"{p}\0{st.st_size}\0{size}\n".encode())
    file = None
    if cache:
        from affectlab.datasets import cache_dir

        file = cache_dir() / "faces" / f"gray{size}-{key.hexdigest()[:20]}.npy"
        if file.exists():
            return np.load(file)
    out = np.stack([read_gray(p, size) for p in track(paths, "reading faces", show=progress)])
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(file) as tmp, open(tmp, "wb") as fh:
            np.save(fh, out)
    return out


def corpus_landmarks(paths: Sequence[str], faces: np.ndarray | None = None, *,
                     progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(n, 468, 3) mesh points and (n,) presence for face crops (the whole image is the face),
    cached like `gray_faces`."""
    faces = gray_faces(paths, progress=progress) if faces is None else faces
    return crop_landmarks_cached(faces, progress)


def crop_landmarks(faces: np.ndarray, progress: bool = False) -> np.ndarray:
    """(n, 468, 3) mesh points of (n, h, w) uint8 face crops (not cached)."""
    return crop_landmarks_cached(faces, progress, cache=False)[0]


def crop_landmarks_cached(faces: np.ndarray, progress: bool, cache: bool = True
                          ) -> tuple[np.ndarray, np.ndarray]:
    from affectlab.datasets import cache_dir
    from affectlab.face.detect import Detection
    from affectlab.face.mesh import face_mesh

    key = hashlib.sha256(np.ascontiguousarray(faces).tobytes()).hexdigest()[:20]
    file = cache_dir() / "faces" / f"mesh-{key}.npz"
    if cache and file.exists():
        with np.load(file) as z:
            return z["points"], z["presence"]
    pts = np.zeros((len(faces), 468, 3), np.float32)
    pres = np.zeros(len(faces), np.float32)
    for i, im in enumerate(track(faces, "face landmarks", show=progress)):
        rgb = np.repeat(im[..., None], 3, 2)
        h, w = im.shape
        m = face_mesh(rgb, Detection((0.0, 0.0, float(w), float(h)), 1.0, None, "whole"))
        pts[i], pres[i] = m.points, m.presence
    if not cache:
        return pts, pres
    file.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(file) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, points=pts, presence=pres)
    return pts, pres
