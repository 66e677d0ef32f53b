"""Reading photos: every awkward input becomes an upright RGB array or a clear ImageError."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from affectlab.core.errors import InputError, MediaError
from affectlab.face.image import MIN_SIDE, ImageError, image_files, read_photo


def _save(tmp_path, name, im, **kw):
    path = tmp_path / name
    im.save(path, **kw)
    return path


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is text, not a photo")
    with pytest.raises(ImageError) as err:
        read_photo(path)
    assert err.value.reason == "not-image" and "notes.jpg" in str(err.value)
    assert isinstance(err.value, MediaError) and isinstance(err.value, InputError)


def test_truncated_jpeg(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8)).save(
        buf, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageError) as err:
        read_photo(path)
    assert err.value.reason in ("truncated", "not-image")


@pytest.mark.parametrize("size", [(1, 1), (MIN_SIDE - 1, 400)])
def test_too_small(tmp_path, size):
    path = _save(tmp_path, "tiny.png", Image.new("RGB", size))
    with pytest.raises(ImageError) as err:
        read_photo(path)
    assert err.value.reason == "too-small"


def test_huge_image_is_downscaled_within_bounds(tmp_path):
    path = _save(tmp_path, "huge.jpg", Image.new("L", (10_000, 10_000), 128), quality=50)
    photo = read_photo(path)
    assert max(photo.rgb.shape[:2]) <= 1920
    assert photo.original_size == (10_000, 10_000) and "downscaled" in photo.flags
    assert photo.scale == pytest.approx(photo.rgb.shape[1] / 10_000)


@pytest.mark.parametrize("mode", ["L", "RGBA", "CMYK", "P", "I;16", "LA"])
def test_every_colour_mode_becomes_rgb(tmp_path, mode):
    im = Image.new("RGB", (64, 48), (200, 30, 10)).convert(mode)
    ext = "jpg" if mode == "CMYK" else "png"
    if mode == "LA":
        ext = "png"
    photo = read_photo(_save(tmp_path, f"img.{ext}", im))
    assert photo.rgb.shape == (48, 64, 3) and photo.rgb.dtype == np.uint8


def test_transparent_pixels_become_white(tmp_path):
    im = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    assert (read_photo(_save(tmp_path, "clear.png", im)).rgb == 255).all()


def test_exif_rotation_is_applied(tmp_path):
    im = Image.new("RGB", (80, 40), (10, 10, 10))
    im.paste((250, 250, 250), (0, 0, 40, 40))  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    photo = read_photo(_save(tmp_path, "turned.jpg", im, exif=exif.tobytes()))
    assert photo.rgb.shape[:2] == (80, 40)  # portrait once upright
    assert photo.rgb[:30].mean() > 200 and photo.rgb[50:].mean() < 60  # white half on top


def test_arrays_and_pil_images(tmp_path):
    a = np.zeros((50, 60), np.uint8)
    assert read_photo(a).rgb.shape == (50, 60, 3)
    assert read_photo(np.zeros((50, 60, 4), np.uint8)).rgb.shape == (50, 60, 3)
    assert read_photo(np.ones((50, 60, 3), np.float32)).rgb.max() == 255
    assert read_photo(Image.new("L", (30, 30))).rgb.shape == (30, 30, 3)
    with pytest.raises(ImageError):
        read_photo(np.zeros((5, 5, 5, 5)))


def test_missing_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_photo(tmp_path / "nope.jpg")
    with pytest.raises(ImageError) as err:
        read_photo(tmp_path)
    assert err.value.reason == "not-a-file"


def test_image_files_lists_images_only(tmp_path):
    _save(tmp_path, "a.png", Image.new("RGB", (30, 30)))
    (tmp_path / "sub").mkdir()
    _save(tmp_path / "sub", "b.JPG", Image.new("RGB", (30, 30)))
    (tmp_path / "c.txt").write_text("x")
    assert [p.name for p in image_files(tmp_path)] == ["a.png", "b.JPG"]
