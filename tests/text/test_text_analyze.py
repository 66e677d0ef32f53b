"""affectlab.analyze: one row per input, statuses for bad rows, any scheme, V/A/D."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import affectlab
from affectlab.errors import UnknownNameError
from affectlab.text.analyze import analyze, analyze_frame


def test_single_text_gives_one_result(multi_label_model):
    r = analyze("I am furious at work today", model=multi_label_model)
    assert isinstance(r, dict)
    assert r["scheme"] == "goemotions" and len(r["probs"]) == 28
    assert r["status"] == "ok" and "anger" in r["labels"] and r["top"] == "anger"
    assert all(-3 < r[d] < 3 for d in ("valence", "arousal", "dominance"))


def test_any_scheme_through_the_ontology(multi_label_model):
    r = affectlab.analyze("what a wonderful day", scheme="ekman7", model=multi_label_model)
    assert list(r["probs"]) == ["anger", "disgust", "fear", "joy", "sadness", "surprise",
                                "neutral"]
    assert r["top"] == "joy"
    r = analyze("I am terrified", scheme="parrott-primary", model=multi_label_model)
    assert r["scheme"] == "parrott-primary" and r["top"] == "fear"


def test_bad_rows_are_marked_not_dropped(multi_label_model):
    rows = ["I am so happy", None, "", "   ", 42, float("nan"), b"caf\xc3\xa9 \xff sad"]
    out = analyze(rows, model=multi_label_model)
    assert [r["status"] for r in out] == ["ok", "empty", "empty", "empty", "not-text", "empty",
                                          "ok"]
    for r in out[1:6]:
        assert r["labels"] == [] and r["top"] is None and r["valence"] is None
        assert all(p is None for p in r["probs"].values())


def test_long_texts_are_truncated_counted_and_warned_once(multi_label_model):
    huge = "I am so happy " * 200_000  # ~2.8 MB
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = analyze([huge, "I am sad", huge], model=multi_label_model)
    assert [r["status"] for r in out] == ["truncated", "ok", "truncated"]
    assert len(caught) == 1 and "2 text(s)" in str(caught[0].message)
    assert out[0]["top"] == "joy"


def test_frame_has_probability_columns(multi_label_model):
    frame = analyze_frame(["I hate this", None], "leia5", model=multi_label_model)
    assert list(frame.columns[:6]) == ["status", "top", "labels", "valence", "arousal",
                                       "dominance"]
    assert [c for c in frame.columns if c.startswith("p_")] == [
        "p_happiness", "p_affection", "p_sadness", "p_anger", "p_fear"]
    assert math.isnan(frame.loc[1, "p_anger"])


def test_unknown_scheme_and_bad_argument(multi_label_model):
    with pytest.raises(UnknownNameError, match="ekman7"):
        analyze("hi", scheme="ekmann", model=multi_label_model)
    with pytest.raises(TypeError, match="iterable of strings"):
        analyze(None, model=multi_label_model)
    assert analyze([], model=multi_label_model) == []


def test_model_without_a_scheme_cannot_be_mapped():
    from affectlab.text import AdapterConfig, EmotionClassifier, TrainSettings

    clf = EmotionClassifier(None, adapter=AdapterConfig(rank=0), progress=False,
                            settings=TrainSettings(epochs=1))
    clf.fit(["good", "bad", "fine", "awful"], ["pos", "neg", "pos", "neg"])
    assert analyze("good", model=clf)["scheme"] is None
    with pytest.raises(ValueError, match="belong to no scheme"):
        analyze("good", scheme="ekman7", model=clf)


def test_top_and_decided_labels_per_row_with_ties_and_rows_not_analysed():
    """The vectorised row rules against the obvious per-row loop: ties go to the first label,
    a row of NaN (not analysed) gets no label, thresholds apply label by label."""
    from types import SimpleNamespace

    from affectlab.text.analyze import _decide, _top

    labels = ["a", "b", "c"]
    probs = np.array([[0.2, 0.7, 0.7], [np.nan] * 3, [0.9, np.nan, 0.1], [0.1, 0.2, 0.3]])
    th = np.array([0.5, 0.6, 0.3])
    multi = SimpleNamespace(multi_label=True, scheme="s", thresholds=lambda scheme=None: th)
    single = SimpleNamespace(multi_label=False, scheme="s")
    want_top = [labels[int(np.nanargmax(r))] if np.isfinite(r).any() else None for r in probs]
    assert _top(probs, labels) == want_top == ["b", None, "a", "c"]
    assert _decide(multi, probs, None, labels) == [["b", "c"], [], ["a"], ["c"]]
    assert _decide(single, probs, None, labels) == [["b"], [], ["a"], ["c"]]
    assert _top(probs, []) == [None] * 4 and _decide(multi, probs, None, []) == [[]] * 4
