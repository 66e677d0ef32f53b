"""Face fixtures: photos of the shared test media read as upright RGB."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def photo(media, face_backends):
    from affectlab.face.image import read_photo

    def read(name: str):
        return read_photo(media / name)

    return read
