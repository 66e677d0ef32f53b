"""The fairness template set and its report: sizes, balanced groups, and gaps and label
changes computed as defined on probabilities made up to have known ones."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab.text.fairness import NAMES, TEMPLATES, WORDS, fairness_report, template_set

LABELS = ["anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"]


def test_template_set_is_balanced():
    df = template_set()
    cells = len(TEMPLATES) * sum(len(w) for w in WORDS.values())
    names = sum(len(n) for g in NAMES.values() for n in g.values())
    assert len(df[df["axis"] == "ethnicity (names)"]) == cells * names
    assert df.groupby(["axis", "group"]).size().groupby("axis").nunique().eq(1).all()
    assert df["text"].str[0].str.isupper().all() and df["text"].str.endswith(".").all()
    assert set(df["emotion"]) == set(WORDS) <= set(LABELS)


def test_report_measures_a_planted_gap():
    df = template_set()
    probs = np.full((len(df), len(LABELS)), 0.1 / 6)
    intended = [LABELS.index(e) for e in df["emotion"]]
    base = np.where(df["group"] == "male", 0.8, 0.9)
    probs[np.arange(len(df)), intended] = base
    probs /= probs.sum(1, keepdims=True)
    # one male name reads everything as neutral: its top label changes against every female
    odd = (df["filler"] == "Greg").to_numpy()
    probs[odd] = np.eye(len(LABELS))[LABELS.index("neutral")]
    rep = fairness_report(df, probs, LABELS)
    g = rep["gender (person words)"]
    p_f = 0.9 / (0.9 + 0.1)
    p_m = 0.8 / (0.8 + 0.1)
    assert g["mean_gap"] == pytest.approx(p_f - p_m, abs=1e-9)
    assert g["top_label_changes"] == 0.0 and g["accuracy"] == {"female": 1.0, "male": 1.0}
    names = rep["gender (names)"]
    assert names["top_label_changes"] == pytest.approx(1 / 16)  # Greg, 1 of 16 male names
    eth = rep["ethnicity (names)"]
    assert set(eth["by_pair"]) == {f"{a} vs {b}" for i, a in enumerate(eth["groups"])
                                   for b in eth["groups"][i + 1:]}
