"""SpeechEmotionClassifier and leave-one-speaker-out evaluation on synthetic and real features."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab import metrics
from affectlab.core.errors import ManifestError, NotFittedError
from affectlab.errors import UnknownNameError
from affectlab.speech.classifier import SpeechEmotionClassifier, speaker_standardise
from affectlab.speech.evaluation import loso_evaluate, plot_confusion

LABELS = ["anger", "sadness", "neutral"]


def voices(n_speakers: int = 6, per_class: int = 12, offset: float = 4.0, seed: int = 0):
    """Class means on a small spread, each speaker shifted by a large voice offset: only
    per-speaker normalisation separates the classes well."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1.0, (len(LABELS), 8))
    X, y, s = [], [], []
    for k in range(n_speakers):
        voice = rng.normal(0, offset, 8)
        for c, label in enumerate(LABELS):
            X.append(voice + centres[c] + 0.4 * rng.standard_normal((per_class, 8)))
            y += [label] * per_class
            s += [f"s{k}"] * per_class
    return np.vstack(X), y, s


def test_speaker_standardise_zscores_within_each_speaker():
    X, _, s = voices()
    Z = speaker_standardise(X, s)
    for k in set(s):
        m = np.asarray(s) == k
        assert np.allclose(Z[m].mean(0), 0, atol=1e-9) and np.allclose(Z[m].std(0), 1)
    const = speaker_standardise(np.ones((4, 2)), ["a"] * 4)
    assert np.allclose(const, 0)


def test_probabilities_in_the_scheme_order_and_sum_to_one():
    X, y, s = voices()
    clf = SpeechEmotionClassifier("emodb7", "egemaps").fit(X, y, s)
    assert clf.labels_ == ["anger", "boredom", "disgust", "fear", "happiness", "sadness",
                           "neutral"]
    p = clf.predict_proba(X, s)
    assert p.shape == (len(X), 7) and np.allclose(p.sum(1), 1)
    assert p[:, [1, 2, 3, 4]].max() < 1e-6  # labels never trained on stay at zero
    assert clf.score(X, y, s) > 0.9


def test_speaker_head_used_only_for_groups_big_enough():
    X, y, s = voices()
    clf = SpeechEmotionClassifier("emodb7", "egemaps", min_speaker_utterances=10).fit(X, y, s)
    heads = clf.heads_for(12, ["a"] * 10 + ["b"] * 2)
    assert list(heads) == ["speaker"] * 10 + ["global"] * 2
    assert set(clf.heads_for(5, None)) == {"global"}
    unfit_spk = SpeechEmotionClassifier("emodb7", "egemaps").fit(X, y)
    assert set(unfit_spk.heads_for(len(X), s)) == {"global"}


def test_speaker_normalisation_wins_when_voices_differ():
    X, y, s = voices(n_speakers=8)
    spk = loso_evaluate(X, y, s, features="egemaps", head="speaker")
    glob = loso_evaluate(X, y, s, features="egemaps", head="global")
    assert spk.uar > 0.9 and spk.uar > glob.uar + 0.1


def test_loso_scores_match_the_metrics_and_never_see_the_test_speaker():
    X, y, s = voices()
    res = loso_evaluate(X, y, s, features="egemaps", C=[0.01, 1.0])
    assert res.uar == pytest.approx(metrics.uar(y, res.predicted))
    assert res.wa == pytest.approx(metrics.accuracy(y, res.predicted))
    assert res.confusion().sum() == len(y) and set(res.chosen_C.values()) <= {0.01, 1.0}
    assert set(res.uar_per_speaker()) == set(s)


def test_no_fit_ever_sees_the_held_out_speaker(monkeypatch):
    """Every fit inside a fold, including the nested choice of C, excludes that fold's speaker."""
    X, y, s = voices(n_speakers=4)
    calls: list[set] = []
    real = SpeechEmotionClassifier.fit

    def recording(self, inputs, labels, speakers=None, **kw):
        calls.append(set(speakers) if speakers is not None else None)
        return real(self, inputs, labels, speakers, **kw)

    monkeypatch.setattr(SpeechEmotionClassifier, "fit", recording)
    groups = {k: np.asarray(s) == k for k in dict.fromkeys(s)}
    sizes = {k: int(m.sum()) for k, m in groups.items()}
    res = loso_evaluate(X, y, s, features="egemaps", C=[0.1, 1.0])
    # outer fold for speaker k: 3 speakers; inner folds: 2 speakers; never k itself
    outer = [c for c in calls if len(c) == 3]
    assert len(outer) == 4 and all(len(set(s)) - len(c) == 1 for c in outer)
    assert {next(iter(set(s) - c)) for c in outer} == set(s)
    assert all(len(c) in (2, 3) for c in calls)
    assert len(calls) == 4 * (1 + 2 * 3) and sum(sizes.values()) == len(res.gold)


def test_global_head_folds_train_without_speakers(monkeypatch):
    X, y, s = voices(n_speakers=3)
    seen = []
    real = SpeechEmotionClassifier.fit

    def recording(self, inputs, labels, speakers=None, **kw):
        seen.append((len(inputs), speakers is None, kw.get("heads")))
        return real(self, inputs, labels, speakers, **kw)

    monkeypatch.setattr(SpeechEmotionClassifier, "fit", recording)
    loso_evaluate(X, y, s, features="egemaps", head="global")
    per = len(y) // 3
    assert seen == [(2 * per, True, ("global",))] * 3


def test_save_load_round_trip(tmp_path):
    X, y, s = voices()
    clf = SpeechEmotionClassifier("emodb7", "egemaps", C=0.3).fit(X, y, s)
    clf.save(tmp_path / "m", metrics={"uar": 1.0})
    back = SpeechEmotionClassifier.load(tmp_path / "m")
    assert back.labels_ == clf.labels_ and back.C == 0.3 and back.metrics_ == {"uar": 1.0}
    assert np.allclose(back.predict_proba(X, s), clf.predict_proba(X, s))
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["affectlab.json",
                                                                 "weights.safetensors"]
    with pytest.raises(FileNotFoundError, match="no saved speech model"):
        SpeechEmotionClassifier.load(tmp_path / "nothing")
    other = SpeechEmotionClassifier("emodb7", "egemaps", C=1.0).fit(X[::2], y[::2])
    other.save(tmp_path / "o")
    (tmp_path / "o" / "weights.safetensors").replace(tmp_path / "m" / "weights.safetensors")
    with pytest.raises(ManifestError, match="interrupted"):  # weights of one save, manifest of another
        SpeechEmotionClassifier.load(tmp_path / "m")


def test_saved_model_is_the_shared_manifest(tmp_path):
    import json

    X, y, s = voices()
    folder = SpeechEmotionClassifier("emodb7", "egemaps+logmel").fit(
        np.hstack([X, X]), y, s).save(tmp_path / "m", metrics={"uar": 0.5},
                                      training={"corpus": "synthetic"})
    manifest = json.loads((folder / "affectlab.json").read_text())
    assert manifest["kind"] == "speech.classifier" and manifest["format_version"] == 1
    assert manifest["scheme"] == "emodb7" and manifest["labels"][0] == "anger"
    assert manifest["config"]["features"] == ["egemaps", "logmel"]
    assert manifest["metrics"] == {"uar": 0.5} and manifest["training"] == {"corpus": "synthetic"}
    assert manifest["files"] == ["weights.safetensors"]
    (folder / "affectlab.json").write_text(json.dumps(dict(manifest, kind="speech.tokenizer")))
    with pytest.raises(ManifestError, match="speech.tokenizer"):
        SpeechEmotionClassifier.load(folder)
    (folder / "affectlab.json").write_text(json.dumps(dict(manifest, format_version=2)))
    with pytest.raises(ManifestError, match="upgrade affectlab"):
        SpeechEmotionClassifier.load(folder)


def _save_legacy(clf: SpeechEmotionClassifier, folder, *, digest: bool = True) -> None:
    """A model folder as affectlab wrote it before the shared manifest."""
    import hashlib
    import json

    from safetensors.numpy import save_file

    folder.mkdir(parents=True)
    save_file({f"{h}.{k}": np.ascontiguousarray(v, dtype=np.float64)
               for h, w in clf.heads_.items() for k, v in w.items()},
              str(folder / "weights.safetensors"))
    manifest = {"format": "affectlab-speech-emotion", "version": 1, "scheme": clf.scheme,
                "labels": clf.labels_, "features": list(clf.feature_sets),
                "feature_dim": clf.feature_dim_, "C": clf.C, "heads": sorted(clf.heads_),
                "min_speaker_utterances": clf.min_speaker_utterances,
                "class_weight": clf.class_weight, "metrics": {"uar": 0.9}}
    if digest:
        manifest["weights_sha256"] = hashlib.sha256(
            (folder / "weights.safetensors").read_bytes()).hexdigest()
    (folder / "affectlab_speech_model.json").write_text(json.dumps(manifest))


def test_a_model_saved_by_older_affectlab_still_loads(tmp_path):
    X, y, s = voices()
    clf = SpeechEmotionClassifier("emodb7", "egemaps", C=0.3).fit(X, y, s)
    for digest in (True, False):  # the first shipped models had no digest
        _save_legacy(clf, tmp_path / f"old-{digest}", digest=digest)
        back = SpeechEmotionClassifier.load(tmp_path / f"old-{digest}")
        assert back.features == ("egemaps",) and back.C == 0.3 and back.metrics_ == {"uar": 0.9}
        assert np.array_equal(back.predict_proba(X, s), clf.predict_proba(X, s))
    from affectlab.speech.analyze import analyze_audio, get_speech_model

    assert get_speech_model(tmp_path / "old-True").labels_ == clf.labels_
    assert callable(analyze_audio)
    import json

    (tmp_path / "old-True" / "affectlab_speech_model.json").write_text(
        json.dumps({"format": "affectlab-speech-emotion", "version": 2}))
    with pytest.raises(ManifestError, match="version 2"):
        SpeechEmotionClassifier.load(tmp_path / "old-True")


def test_classifier_clones_and_refits():
    from sklearn.base import clone

    X, y, s = voices()
    clf = SpeechEmotionClassifier("EmoDB7", ["egemaps"], C=0.5, min_speaker_utterances=4,
                                  class_weight=None, max_iter=300).fit(X, y, s)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params() and twin.scheme == "EmoDB7"
    assert not twin.fitted
    with pytest.raises(NotFittedError):
        twin.predict_proba(X)
    twin.fit(X, y, s)
    assert np.array_equal(twin.predict_proba(X, s), clf.predict_proba(X, s))
    assert twin.labels_[0] == "anger" and twin.scheme_name == "emodb7"


def test_binary_training_gives_logistic_probabilities():
    X, y, _ = voices()
    keep = [i for i, v in enumerate(y) if v != "neutral"]
    clf = SpeechEmotionClassifier("emodb7", "egemaps").fit(X[keep], [y[i] for i in keep])
    p = clf.predict_proba(X[keep])
    assert np.allclose(p.sum(1), 1) and p[:, [0, 5]].sum(1).min() > 0.999
    assert clf.score(X[keep], [y[i] for i in keep]) > 0.9
    from sklearn.linear_model import LogisticRegression

    Z = (X[keep] - X[keep].mean(0)) / X[keep].std(0)
    ref = LogisticRegression(C=0.1, max_iter=5000, class_weight="balanced").fit(
        Z, [y[i] for i in keep])
    assert list(ref.classes_) == ["anger", "sadness"]
    assert np.allclose(p[:, [0, 5]], ref.predict_proba(Z), atol=1e-4)


def test_clear_errors():
    X, y, s = voices()
    with pytest.raises(UnknownNameError, match="anger"):
        SpeechEmotionClassifier("emodb7", "egemaps").fit(X, ["angr"] * len(y))
    with pytest.raises(ValueError, match="two different"):
        SpeechEmotionClassifier("emodb7", "egemaps").fit(X, ["anger"] * len(y))
    clf = SpeechEmotionClassifier("emodb7", "egemaps").fit(X, y)
    with pytest.raises(ValueError, match="takes 8 features"):
        clf.predict_proba(X[:, :5])
    with pytest.raises(NotFittedError, match="not fitted"):
        SpeechEmotionClassifier().predict_proba(X)
    with pytest.raises(UnknownNameError):
        SpeechEmotionClassifier("emodb7", "egemaps+mfc")
    with pytest.raises(ValueError, match="speaker ids"):
        loso_evaluate(X, y, s[:-1])
    with pytest.raises(UnknownNameError):
        loso_evaluate(X, ["angr"] + y[1:], s)
    aliased = loso_evaluate(X, [v.capitalize() for v in y], s)  # names resolved like the scheme's
    assert aliased.uar == loso_evaluate(X, y, s).uar
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.predict_proba(bad)


def test_confusion_png(tmp_path):
    X, y, s = voices()
    res = loso_evaluate(X, y, s, features="egemaps")
    out = plot_confusion(res, tmp_path / "cm.png")
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_emodb_egemaps_loso_close_to_the_published_anchor(emodb, emodb_egemaps):
    """eGeMAPS + logistic regression, speaker-normalised, leave-one-speaker-out: the GeMAPS
    paper reports about 80% UAR; this recipe measures 82.5% on the original recordings (see
    docs/RESULTS.md)."""
    res = loso_evaluate(emodb_egemaps, emodb["labels"], emodb["subject"], features="egemaps",
                        C=0.1, head="speaker")
    assert res.uar > 0.75 and res.wa > 0.75
    glob = loso_evaluate(emodb_egemaps, emodb["labels"], emodb["subject"], features="egemaps",
                         C=0.1, head="global")
    assert 0.5 < glob.uar < res.uar
