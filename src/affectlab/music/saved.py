"""How music models are saved: each one is a folder holding the shared manifest `affectlab.json`
(`affectlab.core.manifest`) beside its weights, of kind "music.static", "music.buckets",
"music.dynamic", "music.generator" or "music.prototypes".

What older affectlab wrote still loads: a folder holding the old manifest (`static.json`,
`prototypes.json`, `dynamic/config.json`, `generator/generator.json`), or the old single file
(`static.json`, `prototypes.json`, a bucket file) given as a path. The old manifests are read
into a `Manifest` whose `config` has the new layout, with the arrays that newer versions keep in
safetensors inline in `config` (`files` then lists no array file).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from affectlab.core.errors import ManifestError, ModelNotFoundError
from affectlab.core.manifest import MANIFEST, Manifest, read_json_object, read_manifest
from affectlab.music.attributes import ATTRIBUTES

FORMAT_VERSION = 1
#: The manifest kinds older affectlab wrote into its own model files, and their new names.
LEGACY_KINDS = {"affectlab.music.static": "music.static",
                "affectlab.music.dynamic": "music.dynamic",
                "affectlab.music.generator": "music.generator",
                "affectlab.music.prototypes": "music.prototypes"}

Converter = Callable[[dict[str, Any]], dict[str, Any]]


def legacy_reader(kind: str, files: list[str], convert: Converter, untyped: bool = False
                  ) -> Callable[[Path, dict[str, Any]], Manifest]:
    """A `read_manifest` legacy reader for `kind`: the old file's kind renamed, its content
    through `convert` into the new `config`, `files` the weights the old folder held beside it.
    `untyped`: old files of this kind named none (bucket files)."""

    def read(folder: Path, old: dict[str, Any]) -> Manifest:
        old_kind = old.get("kind")
        new_kind = kind if old_kind is None and untyped else LEGACY_KINDS.get(
            old_kind, str(old_kind or "unknown"))
        if new_kind != kind:
            return Manifest(kind=new_kind)  # rejected by the kind check, with a clear message
        try:
            config = convert(old)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ManifestError(f"{folder} holds an unreadable {new_kind!r} written by an older "
                                f"affectlab ({type(err).__name__}: {err})") from err
        return Manifest(kind=new_kind, format_version=1, config=config, files=list(files))

    return read


def read_music_model(path: str | os.PathLike[str], kind: str, what: str, *,
                     legacy_name: str | None = None, legacy_files: tuple[str, ...] = (),
                     convert: Converter | None = None,
                     untyped: bool = False) -> tuple[Path, Manifest]:
    """(folder, manifest) of a saved music model of `kind`, checked against this attribute set.

    `path` is a model folder (with `affectlab.json`, or an older one holding `legacy_name`), or
    (older affectlab) the single legacy file itself, or the `affectlab.json` file.
    """
    p = Path(path)
    legacy = {legacy_name: legacy_reader(kind, list(legacy_files), convert, untyped)} \
        if legacy_name and convert else None
    if p.is_file():
        if p.name == MANIFEST:
            p = p.parent
        elif convert is None:
            raise ModelNotFoundError(f"no saved {what} at {p}: a saved {what} is a folder "
                                     f"holding {MANIFEST}")
        else:
            manifest = _legacy_file(p, kind, what, convert, untyped)
            _check_attributes(manifest, p, what)
            return p.parent, manifest
    manifest = read_manifest(p, kind, max_version=FORMAT_VERSION, what=what, legacy=legacy)
    _check_attributes(manifest, p, what)
    return p, manifest


def _legacy_file(file: Path, kind: str, what: str, convert: Converter,
                 untyped: bool) -> Manifest:
    """A single model file written by older affectlab, as a manifest."""
    old = read_json_object(file, what)
    manifest = legacy_reader(kind, [], convert, untyped)(file, old)
    if manifest.kind != kind:
        raise ManifestError(f"{file} holds a saved {manifest.kind!r}, not a {what} ({kind!r})")
    return manifest


def _check_attributes(manifest: Manifest, where: Path, what: str) -> None:
    names = manifest.config.get("attributes")
    if names is not None and list(names) != list(ATTRIBUTES):
        raise ManifestError(f"{where}: this {what} was fitted on another attribute set "
                            f"({', '.join(map(str, names))}), not {', '.join(ATTRIBUTES)}")


def prepare_folder(folder: str | os.PathLike[str], what: str) -> Path:
    """The folder a model is saved into (made if needed; a file there is an error)."""
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"cannot save the {what} into {out}: a file is there (a saved "
                              f"model is a folder holding {MANIFEST})")
    out.mkdir(parents=True, exist_ok=True)
    return out


def save_torch_model(folder: str | os.PathLike[str], kind: str, what: str, weights: str,
                     state: dict[str, Any], config: dict[str, Any], *,
                     training: dict[str, Any] | None = None, backbone: Any = None) -> Path:
    """Write a music model with torch weights: `weights` first, then `affectlab.json`."""
    from affectlab.core.files import save_tensors
    from affectlab.core.manifest import write_manifest

    out = prepare_folder(folder, what)
    save_tensors(state, out / weights)
    write_manifest(out, Manifest(kind=kind, format_version=FORMAT_VERSION, backbone=backbone,
                                 training=dict(training or {}), config=config, files=[weights]))
    return out


def read_torch_model(folder: str | os.PathLike[str], kind: str, what: str, weights: str, *,
                     legacy_name: str, convert: Converter) -> tuple[dict[str, Any], dict[str, Any]]:
    """(config, state dict) of a saved music model with torch weights in `weights` (a folder
    older affectlab wrote, with `legacy_name`, is read through `convert`)."""
    from safetensors.torch import load_file

    path, manifest = read_music_model(folder, kind, what, legacy_name=legacy_name,
                                      legacy_files=(weights,), convert=convert)
    return manifest.config, load_file(str(path / weights))


__all__ = [
    "FORMAT_VERSION",
    "LEGACY_KINDS",
    "legacy_reader",
    "prepare_folder",
    "read_music_model",
    "read_torch_model",
]
