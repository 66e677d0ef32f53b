"""Where corpora live: `AFFECTLAB_DATA`, else the sibling `../shared/data` of the checkout."""

from __future__ import annotations

import os
from pathlib import Path

from affectlab.datasets.errors import DatasetNotFoundError
from affectlab.datasets.registry import info

ENV_VAR = "AFFECTLAB_DATA"
CACHE_ENV_VAR = "AFFECTLAB_CACHE"


def _repo_root() -> Path | None:
    """The folder holding pyproject.toml above this file (editable installs), if any."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    return None


def candidate_dirs() -> list[Path]:
    """Every place `data_dir()` looks when `AFFECTLAB_DATA` is not set, in order."""
    candidates: list[Path] = []
    root = _repo_root()
    if root is not None:
        candidates.append(root.parent / "shared" / "data")
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        candidates.append(folder.parent / "shared" / "data")
    return list(dict.fromkeys(candidates))  # keep order, drop repeats


def data_dir() -> Path:
    """Root folder of the shared corpora; raises DatasetNotFoundError saying where it looked."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if path.is_dir():
            return path.resolve()
        raise DatasetNotFoundError(
            f"{ENV_VAR} is set to {env!r}, which is not a folder. Point it at the folder that "
            "holds one sub-folder per corpus (e.g. goemotions/, meld/)."
        )
    candidates = candidate_dirs()
    for path in candidates:
        if path.is_dir():
            return path
    looked = "\n  ".join(str(p) for p in candidates)
    raise DatasetNotFoundError(
        f"no corpus folder found. Looked in:\n  {looked}\n"
        f"Set {ENV_VAR}=/path/to/data (one sub-folder per corpus), or pass path= to the loader."
    )


def corpus_dir(name: str, path: str | os.PathLike[str] | None = None) -> Path:
    """Folder of one corpus: `path` if given, else `data_dir()/<folder>`; errors name the source."""
    entry = info(name)
    source = f"Public source (needs network access): {entry.public_source}."
    if path is not None:
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise DatasetNotFoundError(
                f"corpus {entry.name!r}: path={str(path)!r} is not a folder. {source}"
            )
        return folder.resolve()
    try:
        root = data_dir()
    except DatasetNotFoundError as err:
        raise DatasetNotFoundError(
            f"corpus {entry.name!r} not found: {err.message}\n{source}"
        ) from None
    folder = root / entry.folder
    if not folder.is_dir():
        raise DatasetNotFoundError(
            f"corpus {entry.name!r} not found: expected folder {folder} (under {root}, found via "
            f"{ENV_VAR if os.environ.get(ENV_VAR) else 'the sibling ../shared/data'}). "
            f"Download it there, set {ENV_VAR}, or pass path=. {source}"
        )
    return folder


def require_file(folder: Path, relative: str, name: str) -> Path:
    """`folder/relative`, or a DatasetNotFoundError naming the missing file and the corpus."""
    target = folder / relative
    if not target.exists():
        raise DatasetNotFoundError(
            f"corpus {name!r}: expected file {target} is missing. "
            f"Public source: {info(name).public_source}."
        )
    return target


def cache_dir() -> Path:
    """Writable cache for derived files (e.g. extracted MIDI phrases): `core.files.cache_root`."""
    from affectlab.core.files import cache_root

    return cache_root()
