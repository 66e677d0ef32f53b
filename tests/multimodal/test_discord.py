"""Cross-modal discord: the divergence against hand values, absent modalities, the person's
own baseline taken out, and BAH's report against scikit-learn's metrics."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score

from affectlab.multimodal.discord import (
    adapt_by_subject,
    bah_report,
    best_threshold,
    discord_score,
    js_divergence,
    video_scores,
)


def test_js_divergence_by_hand():
    p = np.array([[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]])
    q = np.array([[0.0, 1.0], [0.5, 0.5], [0.5, 0.5]])
    m = np.array([0.75, 0.25])
    expected = 0.5 * (1 * np.log2(1 / 0.75)) + 0.5 * (0.5 * np.log2(0.5 / 0.75)
                                                      + 0.5 * np.log2(0.5 / 0.25))
    del m
    np.testing.assert_allclose(js_divergence(p, q), [1.0, 0.0, expected])


def test_discord_score_and_absent_modalities():
    joy, anger = np.array([[0, 1.0]]), np.array([[1.0, 0]])
    same = discord_score([joy, joy, joy], [np.array([0.8])] * 3)
    opposite = discord_score([joy, anger], [np.array([0.8]), np.array([-0.6])])
    assert same[0] == 0.0 and opposite[0] == pytest.approx(0.5 * 1 + 0.5 * 0.7)
    absent = np.full((1, 2), np.nan)
    one = discord_score([joy, absent, absent], [np.array([0.8]), np.array([np.nan]),
                                                np.array([np.nan])])
    assert np.isnan(one[0])  # one modality: no discord can be seen
    two = discord_score([joy, absent, anger], [np.array([0.8]), np.array([np.nan]),
                                               np.array([-0.6])])
    assert two[0] == pytest.approx(opposite[0])
    with pytest.raises(ValueError):
        discord_score([joy], [np.array([0.8])])


def test_subject_adaptation_takes_out_a_baseline():
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.5])
    people = ["a", "a", "a", "b", "b", "b", "c"]
    z = adapt_by_subject(scores, people)
    np.testing.assert_allclose(z[:3], z[3:6], atol=1e-9)  # b is a plus 0.5: the same after adaptation
    assert z[6] == 0.0 and abs(z[:3].mean()) < 1e-12


def test_bah_report_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = y * 0.3 + rng.random(200)
    videos = np.repeat(np.arange(25), 8)
    th = best_threshold(y, s)
    rep = bah_report(y, s, th, videos)
    assert rep["frame_f1_macro"] == pytest.approx(f1_score(y, s >= th, average="macro"))
    assert rep["frame_ap"] == pytest.approx(average_precision_score(y, s))
    vy, vs = video_scores(y, s, videos)
    assert rep["videos"] == 25 and vy.tolist() == [y[videos == k].max() for k in range(25)]
    assert rep["video_ap"] == pytest.approx(average_precision_score(vy, vs))
    assert th == max(np.unique(np.quantile(s, np.linspace(0.02, 0.98, 97))),
                     key=lambda g: f1_score(y, s >= g, average="macro"))
