"""The shipped music models (trained by `benchmarks/music_train.py`, see the model card).

A music model folder holds one saved model per part, each a folder with its own
`affectlab.json`: `static/`, `dynamic/`, `generator/` and `prototypes/`. Folders written by older
affectlab (`static.json` and `prototypes.json` as single files, `dynamic/config.json`,
`generator/generator.json`) load as well.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from affectlab.core.errors import ModelNotFoundError

if TYPE_CHECKING:
    from affectlab.music.dynamic import DynamicMusicEmotion
    from affectlab.music.generator import MusicGenerator
    from affectlab.music.prototypes import EmotionPrototypes
    from affectlab.music.static import StaticMusicEmotion

DEFAULT_DIR = Path(__file__).parent / "default_model"
#: The parts of a music model folder (each a saved model folder of its own).
PARTS = ("static", "dynamic", "generator", "prototypes")


def model_dir(folder: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding static/, dynamic/, generator/ and prototypes/ (default: shipped)."""
    path = Path(folder) if folder else DEFAULT_DIR
    if not path.is_dir():
        raise ModelNotFoundError(f"music model folder {path} does not exist; train one with "
                                 "`python benchmarks/music_train.py --out DIR`")
    return path


def part_path(folder: str | os.PathLike[str] | None, part: str) -> Path:
    """Where one part of a music model folder is saved: `<folder>/<part>/`, or the single file
    `<folder>/<part>.json` an older affectlab wrote for the static model and the prototypes."""
    if part not in PARTS:
        from affectlab.core.errors import UnknownNameError

        raise UnknownNameError("music model part", part, PARTS)
    base = model_dir(folder)
    legacy = base / f"{part}.json"
    return legacy if not (base / part).is_dir() and legacy.is_file() else base / part


def _key(folder: str | os.PathLike[str] | None) -> str | None:
    return None if folder is None else os.fspath(folder)


def load_static(folder: str | os.PathLike[str] | None = None) -> StaticMusicEmotion:
    """The static (whole-piece) V/A model of a music model folder (default: shipped)."""
    return _load_static(_key(folder))


def load_dynamic(folder: str | os.PathLike[str] | None = None) -> DynamicMusicEmotion:
    """The per-bar V/A model of a music model folder (default: shipped)."""
    return _load_dynamic(_key(folder))


def load_generator(folder: str | os.PathLike[str] | None = None) -> MusicGenerator:
    """The attribute-conditioned generator of a music model folder (default: shipped)."""
    return _load_generator(_key(folder))


def load_prototypes(folder: str | os.PathLike[str] | None = None) -> EmotionPrototypes:
    """The emotion -> attributes prototypes of a music model folder (default: shipped)."""
    return _load_prototypes(_key(folder))


@lru_cache(maxsize=4)
def _load_static(folder: str | None) -> StaticMusicEmotion:
    from affectlab.music.static import StaticMusicEmotion

    return StaticMusicEmotion.load(part_path(folder, "static"))


@lru_cache(maxsize=4)
def _load_dynamic(folder: str | None) -> DynamicMusicEmotion:
    from affectlab.music.dynamic import DynamicMusicEmotion

    return DynamicMusicEmotion.load(part_path(folder, "dynamic"))


@lru_cache(maxsize=2)
def _load_generator(folder: str | None) -> MusicGenerator:
    from affectlab.music.generator import MusicGenerator

    return MusicGenerator.load(part_path(folder, "generator"))


@lru_cache(maxsize=4)
def _load_prototypes(folder: str | None) -> EmotionPrototypes:
    from affectlab.music.prototypes import EmotionPrototypes

    return EmotionPrototypes.load(part_path(folder, "prototypes"))


def clear_cache() -> None:
    """Forget the loaded models (after a model folder changed on disk)."""
    for fn in (_load_static, _load_dynamic, _load_generator, _load_prototypes):
        fn.cache_clear()


__all__ = ["DEFAULT_DIR", "PARTS", "clear_cache", "load_dynamic", "load_generator",
           "load_prototypes", "load_static", "model_dir", "part_path"]
