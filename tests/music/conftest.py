import pytest
from _music_models import build


@pytest.fixture(scope="session")
def music_models(tmp_path_factory):
    """A tiny complete music model folder (built once per test session)."""
    return build(tmp_path_factory.mktemp("music_models"))
