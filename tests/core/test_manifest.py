"""The one saved-model manifest: round trip, wrong kind, newer format, legacy names, incomplete."""

from __future__ import annotations

import json

import pytest

from affectlab import __version__
from affectlab.core.errors import AffectlabError, ManifestError, ModelNotFoundError
from affectlab.core.manifest import MANIFEST, Manifest, read_manifest, write_manifest


def _saved(tmp_path, **changes):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "weights.safetensors").write_bytes(b"x")
    manifest = Manifest(kind="demo.model", scheme="ekman7", labels=["joy", "anger"],
                        backbone="enc", training={"data": "d"}, metrics={"f1": 0.5},
                        config={"k": 3}, files=["weights.safetensors"], **changes)
    write_manifest(folder, manifest)
    return folder


def test_round_trip_fills_version_and_date(tmp_path):
    folder = _saved(tmp_path)
    got = read_manifest(folder, "demo.model")
    assert got.affectlab_version == __version__ and got.created
    assert (got.scheme, got.labels, got.config, got.metrics) == ("ekman7", ["joy", "anger"],
                                                                 {"k": 3}, {"f1": 0.5})
    on_disk = json.loads((folder / MANIFEST).read_text())
    assert list(on_disk)[:3] == ["kind", "format_version", "affectlab_version"]


def test_wrong_kind_newer_format_and_missing_files_are_clear(tmp_path):
    folder = _saved(tmp_path)
    with pytest.raises(ManifestError, match="'demo.model', not a speech model"):
        read_manifest(folder, "speech.classifier", what="speech model")
    data = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**data, "format_version": 7}))
    with pytest.raises(ManifestError, match="format version 7.*reads up to version 1"):
        read_manifest(folder, "demo.model")
    (folder / MANIFEST).write_text(json.dumps(data))
    (folder / "weights.safetensors").unlink()
    with pytest.raises(ManifestError, match="incomplete.*weights.safetensors"):
        read_manifest(folder, "demo.model")
    (folder / MANIFEST).write_text("{not json")
    with pytest.raises(ManifestError, match="not readable JSON"):
        read_manifest(folder, "demo.model")


def test_missing_folder_or_manifest_is_model_not_found(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        read_manifest(tmp_path / "nope", "demo.model")
    with pytest.raises(ModelNotFoundError, match="no affectlab.json"):
        read_manifest(tmp_path, "demo.model")
    assert issubclass(ModelNotFoundError, FileNotFoundError)
    assert issubclass(ManifestError, AffectlabError)


def test_a_legacy_manifest_is_read_through_its_converter(tmp_path):
    (tmp_path / "old_model.json").write_text(json.dumps({"format": "old/1", "scheme": "ekman"}))
    got = read_manifest(tmp_path, "demo.model", legacy={
        "old_model.json": lambda folder, old: Manifest(kind="demo.model", format_version=0,
                                                       scheme=old["scheme"])})
    assert got.scheme == "ekman" and got.format_version == 0


def test_write_refuses_a_manifest_naming_absent_files(tmp_path):
    with pytest.raises(ManifestError, match="not there: w.bin"):
        write_manifest(tmp_path, Manifest(kind="demo.model", files=["w.bin"]))
    assert not (tmp_path / MANIFEST).exists()


def test_every_shipped_model_folder_has_the_shared_manifest():
    """The artefacts inside the package all load through affectlab.json."""
    from pathlib import Path

    import affectlab

    root = Path(affectlab.__file__).parent
    legacy = {"affectlab_model.json", "affectlab_speech_model.json", "editor.json",
              "tokenizer.json", "generator.json"}
    found = [p for p in root.rglob("*.json") if p.name in legacy]
    assert not found, f"shipped folders still carry an old manifest: {found}"
    manifests = list(root.rglob(MANIFEST))
    assert manifests, "no shipped model found"
    for path in manifests:
        data = json.loads(path.read_text())
        got = read_manifest(path.parent, data["kind"])
        assert got.format_version >= 1 and got.affectlab_version
