"""EmotionClassifier: fit, predict, score, thresholds, save/load, errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from affectlab.core.errors import ManifestError, NotFittedError
from affectlab.errors import UnknownNameError
from affectlab.text import EmotionClassifier, ModelNotFoundError, TrainSettings
from affectlab.text.classifier import MANIFEST, WEIGHTS


def test_single_label_learns_the_templates(single_label_model):
    pred = single_label_model.predict(["I am so happy about the news", "I am terrified of it"])
    assert pred == ["joy", "fear"]
    probs = single_label_model.predict_proba(["I feel so sad"])
    assert probs.shape == (1, 6)
    assert probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert single_label_model.labels_ == ["sadness", "joy", "love", "anger", "fear", "surprise"]


def test_score_is_macro_f1_over_the_scheme(single_label_model):
    texts = ["I am so happy", "I am furious", "I feel so sad", "I am terrified"]
    gold = ["joy", "anger", "sadness", "fear"]
    assert single_label_model.score(texts, gold) == pytest.approx(4 / 6)  # 2 labels never seen


def test_multilabel_predicts_lists_with_tuned_thresholds(multi_label_model):
    out = multi_label_model.predict(["I hate this so much", "what a wonderful day"])
    assert all(isinstance(x, list) for x in out)
    assert "anger" in out[0] and "joy" in out[1]
    th = multi_label_model.thresholds()
    assert th.shape == (28,) and ((th > 0) & (th < 1)).all()
    assert {"labels", "ekman7", "parrott-primary"} <= set(multi_label_model.thresholds_)


def test_vad_head_orders_valence(multi_label_model):
    v = multi_label_model.predict_vad(["what a wonderful day", "this broke my heart"])
    assert v.shape == (2, 3)
    assert v[0, 0] > v[1, 0]


def test_save_load_round_trip(tmp_path, multi_label_model):
    texts = ["I am scared of the dark", "great news with my family"]
    folder = multi_label_model.save(tmp_path / "m", metrics={"demo": 1.0})
    again = EmotionClassifier.load(folder)
    np.testing.assert_allclose(again.predict_proba(texts),
                               multi_label_model.predict_proba(texts), atol=1e-5)
    np.testing.assert_allclose(again.predict_vad(texts), multi_label_model.predict_vad(texts),
                               atol=1e-5)
    assert again.predict(texts) == multi_label_model.predict(texts)
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["metrics"] == {"demo": 1.0}
    assert "LoRA rank 4" in (folder / "MODEL_CARD.md").read_text()
    assert (folder / WEIGHTS).stat().st_size < 1_000_000


def test_load_rejects_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no saved affectlab text model"):
        EmotionClassifier.load(tmp_path)
    (tmp_path / "affectlab_model.json").write_text(json.dumps({"format": "other/9"}))
    (tmp_path / WEIGHTS).write_bytes(b"")
    with pytest.raises(ManifestError, match="unsupported model format"):
        EmotionClassifier.load(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({"kind": "speech.classifier",
                                                 "format_version": 1}))
    with pytest.raises(ManifestError, match="speech.classifier"):
        EmotionClassifier.load(tmp_path)


def test_load_refuses_a_newer_format_and_reads_the_old_manifest(tmp_path, multi_label_model):
    folder = multi_label_model.save(tmp_path / "m")
    manifest = json.loads((folder / MANIFEST).read_text())
    newer = tmp_path / "newer"
    shutil.copytree(folder, newer)
    (newer / MANIFEST).write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(ManifestError, match="format version 99.*upgrade affectlab"):
        EmotionClassifier.load(newer)
    # a folder saved before the shared manifest: affectlab_model.json with the same content
    old = tmp_path / "old"
    shutil.copytree(folder, old)
    (old / MANIFEST).unlink()
    legacy = {"format": "affectlab-text-emotion/1", "encoder": manifest["backbone"],
              "scheme": manifest["scheme"], **manifest["config"],
              "training": manifest["training"]["run"], "data": manifest["training"]["data"]}
    (old / "affectlab_model.json").write_text(json.dumps(legacy))
    texts = ["I am scared of the dark"]
    np.testing.assert_allclose(EmotionClassifier.load(old).predict_proba(texts),
                               multi_label_model.predict_proba(texts), atol=1e-5)


def test_clone_gives_an_unfitted_copy_with_the_same_settings(multi_label_model):
    from sklearn.base import clone

    copy = clone(multi_label_model)
    assert copy.get_params() == multi_label_model.get_params()
    with pytest.raises(NotFittedError):
        copy.predict_proba(["hello"])
    fresh = EmotionClassifier("ekman", progress=False)
    assert clone(fresh).get_params()["scheme"] == "ekman"  # stored as given, checked in fit


def test_unknown_training_label_names_the_scheme():
    clf = EmotionClassifier("ekman7", settings=TrainSettings(epochs=1), progress=False)
    with pytest.raises(UnknownNameError, match="joyy"):
        clf.fit(["a text", "another text"], ["joyy", "anger"])


def test_training_refuses_empty_texts_and_mismatched_lengths():
    clf = EmotionClassifier("ekman7", progress=False)
    with pytest.raises(ValueError, match="empty or not strings"):
        clf.fit(["fine", "  "], ["joy", "anger"])
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        clf.fit(["fine", "good"], ["joy"])


def test_predict_before_fit_and_empty_inputs(single_label_model):
    with pytest.raises(NotFittedError, match="not fitted"):
        EmotionClassifier().predict_proba(["hello"])
    with pytest.raises(ValueError, match="text 1 is empty"):
        single_label_model.predict_proba(["hello", ""])
    with pytest.raises(ValueError, match="no V/A/D head"):
        single_label_model.predict_vad(["hello"])


def test_mapping_into_another_scheme(multi_label_model):
    probs = multi_label_model.predict_proba(["I am furious at work today"])
    ekman = multi_label_model.map_proba(probs, "ekman7")
    assert ekman.shape == (1, 7)
    assert ekman[0, 0] >= probs[0, multi_label_model.labels_.index("anger")] - 1e-9


def test_missing_default_model_says_how_to_get_one(monkeypatch, tmp_path):
    from affectlab.text import classifier

    monkeypatch.setattr(classifier, "default_model_dir", lambda: tmp_path / "gone")
    with pytest.raises(ModelNotFoundError, match="affectlab text train"):
        EmotionClassifier.load()
