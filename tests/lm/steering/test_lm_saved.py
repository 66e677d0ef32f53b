"""Saved emotion directions and circuits on the shared manifest: each alone, both in one folder,
other kinds and newer formats refused, folders of the earlier layout still loading, and the
packaged defaults converted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from affectlab.core.errors import ManifestError, ModelNotFoundError
from affectlab.core.files import save_bundle
from affectlab.core.manifest import MANIFEST, Manifest, read_manifest, write_manifest
from affectlab.lm.steering.circuits import EmotionCircuit
from affectlab.lm.steering.emotion_directions import EmotionDirections
from affectlab.lm.steering.storage import (
    KIND_BOTH,
    KIND_CIRCUIT,
    KIND_DIRECTIONS,
    saved_parts,
)

EMOTIONS = ["anger", "sadness", "happiness", "fear", "surprise", "disgust"]
META = {"model": "tiny-llama", "fingerprint": "tiny-llama-0123", "n_prompts": 12}


def _directions(seed: int = 0, emotions: list[str] = EMOTIONS) -> EmotionDirections:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(3, 2, len(emotions), 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=-1, keepdims=True)
    stability = {"attn": {"mean": [0.9, 0.8, None]}, "mlp": {"mean": [0.7, 0.6, 0.5]}}
    return EmotionDirections(v, list(emotions), ["attn", "mlp"], stability, dict(META))


def _circuit(seed: int = 0) -> EmotionCircuit:
    rng = np.random.default_rng(seed)
    L, E, d_mlp, H, dh = 3, len(EMOTIONS), 6, 2, 4
    neurons = {e: [(0, 1), (2, k % d_mlp)] for k, e in enumerate(EMOTIONS)}
    heads = {e: [(1, k % H)] for k, e in enumerate(EMOTIONS)}
    return EmotionCircuit(
        list(EMOTIONS), neurons, heads,
        rng.normal(size=(E, L, 2)).astype(np.float32),
        rng.normal(size=(L, E, d_mlp)).astype(np.float32),
        rng.normal(size=(L, E, H, dh)).astype(np.float32),
        rng.normal(size=(L, E, d_mlp)).astype(np.float32),
        rng.normal(size=(L, E, H)).astype(np.float32),
        {**META, "n_neurons": 2, "raw_importance": [[0.5, 0.25]]})


def _same_directions(a: EmotionDirections, b: EmotionDirections) -> None:
    assert np.array_equal(a.vectors, b.vectors) and a.vectors.dtype == b.vectors.dtype
    assert (a.emotions, a.sublayers, a.stability, a.meta) == \
        (b.emotions, b.sublayers, b.stability, b.meta)


def _same_circuit(a: EmotionCircuit, b: EmotionCircuit) -> None:
    assert (a.emotions, a.neurons, a.heads, a.meta) == (b.emotions, b.neurons, b.heads, b.meta)
    for name in ("importance", "mlp_delta", "head_delta", "neuron_contrib", "head_importance"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def _edit_manifest(folder, **changes) -> None:
    data = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**data, **changes}))


def test_directions_alone_round_trip_under_their_own_kind(tmp_path):
    dirs = _directions()
    folder = dirs.save(tmp_path / "d")
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST, "directions.safetensors"]
    manifest = read_manifest(folder, KIND_DIRECTIONS)
    assert manifest.labels == EMOTIONS and manifest.scheme == "ekman6"
    assert manifest.backbone == {"name": "tiny-llama", "fingerprint": "tiny-llama-0123"}
    assert manifest.files == ["directions.safetensors"] and manifest.affectlab_version
    assert manifest.config["stability"] == dirs.stability
    _same_directions(EmotionDirections.load(folder), dirs)
    assert saved_parts(folder) == {"directions"}
    with pytest.raises(ManifestError, match="'lm.directions', not a emotion circuit"):
        EmotionCircuit.load(folder)


def test_circuit_alone_round_trip_under_its_own_kind(tmp_path):
    circuit = _circuit()
    folder = circuit.save(tmp_path / "c")
    manifest = read_manifest(folder, KIND_CIRCUIT)
    assert manifest.files == ["circuit.safetensors"] and manifest.labels == EMOTIONS
    assert manifest.config["neurons"]["anger"] == [[0, 1], [2, 0]]
    _same_circuit(EmotionCircuit.load(folder), circuit)
    with pytest.raises(ManifestError, match="'lm.circuit', not a emotion directions"):
        EmotionDirections.load(folder)


@pytest.mark.parametrize("directions_first", [True, False])
def test_both_parts_share_one_folder_and_one_manifest(tmp_path, directions_first):
    dirs, circuit = _directions(), _circuit()
    folder = tmp_path / "both"
    for part in ((dirs, circuit) if directions_first else (circuit, dirs)):
        part.save(folder)
    manifest = read_manifest(folder, KIND_BOTH)
    assert manifest.files == ["directions.safetensors", "circuit.safetensors"]
    assert set(manifest.config) == {"directions", "circuit"}
    assert manifest.labels == EMOTIONS and manifest.backbone["name"] == "tiny-llama"
    assert sorted(p.name for p in folder.iterdir()) == [
        MANIFEST, "circuit.safetensors", "directions.safetensors"]
    _same_directions(EmotionDirections.load(folder), dirs)
    _same_circuit(EmotionCircuit.load(folder), circuit)
    assert saved_parts(folder) == {"directions", "circuit"}
    # saving one part again replaces it and keeps the other
    newer = _directions(seed=5)
    newer.save(folder)
    _same_directions(EmotionDirections.load(folder), newer)
    _same_circuit(EmotionCircuit.load(folder), circuit)
    assert read_manifest(folder, KIND_BOTH).kind == KIND_BOTH


def test_other_kinds_and_newer_formats_are_refused(tmp_path):
    folder = _directions().save(tmp_path / "d")
    _edit_manifest(folder, format_version=2)
    with pytest.raises(ManifestError, match="format version 2"):
        EmotionDirections.load(folder)
    both = tmp_path / "both"
    _directions().save(both)
    _circuit().save(both)
    _edit_manifest(both, format_version=3)
    with pytest.raises(ManifestError, match="format version 3"):
        EmotionCircuit.load(both)
    with pytest.raises(ManifestError, match="format version 3"):
        _circuit().save(both)  # a newer folder is not overwritten half-understood

    other = tmp_path / "text"
    other.mkdir()
    (other / "weights.safetensors").write_bytes(b"x")
    write_manifest(other, Manifest(kind="text.classifier", files=["weights.safetensors"]))
    for load in (EmotionDirections.load, EmotionCircuit.load):
        with pytest.raises(ManifestError, match="'text.classifier'"):
            load(other)
    with pytest.raises(ManifestError, match="'text.classifier'"):
        _directions().save(other)
    assert not (other / "directions.safetensors").exists()  # refused before writing anything

    with pytest.raises(ModelNotFoundError, match="does not exist"):
        EmotionDirections.load(tmp_path / "nowhere")
    with pytest.raises(ModelNotFoundError, match="no affectlab.json"):
        EmotionCircuit.load(tmp_path)


def _old_layout(folder, dirs: EmotionDirections, circuit: EmotionCircuit | None) -> None:
    """Save as affectlab did before the shared manifest (`save_bundle` with the old JSON)."""
    info = {"kind": "affectlab.lm.EmotionDirections", "emotions": dirs.emotions,
            "sublayers": dirs.sublayers, "stability": dirs.stability, "meta": dirs.meta}
    save_bundle(folder, "directions", {"vectors": dirs.vectors}, info, indent=1)
    if circuit is not None:
        arrays = {"importance": circuit.importance, "mlp_delta": circuit.mlp_delta,
                  "head_delta": circuit.head_delta, "neuron_contrib": circuit.neuron_contrib,
                  "head_importance": circuit.head_importance}
        info = {"kind": "affectlab.lm.EmotionCircuit", "emotions": circuit.emotions,
                "neurons": {e: [list(x) for x in v] for e, v in circuit.neurons.items()},
                "heads": {e: [list(x) for x in v] for e, v in circuit.heads.items()},
                "meta": circuit.meta}
        save_bundle(folder, "circuit", arrays, info)


def test_folders_saved_before_the_shared_manifest_still_load(tmp_path):
    dirs, circuit = _directions(), _circuit()
    folder = tmp_path / "old"
    _old_layout(folder, dirs, circuit)
    assert not (folder / MANIFEST).exists()
    _same_directions(EmotionDirections.load(folder), dirs)
    _same_circuit(EmotionCircuit.load(folder), circuit)
    assert saved_parts(folder) == {"directions", "circuit"}
    # saving new directions there writes one manifest naming both, the old circuit kept
    newer = _directions(seed=3)
    newer.save(folder)
    assert read_manifest(folder, KIND_BOTH).files == ["directions.safetensors",
                                                      "circuit.safetensors"]
    _same_directions(EmotionDirections.load(folder), newer)
    _same_circuit(EmotionCircuit.load(folder), circuit)

    only = tmp_path / "only-directions"
    _old_layout(only, dirs, None)
    assert saved_parts(only) == {"directions"}
    with pytest.raises(ModelNotFoundError, match="no affectlab.json"):
        EmotionCircuit.load(only)
    (only / "directions.json").write_text(json.dumps({"kind": "something.else"}))
    with pytest.raises(ManifestError, match="does not describe saved emotion directions"):
        EmotionDirections.load(only)


def test_the_packaged_directions_and_circuit_use_the_shared_manifest():
    from affectlab import lm
    from affectlab.lm.steering.defaults import packaged_artifacts

    folder = packaged_artifacts()
    assert not (folder / "directions.json").exists() and not (folder / "circuit.json").exists()
    manifest = read_manifest(folder, KIND_BOTH)
    assert manifest.scheme == "ekman6" and manifest.labels == EMOTIONS
    assert manifest.backbone["name"] == "SmolLM2-135M-Instruct"
    assert manifest.backbone["fingerprint"].startswith("smollm2-gguf-")
    dirs, circuit = lm.load_directions(folder), lm.load_circuit(folder)
    assert dirs.vectors.shape == (30, 2, 6, 576) and dirs.meta["fingerprint"] == \
        manifest.backbone["fingerprint"]
    assert circuit.mlp_delta.shape == (30, 6, 1536) and len(circuit.neurons["fear"]) == 240
    assert np.allclose(np.linalg.norm(dirs.vectors, axis=-1), 1.0, atol=1e-5)
