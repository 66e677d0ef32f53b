"""One model across corpora: the masked softmax, a head per corpus, V/A/D with unrated dims."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from affectlab.core.errors import UnknownNameError
from affectlab.text import AdapterConfig, EmotionClassifier, TrainSettings
from affectlab.text.corpora import CorpusPart
from affectlab.text.training import _loss
from conftest import templated

SETTINGS = TrainSettings(epochs=5, batch_size=16, lr=2e-3, head_lr=1e-2)


def _parts() -> list[CorpusPart]:
    """Two 'corpora' that each name three of the four emotions (in Ekman-7), as real ones
    overlap: the first has no fear, the second no anger."""
    texts, labels = templated()
    a = [(t, y) for t, y in zip(texts, labels, strict=True) if y != "fear"]
    b = [(t, y) for t, y in zip(texts, labels, strict=True) if y != "anger"]
    return [CorpusPart("first", [t for t, _ in a], [y for _, y in a],
                       ["anger", "joy", "sadness"]),
            CorpusPart("second", [t for t, _ in b], [y for _, y in b],
                       ["fear", "joy", "sadness"], weight=0.5)]


@pytest.fixture(scope="module", params=["masked", "per-corpus"])
def fitted(request) -> EmotionClassifier:
    clf = EmotionClassifier("ekman7", adapter=AdapterConfig(rank=4), settings=SETTINGS,
                            progress=False)
    texts, labels = templated()
    vad = np.array([[1.0 if y == "joy" else -0.7, 0.3, np.nan] for y in labels])
    return clf.fit_corpora(_parts(), heads=request.param, vad=(texts, vad))


def test_learns_every_corpus_labels(fitted):
    texts, labels = templated()
    probs = fitted.predict_proba(texts)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    names = fitted.labels_
    four = [names.index(x) for x in ("anger", "fear", "joy", "sadness")]
    pred = [names[four[i]] for i in probs[:, four].argmax(1)]
    assert np.mean([p == y for p, y in zip(pred, labels, strict=True)]) >= 0.9
    assert fitted.info_["training"]["examples"]["first"] == 60


def test_heads_follow_the_mode(fitted):
    specs = fitted._require().specs
    if fitted.label_heads_:
        assert fitted.label_heads_ == ["labels:first", "labels:second"]
        assert specs["labels:second"].labels == ["fear", "joy", "sadness"]
        assert "labels" not in specs
    else:
        assert specs["labels"].labels == fitted.labels_ and len(fitted.labels_) == 7


def test_unrated_dimension_is_left_out(fitted):
    vad = fitted.predict_vad(["what a wonderful day", "I hate this"])
    assert np.isfinite(vad[:, :2]).all() and vad[0, 0] > vad[1, 0]
    assert np.isnan(vad[:, 2]).all()  # no text rated dominance: it is not guessed


def test_save_load_round_trip(tmp_path, fitted):
    texts, _ = templated()
    fitted.save(tmp_path / "m")
    again = EmotionClassifier.load(tmp_path / "m")
    assert again.label_heads_ == fitted.label_heads_ and again.labels_ == fitted.labels_
    np.testing.assert_allclose(again.predict_proba(texts[:8]), fitted.predict_proba(texts[:8]),
                               atol=1e-5)
    assert again.predict(["I am terrified"]) == fitted.predict(["I am terrified"])


def test_masked_loss_is_cross_entropy_over_the_allowed_labels():
    logits = torch.tensor([[2.0, 0.5, -1.0, 3.0], [0.1, 0.2, 0.3, 0.4]])
    target = torch.tensor([1, 0])
    allowed = torch.tensor([True, True, False, False])
    want = torch.nn.functional.cross_entropy(logits[:, :2], target)
    assert torch.isclose(_loss("single", logits, target, allowed), want)
    # a NaN regression target is left out of the mean
    out = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = torch.tensor([[0.0, float("nan")], [1.0, float("nan")]])
    assert torch.isclose(_loss("regression", out, y), torch.tensor((1.0 + 4.0) / 2))


def test_bad_settings_are_clear():
    parts = _parts()
    with pytest.raises(UnknownNameError):
        EmotionClassifier("ekman7").fit_corpora(parts, heads="stacked")
    with pytest.raises(ValueError, match="target scheme"):
        EmotionClassifier().fit_corpora(parts)
    parts[0].labels[0] = "fear"  # a label the corpus cannot name
    with pytest.raises(ValueError, match="first"):
        EmotionClassifier("ekman7", progress=False).fit_corpora(parts)


def test_analyze_carries_one_label_into_another_scheme(fitted):
    from affectlab.text.analyze import analyze_frame

    f = analyze_frame(["I am terrified", "what a wonderful day"], "carer6", model=fitted)
    assert [len(x) for x in f["labels"]] == [1, 1]
    assert f["labels"].map(lambda x: x[0]).tolist() == f["top"].tolist()


@pytest.fixture(scope="module")
def with_native() -> EmotionClassifier:
    """GoEmotions-28 labels (multi-label, dev-tuned) beside the masked Ekman-7 head."""
    texts, labels = templated()
    rows = [[y] for y in labels]
    clf = EmotionClassifier("goemotions", adapter=AdapterConfig(rank=4), settings=SETTINGS,
                            progress=False)
    return clf.fit_corpora(_parts(), space="ekman7", native=(texts, rows),
                           dev=(texts[::2], rows[::2]))


def test_native_head_beside_the_space_head(with_native):
    texts, labels = templated()
    specs = with_native._require().specs
    assert with_native.scheme == "goemotions" and len(with_native.labels_) == 28
    assert specs["labels"].kind == "multilabel" and specs["labels:ekman7"].kind == "single"
    assert with_native.scheme_heads_ == {"ekman7": "labels:ekman7"}
    assert set(with_native.info_["training"]["examples"]) == {"goemotions (own labels)", "first",
                                                              "second"}
    own = with_native.predict_proba(texts)
    ekman = with_native.predict_proba(texts, scheme="ekman7")
    assert own.shape == (len(texts), 28)
    np.testing.assert_allclose(ekman.sum(1), 1.0, atol=1e-5)  # the softmax head, not a mapping
    assert not np.allclose(ekman, with_native.map_proba(own, "ekman7"), atol=1e-3)
    names = list(with_native.thresholds_["ekman7"])
    pred = [names[i] for i in ekman.argmax(1)]
    assert np.mean([p == y for p, y in zip(pred, labels, strict=True)]) >= 0.9
    assert with_native.predict(["I am terrified"]) == [["fear"]]


def test_analyze_answers_from_the_head_of_the_scheme(with_native):
    from affectlab.text.analyze import analyze_frame

    texts = ["I am terrified", "what a wonderful day", "I hate this so much"]
    f = analyze_frame(texts, "ekman7", model=with_native)
    cols = [f"p_{x}" for x in with_native.thresholds_["ekman7"]]
    np.testing.assert_allclose(f[cols].to_numpy(), with_native.predict_proba(texts, "ekman7"),
                               atol=1e-6)
    assert f["top"].tolist() == ["fear", "joy", "anger"]
    carer = analyze_frame(texts, "carer6", model=with_native)  # no head: carried from 28
    mapped = with_native.map_proba(with_native.predict_proba(texts), "carer6")
    np.testing.assert_allclose(carer[[c for c in carer if c.startswith("p_")]].to_numpy(),
                               mapped, atol=1e-6)
    onnx = analyze_frame(texts, "ekman7", model=with_native, engine="onnx")
    np.testing.assert_allclose(onnx[cols].to_numpy(), f[cols].to_numpy(), atol=1e-4)


def test_native_head_round_trip(tmp_path, with_native):
    texts, _ = templated()
    with_native.save(tmp_path / "m")
    again = EmotionClassifier.load(tmp_path / "m")
    assert again.scheme_heads_ == with_native.scheme_heads_
    assert again.thresholds_["ekman7"] == with_native.thresholds_["ekman7"]
    np.testing.assert_allclose(again.predict_proba(texts[:8], "ekman7"),
                               with_native.predict_proba(texts[:8], "ekman7"), atol=1e-5)


def test_native_head_needs_a_masked_space_head():
    texts, labels = templated()
    rows = [[y] for y in labels]
    with pytest.raises(ValueError, match="own scheme"):
        EmotionClassifier("goemotions").fit_corpora(_parts(), heads="per-corpus",
                                                    space="ekman7", native=(texts, rows))
    with pytest.raises(ValueError, match="give `native`"):
        EmotionClassifier("goemotions").fit_corpora(_parts(), space="ekman7")


def test_soft_targets_are_cross_entropy_against_probabilities():
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    hard = torch.tensor([0, 2])
    one_hot = torch.nn.functional.one_hot(hard, 3).float()
    assert torch.isclose(_loss("single", logits, one_hot), _loss("single", logits, hard))
    soft = torch.tensor([[0.7, 0.3, 0.0], [0.2, 0.2, 0.6]])
    want = -(soft * torch.log_softmax(logits, -1)).sum(-1).mean()
    assert torch.isclose(_loss("single", logits, soft), want)
    allowed = torch.tensor([True, True, False])  # a masked output with no mass is no NaN
    assert torch.isfinite(_loss("single", logits, soft[:1].repeat(2, 1), allowed))


def test_teacher_outputs_are_cached_in_resumable_pieces(tmp_path, with_native):
    from affectlab.text.distil import teacher_outputs

    texts, _ = templated()
    folder = tmp_path / "teacher"
    first = teacher_outputs(with_native, texts, folder, piece=32, progress=False)
    assert sorted(first) == ["labels", "labels:ekman7"] and len(first["labels"]) == len(texts)
    pieces = sorted(folder.glob("piece-*.safetensors"))
    assert len(pieces) == 3
    pieces[1].unlink()  # a run killed before its second piece
    again = teacher_outputs(with_native, texts, folder, piece=32, progress=False)
    for k in first:
        np.testing.assert_allclose(again[k], first[k], atol=1e-6)
    np.testing.assert_allclose(first["labels:ekman7"], with_native.predict_proba(texts, "ekman7"),
                               atol=1e-5)
    with pytest.raises(ValueError, match="other texts"):
        teacher_outputs(with_native, texts[:10], folder, progress=False)
    other = EmotionClassifier.load(_saved(with_native, tmp_path))
    other._weights = {k: v + 1 for k, v in other._weights.items()}  # same shape, other weights
    with pytest.raises(ValueError, match="another"):
        teacher_outputs(other, texts, folder, progress=False)


def _saved(clf: EmotionClassifier, tmp_path) -> object:
    return clf.save(tmp_path / "teacher-copy")


def test_a_student_learns_to_answer_as_its_teacher(fitted):
    texts, _ = templated()
    longer = TrainSettings(**{**SETTINGS.to_dict(), "epochs": 10})
    student = EmotionClassifier(adapter=AdapterConfig(rank=4), settings=longer,
                                progress=False).fit_distil(fitted, texts)
    assert (student.scheme, student.labels_, student.label_heads_) == \
        (fitted.scheme, fitted.labels_, fitted.label_heads_)
    teacher, got = fitted.forward(texts)[0], student.forward(texts)[0]
    for head, spec in fitted._require().specs.items():  # each head learnt its teacher's answers
        if spec.kind == "single":
            assert np.mean(teacher[head].argmax(1) == got[head].argmax(1)) >= 0.9, head
    vad = student.predict_vad(texts)
    assert np.isnan(vad[:, 2]).all()  # the teacher never rated dominance: neither does it
    assert np.corrcoef(vad[:, 0], fitted.predict_vad(texts)[:, 0])[0, 1] > 0.9
    assert "teacher" in student.info_["data"]
    with pytest.raises(ValueError, match="teacher outputs"):
        EmotionClassifier(progress=False).fit_distil(
            fitted, texts, outputs={"labels": np.zeros((3, 7))})


def test_warm_start_takes_the_adapter_and_the_matching_heads(tmp_path, fitted):
    """`init=` starts from a saved model: with (almost) no learning the new model answers as
    the saved one; heads whose name or labels differ start fresh; a different adapter fails."""
    from sklearn.base import clone

    if fitted.label_heads_:
        pytest.skip("the masked model is the one warm-started from")
    texts, labels = templated()
    fitted.save(tmp_path / "m")
    still = TrainSettings(epochs=0.2, batch_size=16, lr=1e-12, head_lr=1e-12)
    vad = np.array([[1.0 if y == "joy" else -0.7, 0.3, np.nan] for y in labels])
    warm = EmotionClassifier("ekman7", adapter=AdapterConfig(rank=4), settings=still,
                             progress=False, init=tmp_path / "m")
    assert clone(warm).init == tmp_path / "m"
    warm.fit_corpora(_parts(), vad=(texts, vad))
    np.testing.assert_allclose(warm.predict_proba(texts[:12]), fitted.predict_proba(texts[:12]),
                               atol=1e-4)
    assert warm.info_["training"]["init"]["heads"] == ["labels", "vad"]
    warm.save(tmp_path / "warm")
    card = (tmp_path / "warm" / "MODEL_CARD.md").read_text()
    assert f"started from: the model `{tmp_path / 'm'}`" in card and "labels, vad" in card
    cold = EmotionClassifier("ekman7", adapter=AdapterConfig(rank=4), settings=still,
                             progress=False).fit_corpora(_parts())
    assert np.abs(cold.predict_proba(texts[:12]) - fitted.predict_proba(texts[:12])).max() > 0.05
    per_corpus = EmotionClassifier("ekman7", adapter=AdapterConfig(rank=4), settings=still,
                                   progress=False, init=tmp_path / "m")
    per_corpus.fit_corpora(_parts(), heads="per-corpus")
    assert per_corpus.info_["training"]["init"]["heads"] == []  # its heads are new
    with pytest.raises(ValueError, match="adapter"):
        EmotionClassifier("ekman7", adapter=AdapterConfig(rank=8), settings=still,
                          progress=False, init=tmp_path / "m").fit_corpora(_parts())
