"""Finding the data: AFFECTLAB_DATA, the sibling ../shared/data, and clear errors when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from affectlab import datasets
from affectlab.datasets import DatasetNotFoundError, _paths


def test_env_var_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFFECTLAB_DATA", str(tmp_path))
    assert datasets.data_dir() == tmp_path.resolve()


def test_env_var_pointing_nowhere_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFFECTLAB_DATA", str(tmp_path / "missing"))
    with pytest.raises(DatasetNotFoundError, match="AFFECTLAB_DATA"):
        datasets.data_dir()


def test_missing_corpus_message_says_where_and_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFFECTLAB_DATA", str(tmp_path))
    with pytest.raises(DatasetNotFoundError) as excinfo:
        datasets.load("goemotions")
    message = str(excinfo.value)
    assert isinstance(excinfo.value, FileNotFoundError)
    assert str(tmp_path / "goemotions") in message
    assert "AFFECTLAB_DATA" in message
    assert "google-research-datasets/go_emotions" in message  # public source for network users


def test_no_data_anywhere_lists_the_places_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AFFECTLAB_DATA", raising=False)
    nowhere = tmp_path / "shared" / "data"
    monkeypatch.setattr(_paths, "candidate_dirs", lambda: [nowhere])
    with pytest.raises(DatasetNotFoundError) as excinfo:
        datasets.load("meld")
    message = str(excinfo.value)
    assert str(nowhere) in message
    assert "AFFECTLAB_DATA" in message
    assert "github.com/declare-lab/MELD" in message


def test_sibling_of_working_directory_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AFFECTLAB_DATA", raising=False)
    data = tmp_path / "shared" / "data"
    data.mkdir(parents=True)
    (tmp_path / "checkout" / "sub").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "checkout" / "sub")
    monkeypatch.setattr(_paths, "_repo_root", lambda: None)
    assert data.resolve() in _paths.candidate_dirs()
    assert datasets.data_dir() == data.resolve()


def test_repo_root_sibling_comes_first() -> None:
    root = _paths._repo_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    assert _paths.candidate_dirs()[0] == root.parent / "shared" / "data"


def test_path_override_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match="not a folder"):
        datasets.load("isear", path=tmp_path / "nope")


def test_missing_file_in_corpus_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "train.tsv").write_text("hi\t27\tx1\n", encoding="utf-8")
    with pytest.raises(DatasetNotFoundError, match="dev.tsv"):
        datasets.load("goemotions", path=tmp_path)


def test_cache_dir_honours_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFFECTLAB_CACHE", str(tmp_path))
    assert datasets.cache_dir() == tmp_path
