"""Music model files as affectlab wrote them before the shared manifest (for the tests that
check they still load)."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from affectlab.music.attributes import ATTRIBUTES


def _write(obj: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2))
    return path


def static_file(est, path: Path) -> Path:
    """The old single-file static model (`static.json`)."""
    return _write({"kind": "affectlab.music.static", "C": est.C,
                   "attributes": list(ATTRIBUTES), "params": est.params}, path)


def prototypes_file(protos, path: Path) -> Path:
    """The old single-file prototypes (`prototypes.json`)."""
    return _write({"kind": "affectlab.music.prototypes", "attributes": list(ATTRIBUTES),
                   "vectors": protos.vectors, "sources": protos.sources}, path)


def buckets_file(buckets, path: Path) -> Path:
    """The old bucket file (no kind in it)."""
    return _write(buckets.to_dict(), path)


def dynamic_folder(new: Path, old: Path) -> Path:
    """The old dynamic folder (`config.json` + the same weights) from a new one."""
    manifest = json.loads((new / "affectlab.json").read_text())
    config = manifest["config"]
    old.mkdir(parents=True, exist_ok=True)
    shutil.copy(new / "weights.safetensors", old / "weights.safetensors")
    _write({"kind": "affectlab.music.dynamic", "attributes": list(ATTRIBUTES),
            "config": config["model"], "mean": config["scaler"]["mean"],
            "scale": config["scaler"]["scale"]}, old / "config.json")
    return old


def generator_folder(gen, new: Path, old: Path) -> Path:
    """The old generator folder (`generator.json` + the same weights) from a new one."""
    old.mkdir(parents=True, exist_ok=True)
    shutil.copy(new / "model.safetensors", old / "model.safetensors")
    _write({"kind": "affectlab.music.generator", "config": asdict(gen.config),
            "buckets": gen.buckets.to_dict(), "tempo_of": gen.tempo_of,
            "velocity_of": gen.velocity_of}, old / "generator.json")
    return old


def model_folder(new: Path, old: Path) -> Path:
    """A whole music model folder in the old layout, from a folder in the new one."""
    from affectlab.music.generator import MusicGenerator
    from affectlab.music.prototypes import EmotionPrototypes
    from affectlab.music.static import StaticMusicEmotion

    static_file(StaticMusicEmotion.load(new / "static"), old / "static.json")
    prototypes_file(EmotionPrototypes.load(new / "prototypes"), old / "prototypes.json")
    dynamic_folder(new / "dynamic", old / "dynamic")
    generator_folder(MusicGenerator.load(new / "generator"), new / "generator", old / "generator")
    return old
