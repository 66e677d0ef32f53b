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
