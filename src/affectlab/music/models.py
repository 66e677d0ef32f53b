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
from typing import TYPE_CHECKING, Any

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


#: Where each part's class lives (imported on first use).
_CLASSES = {"static": "affectlab.music.static:StaticMusicEmotion",
            "dynamic": "affectlab.music.dynamic:DynamicMusicEmotion",
            "generator": "affectlab.music.generator:MusicGenerator",
            "prototypes": "affectlab.music.prototypes:EmotionPrototypes"}


def load_static(folder: str | os.PathLike[str] | None = None) -> StaticMusicEmotion:
    """The static (whole-piece) V/A model of a music model folder (default: shipped)."""
    return _load_part(_key(folder), "static")


def load_dynamic(folder: str | os.PathLike[str] | None = None) -> DynamicMusicEmotion:
    """The per-bar V/A model of a music model folder (default: shipped)."""
    return _load_part(_key(folder), "dynamic")


def load_generator(folder: str | os.PathLike[str] | None = None) -> MusicGenerator:
    """The attribute-conditioned generator of a music model folder (default: shipped)."""
    return _load_part(_key(folder), "generator")


def load_prototypes(folder: str | os.PathLike[str] | None = None) -> EmotionPrototypes:
    """The emotion -> attributes prototypes of a music model folder (default: shipped)."""
    return _load_part(_key(folder), "prototypes")


@lru_cache(maxsize=16)
def _load_part(folder: str | None, part: str) -> Any:
    """One part, loaded once per process (per folder)."""
    import importlib

    module, _, name = _CLASSES[part].partition(":")
    return getattr(importlib.import_module(module), name).load(part_path(folder, part))


def clear_cache() -> None:
    """Forget the loaded models (after a model folder changed on disk)."""
    _load_part.cache_clear()


__all__ = ["DEFAULT_DIR", "PARTS", "clear_cache", "load_dynamic", "load_generator",
           "load_prototypes", "load_static", "model_dir", "part_path"]
