"""The one saved-model manifest: every model affectlab saves is a folder holding `affectlab.json`
(what it is, which format, which affectlab wrote it, its label scheme and labels, its encoder or
backbone, the data it was trained on, its metrics, and its own settings) beside its weights.

`read_manifest` rejects a folder of another kind or of a newer format with a clear error, and
reads the manifests older affectlab versions wrote under other names through a converter the
model supplies, so every folder saved before keeps loading.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from affectlab.core.errors import ManifestError, ModelNotFoundError
from affectlab.core.files import read_json, write_json

MANIFEST = "affectlab.json"

LegacyReader = Callable[[Path, dict[str, Any]], "Manifest"]


@dataclass
class Manifest:
    """What a saved model is. `kind` names the class that reads it (e.g. "text.emotion");
    `config` holds the model's own settings; `files` lists the other files of the folder."""

    kind: str
    format_version: int = 1
    affectlab_version: str = ""
    scheme: str | None = None
    labels: list[str] | None = None
    backbone: Any = None
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    created: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, in the documented key order."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        """A manifest from its dict; unknown keys (from a newer minor writer) are ignored."""
        known = set(cls.__dataclass_fields__)
        if "kind" not in data:
            raise ManifestError("not an affectlab manifest: it has no 'kind'")
        return cls(**{k: v for k, v in data.items() if k in known})


def manifest_path(folder: str | os.PathLike[str]) -> Path:
    """Where a model folder's manifest lives."""
    return Path(folder) / MANIFEST


def write_manifest(folder: str | os.PathLike[str], manifest: Manifest) -> Path:
    """Write `manifest` into `folder` atomically. Write it last: a folder with a manifest holds
    every file the manifest names."""
    from affectlab import __version__

    manifest.affectlab_version = manifest.affectlab_version or __version__
    manifest.created = manifest.created or _dt.datetime.now(_dt.UTC).isoformat(
        timespec="seconds")
    folder = Path(folder)
    missing = [f for f in manifest.files if not (folder / f).exists()]
    if missing:
        raise ManifestError(f"manifest of {folder} names files that are not there: "
                            f"{', '.join(missing)}")
    return write_json(manifest.to_dict(), folder / MANIFEST)


def read_manifest(folder: str | os.PathLike[str], kind: str | tuple[str, ...], *,
                  max_version: int = 1, what: str = "model",
                  legacy: Mapping[str, LegacyReader] | None = None) -> Manifest:
    """The manifest of `folder`, checked to be of `kind` and at most `max_version`.

    `legacy` maps a file name older versions wrote (e.g. "affectlab_model.json") to a function
    turning its contents into a `Manifest`; it is used only when `affectlab.json` is absent.
    """
    path = Path(folder)
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    if not path.exists():
        raise ModelNotFoundError(f"no saved {what} at {path}: the folder does not exist")
    if not path.is_dir():
        raise ModelNotFoundError(f"no saved {what} at {path}: a saved {what} is a folder "
                                 f"holding {MANIFEST}")
    file = path / MANIFEST
    if file.is_file():
        manifest = Manifest.from_dict(read_json_object(file))
    else:
        manifest = None
        for name, reader in (legacy or {}).items():
            if (path / name).is_file():
                manifest = reader(path, read_json_object(path / name))
                break
        if manifest is None:
            raise ModelNotFoundError(f"no saved {what} at {path} (no {MANIFEST} there)")
    if manifest.kind not in kinds:
        raise ManifestError(f"{path} holds a saved {manifest.kind!r}, not a {what} "
                            f"({' or '.join(repr(k) for k in kinds)})")
    if int(manifest.format_version) > max_version:
        raise ManifestError(
            f"{path} was saved in format version {manifest.format_version} of {manifest.kind!r} "
            f"(by affectlab {manifest.affectlab_version or 'unknown'}); this affectlab reads up to "
            f"version {max_version}: upgrade affectlab to load it")
    missing = [f for f in manifest.files if not (path / f).exists()]
    if missing:
        raise ManifestError(f"{path} is incomplete (missing {', '.join(missing)}): was a save "
                            "interrupted? Save the model again.")
    return manifest


def read_json_object(file: str | os.PathLike[str], what: str = "") -> dict[str, Any]:
    """A JSON object from `file`; anything else is a `ManifestError` naming the file (and what
    it should have been)."""
    should = f" (not a saved {what})" if what else ""
    try:
        data = read_json(file)
    except (OSError, ValueError) as err:
        raise ManifestError(f"{file} is not readable JSON{should}: {err}") from err
    if not isinstance(data, dict):
        raise ManifestError(f"{file} does not hold a JSON object{should}")
    return data



def check_legacy(file: Path, old: Mapping[str, Any], *, format_tag: str, what: str, kind: str,
                 max_version: int, required: tuple[str, ...] = (),
                 version_key: str = "version") -> Manifest | None:
    """The checks every reader of an older manifest makes: its format tag, its keys. Returns a
    bare manifest when its version is newer than `max_version` (so `read_manifest` refuses it
    with the usual message), else None: go on converting."""
    if old.get("format") != format_tag:
        raise ManifestError(f"{file} is not an affectlab {what} (format {old.get('format')!r})")
    version = int(old.get(version_key, 0))
    if version > max_version:
        return Manifest(kind=kind, format_version=version)
    missing = [k for k in required if k not in old]
    if missing:
        raise ManifestError(f"{file} lacks {', '.join(missing)}")
    return None


__all__ = ["MANIFEST", "Manifest", "check_legacy", "manifest_path", "read_json_object",
           "read_manifest", "write_manifest"]
