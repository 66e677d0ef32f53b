"""Shared fixtures: where the shared corpora live, and a skip when they are absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """AFFECTLAB_DATA, else the sibling ../shared/data of the checkout; None when absent."""
    env = os.environ.get("AFFECTLAB_DATA")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip("shared corpora not found: set AFFECTLAB_DATA or place them at ../shared/data")
    return path
