"""The shipped music models (trained by `benchmarks/music_train.py`, see the model card)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

DEFAULT_DIR = Path(__file__).parent / "default_model"


def model_dir(folder: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding static.json, dynamic/, generator/ and prototypes.json."""
    path = Path(folder) if folder else DEFAULT_DIR
    if not path.is_dir():
        raise FileNotFoundError(f"music model folder {path} does not exist; train one with "
                                "`python benchmarks/music_train.py --out DIR`")
    return path


@lru_cache(maxsize=4)
def load_static(folder: str | None = None):  # -> StaticMusicEmotion
    from affectlab.music.static import StaticMusicEmotion

    return StaticMusicEmotion.load(model_dir(folder) / "static.json")


@lru_cache(maxsize=4)
def load_dynamic(folder: str | None = None):  # -> DynamicMusicEmotion
    from affectlab.music.dynamic import DynamicMusicEmotion

    return DynamicMusicEmotion.load(model_dir(folder) / "dynamic")


@lru_cache(maxsize=2)
def load_generator(folder: str | None = None):  # -> MusicGenerator
    from affectlab.music.generator import MusicGenerator

    return MusicGenerator.load(model_dir(folder) / "generator")


@lru_cache(maxsize=4)
def load_prototypes(folder: str | None = None):  # -> EmotionPrototypes
    from affectlab.music.prototypes import EmotionPrototypes

    return EmotionPrototypes.load(model_dir(folder) / "prototypes.json")
