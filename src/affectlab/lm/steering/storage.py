"""How emotion directions and circuits are saved: each part is a safetensors file described by
the shared manifest (`affectlab.json`), and both parts may share one folder.

A folder holding only directions has a manifest of kind "lm.directions", one holding only a
circuit "lm.circuit"; once both are saved into the same folder (as `discover_circuits` results
and the packaged defaults are), its one manifest is of kind "lm.emotion_control", whose
`config` holds each part's settings under "directions" and "circuit". Saving one part keeps the
other part already in the folder. Folders written before the shared manifest (`directions.json`,
`circuit.json` beside the arrays) still load.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from affectlab.core.errors import ManifestError
from affectlab.core.files import load_arrays, save_arrays
from affectlab.core.manifest import MANIFEST, Manifest, read_manifest, write_manifest

KIND_DIRECTIONS = "lm.directions"
KIND_CIRCUIT = "lm.circuit"
KIND_BOTH = "lm.emotion_control"
FORMAT_VERSION = 1
#: part -> its own kind, its weights, the JSON affectlab wrote for it before `affectlab.json`,
#: the "kind" that old JSON carried, and what it is called in messages
PARTS: dict[str, dict[str, str]] = {
    "directions": {"kind": KIND_DIRECTIONS, "weights": "directions.safetensors",
                   "legacy": "directions.json", "legacy_kind": "affectlab.lm.EmotionDirections",
                   "what": "emotion directions"},
    "circuit": {"kind": KIND_CIRCUIT, "weights": "circuit.safetensors",
                "legacy": "circuit.json", "legacy_kind": "affectlab.lm.EmotionCircuit",
                "what": "emotion circuit"},
}
_EKMAN6 = {"anger", "disgust", "fear", "joy", "sadness", "surprise"}


def scheme_of(emotions: list[str]) -> str | None:
    """"ekman6" when the emotions are Ekman's six (happiness read as joy), else None."""
    names = {"joy" if e == "happiness" else e for e in emotions}
    return "ekman6" if names == _EKMAN6 and len(emotions) == 6 else None


def backbone_of(meta: Mapping[str, Any]) -> dict[str, Any] | None:
    """The base model a part was computed on (its name and fingerprint), from its `meta`."""
    if not meta.get("model") and not meta.get("fingerprint"):
        return None
    return {"name": meta.get("model"), "fingerprint": meta.get("fingerprint")}


def _other(part: str) -> str:
    return "circuit" if part == "directions" else "directions"


def _legacy_reader(part: str) -> Any:
    spec = PARTS[part]

    def convert(folder: Path, old: dict[str, Any]) -> Manifest:
        """A part saved before the shared manifest (`directions.json` / `circuit.json`)."""
        if old.get("kind", spec["legacy_kind"]) != spec["legacy_kind"] or "emotions" not in old:
            raise ManifestError(f"{folder / spec['legacy']} does not describe saved "
                                f"{spec['what']}")
        config = {k: v for k, v in old.items() if k != "kind"}
        emotions = list(old["emotions"])
        return Manifest(kind=spec["kind"], format_version=FORMAT_VERSION,
                        scheme=scheme_of(emotions), labels=emotions,
                        backbone=backbone_of(old.get("meta", {})), config=config,
                        files=[spec["weights"]])

    return convert


def read_part_manifest(folder: str | os.PathLike[str], part: str
                       ) -> tuple[dict[str, Any], Manifest]:
    """(settings, manifest) of one part saved in `folder`, without reading its arrays; a clear
    error when the folder holds another kind of model, a newer format, or not this part."""
    spec = PARTS[part]
    path = Path(folder)
    manifest = read_manifest(path, (spec["kind"], KIND_BOTH), max_version=FORMAT_VERSION,
                             what=spec["what"], legacy={spec["legacy"]: _legacy_reader(part)})
    config = manifest.config.get(part) if manifest.kind == KIND_BOTH else manifest.config
    if not isinstance(config, dict) or spec["weights"] not in manifest.files:
        raise ManifestError(f"the manifest of {path} names no {spec['what']}")
    return config, manifest


def read_part(folder: str | os.PathLike[str], part: str
              ) -> tuple[dict[str, Any], dict[str, Any], Manifest]:
    """(settings, arrays, manifest) of one part saved in `folder`."""
    config, manifest = read_part_manifest(folder, part)
    return config, load_arrays(Path(folder) / PARTS[part]["weights"]), manifest


def saved_parts(folder: str | os.PathLike[str]) -> set[str]:
    """Which parts ("directions", "circuit") `folder` holds, in either format; a folder holding
    a model of another kind (or a newer format) is a `ManifestError`."""
    path = Path(folder)
    if (path / MANIFEST).is_file():
        manifest = read_manifest(path, (KIND_DIRECTIONS, KIND_CIRCUIT, KIND_BOTH),
                                 max_version=FORMAT_VERSION,
                                 what="emotion directions or circuit")
        if manifest.kind == KIND_BOTH:
            return set(PARTS)
        return {p for p, spec in PARTS.items() if spec["kind"] == manifest.kind}
    return {p for p, spec in PARTS.items()
            if (path / spec["legacy"]).is_file() and (path / spec["weights"]).is_file()}


def _kept_part(folder: Path, part: str) -> dict[str, Any] | None:
    """The settings of the other part already saved in `folder` (kept when `part` is saved),
    or None. A folder holding a model of another kind is refused."""
    other = _other(part)
    if other not in saved_parts(folder):
        return None
    return read_part_manifest(folder, other)[0]


def write_part(folder: str | os.PathLike[str], part: str, arrays: Mapping[str, Any],
               config: dict[str, Any]) -> Path:
    """Save one part (its float32 arrays, then the manifest) into `folder`, keeping the other
    part if the folder holds it. Returns the folder."""
    import numpy as np

    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"cannot save into {out}: it is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    kept = _kept_part(out, part)  # read before anything is written: a foreign folder fails here
    save_arrays({k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()},
                out / PARTS[part]["weights"])
    write_manifest(out, part_manifest(part, config, kept))  # last: the folder is complete
    return out


def part_manifest(part: str, config: dict[str, Any],
                  kept: dict[str, Any] | None = None) -> Manifest:
    """The manifest of a folder holding `part` with its settings `config` and, when `kept` (the
    other part's settings) is given, the other part too (kind "lm.emotion_control")."""
    spec = PARTS[part]
    emotions = list(config["emotions"])
    backbone = backbone_of(config.get("meta", {}))
    if kept is None:
        return Manifest(kind=spec["kind"], format_version=FORMAT_VERSION,
                        scheme=scheme_of(emotions), labels=emotions, backbone=backbone,
                        config=config, files=[spec["weights"]])
    parts = {part: config, _other(part): kept}
    same = list(kept.get("emotions", [])) == emotions
    return Manifest(kind=KIND_BOTH, format_version=FORMAT_VERSION,
                    scheme=scheme_of(emotions) if same else None,
                    labels=emotions if same else None,
                    backbone=backbone or backbone_of(kept.get("meta", {})),
                    config={name: parts[name] for name in PARTS},
                    files=[PARTS[name]["weights"] for name in PARTS])


__all__ = ["FORMAT_VERSION", "KIND_BOTH", "KIND_CIRCUIT", "KIND_DIRECTIONS", "PARTS",
           "part_manifest", "read_part", "read_part_manifest", "saved_parts", "write_part"]
