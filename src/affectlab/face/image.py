"""Reading photos for face analysis: any PIL-readable file or array to RGB uint8, upright.

EXIF rotation is applied; grayscale, RGBA, palette, 16-bit and CMYK become RGB; a huge image is
decoded at reduced size (JPEG draft mode, then a thumbnail), so memory stays bounded. A file that
is not an image, is truncated, or is too small gives an `ImageError` with a `reason` (the
record's status), never a traceback.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.errors import MediaError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp",
                            ".pgm", ".ppm", ".jfif"})
MAX_SIDE = 1920  # larger photos are downscaled before detection (faces stay findable)
MIN_SIDE = 24  # below this no face can be found, let alone landmarks
MAX_PIXELS = 178_000_000  # refuse beyond this before decoding (decompression bombs)


class ImageError(MediaError):
    """An input that cannot be analysed as a photo; `reason` is a short code."""

    def __init__(self, message: str, reason: str = "not-image") -> None:
        super().__init__(message, reason)


@dataclass
class Photo:
    """An upright RGB uint8 image, its source, the scale applied to it and what was noticed."""

    rgb: np.ndarray
    source: str | None = None
    scale: float = 1.0  # analysed size / original size
    original_size: tuple[int, int] | None = None  # (width, height)
    flags: list[str] = field(default_factory=list)

    @property
    def gray(self) -> np.ndarray:
        r, g, b = (self.rgb[..., i].astype(np.float32) for i in range(3))
        return np.clip(0.299 * r + 0.587 * g + 0.114 * b, 0, 255).astype(np.uint8)


def _to_rgb(im: Any) -> Any:
    from PIL import Image

    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        back = Image.new("RGBA", im.size, (255, 255, 255, 255))  # transparent -> white
        return Image.alpha_composite(back, im).convert("RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(im, dtype=np.float64)
        top = a.max() if a.size and a.max() > 0 else 1.0
        return Image.fromarray((a / top * 255).astype(np.uint8)).convert("RGB")
    return im.convert("RGB")


def read_photo(image: str | os.PathLike[str] | np.ndarray | Any, *,
               max_side: int = MAX_SIDE) -> Photo:
    """A file path, a PIL image or an array (HxW, HxWx3 RGB, HxWx4 RGBA) as an upright Photo."""
    from PIL import Image, ImageFile, ImageOps

    if isinstance(image, np.ndarray):
        return _from_array(image, max_side)
    if isinstance(image, Image.Image):
        return _finish(_to_rgb(ImageOps.exif_transpose(image)), None, max_side, [])
    p = Path(image)
    if not p.exists():
        raise FileNotFoundError(f"no such image file: {p}")
    if p.is_dir():
        raise ImageError(f"{p} is a directory; give an image file", "not-a-file")
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    flags: list[str] = []
    try:
        with warnings.catch_warnings():
            # affectlab checks the size itself (MAX_PIXELS) and decodes big JPEGs reduced
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(p) as im:
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise ImageError(f"{p}: {w}x{h} pixels is more than affectlab decodes "
                                     f"({MAX_PIXELS:,})", "too-large")
                if max(w, h) > max_side:
                    im.draft("RGB", (max_side, max_side))  # JPEG: decode at 1/2, 1/4, 1/8
                    flags.append("downscaled")
                im.load()
                rgb = _to_rgb(ImageOps.exif_transpose(im))
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageError(f"{p}: too many pixels to decode safely ({exc})", "too-large") from exc
    except OSError as exc:
        reason = "truncated" if "truncated" in str(exc).lower() else "not-image"
        what = "a truncated image" if reason == "truncated" else "not a readable image"
        raise ImageError(f"{p}: {what} ({_short(exc)})", reason) from exc
    except (ValueError, SyntaxError, Image.UnidentifiedImageError) as exc:
        raise ImageError(f"{p}: not a readable image ({_short(exc)})", "not-image") from exc
    photo = _finish(rgb, str(p), max_side, flags)
    photo.original_size = (w, h)
    photo.scale = photo.rgb.shape[1] / w
    return photo


def _from_array(a: np.ndarray, max_side: int) -> Photo:
    from PIL import Image

    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4):
        raise ImageError(f"an image array must be HxW, HxWx3 or HxWx4; got shape {a.shape}",
                         "not-image")
    if a.dtype != np.uint8:
        if np.issubdtype(a.dtype, np.floating) and a.size and float(np.nanmax(a)) <= 1.0:
            a = a * 255
        a = np.clip(np.nan_to_num(a), 0, 255).astype(np.uint8)
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    im = Image.fromarray(a, "RGBA" if a.shape[2] == 4 else "RGB")
    photo = _finish(_to_rgb(im), None, max_side, [])
    photo.original_size = (a.shape[1], a.shape[0])
    photo.scale = photo.rgb.shape[1] / a.shape[1]
    return photo


def _finish(im: Any, source: str | None, max_side: int, flags: list[str]) -> Photo:
    from PIL import Image

    w, h = im.size
    if min(w, h) < MIN_SIDE:
        where = f"{source}: " if source else ""
        raise ImageError(f"{where}{w}x{h} pixels is too small to find a face in (at least "
                         f"{MIN_SIDE}x{MIN_SIDE})", "too-small")
    if max(w, h) > max_side:
        im = im.copy()
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        if "downscaled" not in flags:
            flags.append("downscaled")
    return Photo(np.asarray(im, dtype=np.uint8).copy(), source, 1.0, (w, h), flags)


def image_files(path: str | os.PathLike[str], *, recursive: bool = True) -> list[Path]:
    """The image files under a directory (sorted), or the one file given."""
    from affectlab.core.files import files_under

    return files_under(path, IMAGE_SUFFIXES, recursive=recursive)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


__all__ = ["IMAGE_SUFFIXES", "MAX_SIDE", "MIN_SIDE", "ImageError", "Photo", "image_files",
           "read_photo"]
