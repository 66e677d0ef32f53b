"""The shipped EmoDB speech models: they load offline, carry their card, and recognise EmoDB."""

from __future__ import annotations

import json

import pytest

from affectlab.speech import opensmile_available
from affectlab.speech.classifier import MANIFEST, SpeechEmotionClassifier, default_model_dir

MODELS = ["egemaps+logmel", "logmel"]


@pytest.mark.parametrize("features", MODELS)
def test_shipped_model_loads_with_its_card_and_scores(features):
    folder = default_model_dir(features)
    clf = SpeechEmotionClassifier.load(folder)
    assert clf.features == tuple(features.split("+"))
    assert clf.labels_ == ["anger", "boredom", "disgust", "fear", "happiness", "sadness",
                           "neutral"]
    assert set(clf.heads_) == {"speaker", "global"}
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    uar = json.loads((folder / MANIFEST).read_text())["metrics"]["loso"]["speaker"]["uar"]
    assert f"UAR {uar:.3f}" in card and uar > 0.75


@pytest.mark.parametrize("features", MODELS)
def test_shipped_model_has_the_shared_manifest(features):
    import hashlib

    folder = default_model_dir(features)
    manifest = json.loads((folder / "affectlab.json").read_text())
    assert manifest["kind"] == "speech.classifier" and manifest["format_version"] == 1
    assert not (folder / "affectlab_speech_model.json").exists()
    digest = hashlib.sha256((folder / "weights.safetensors").read_bytes()).hexdigest()
    assert manifest["config"]["weights_sha256"] == digest


def test_default_follows_what_is_installed():
    expected = "egemaps_logmel" if opensmile_available() else "logmel"
    assert default_model_dir().name == expected


def test_shipped_model_recognises_emodb_speakers(emodb):
    """Trained on all of EmoDB, so this checks the pipeline end to end, not generalisation."""
    from affectlab.speech.analyze import analyze_audio

    sample = emodb.groupby("subject").head(3).iloc[:12]
    out = analyze_audio(list(sample["path"]), model=default_model_dir("logmel"))
    hits = [r["top"] == lab[0] for r, lab in zip(out, sample["labels"], strict=True)]
    assert all(r["status"] == "ok" for r in out) and sum(hits) >= 8
