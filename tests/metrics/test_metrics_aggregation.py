"""Per-subject, per-sequence and OMG-Empathy aggregation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from affectlab import metrics as M

pytestmark = pytest.mark.filterwarnings("error")


def _traces(seed: int, n_subjects: int = 4, n_stories: int = 3):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        for st in range(n_stories):
            n = int(rng.integers(5, 30))
            y = np.cumsum(rng.normal(0, 1, n))
            rows.append(
                pd.DataFrame(
                    {
                        "subject": f"S{s}",
                        "story": st + 1,
                        "y_true": y,
                        "y_pred": 0.6 * y + rng.normal(0, 1, n),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True).sample(frac=1.0, random_state=seed)


@pytest.mark.parametrize("seed", range(4))
def test_per_subject_and_mean(seed):
    df = _traces(seed)
    res = M.per_subject(M.ccc, df.y_true, df.y_pred, df.subject)
    assert list(res) == list(pd.unique(df.subject))  # first-appearance order
    for subject, value in res.items():
        part = df[df.subject == subject]
        assert value == pytest.approx(M.ccc(part.y_true, part.y_pred))
    assert M.mean_over_subjects("ccc", df.y_true, df.y_pred, df.subject) == pytest.approx(
        np.mean(list(res.values()))
    )


def test_mean_over_subjects_nan_handling():
    y_true = [1.0, 2.0, 3.0, 5.0, 5.0, 5.0]
    y_pred = [1.0, 2.5, 2.0, 1.0, 2.0, 3.0]
    subjects = ["a", "a", "a", "b", "b", "b"]  # subject b's truth is constant
    assert np.isnan(M.mean_over_subjects("pearson", y_true, y_pred, subjects))
    assert M.mean_over_subjects("pearson", y_true, y_pred, subjects, ignore_nan=True) == (
        pytest.approx(M.pearson(y_true[:3], y_pred[:3]))
    )


def test_sequences_and_pooled():
    rng = np.random.default_rng(7)
    t = [rng.normal(size=n) for n in (5, 20, 9)]
    p = [a + rng.normal(scale=0.5, size=a.size) for a in t]
    per = M.per_sequence("ccc", t, p)
    assert per == pytest.approx([M.ccc(a, b) for a, b in zip(t, p, strict=True)])
    assert M.mean_over_sequences(M.ccc, t, p) == pytest.approx(np.mean(per))
    assert M.pooled("ccc", t, p) == pytest.approx(M.ccc(np.concatenate(t), np.concatenate(p)))
    # Classification metrics work the same way.
    assert M.pooled("macro_f1", [[0, 1], [1]], [[0, 0], [1]]) == pytest.approx(
        M.macro_f1([0, 1, 1], [0, 0, 1])
    )
    with pytest.raises(ValueError, match="sequence 1: length mismatch"):
        M.per_sequence("ccc", [[1, 2], [1, 2, 3]], [[1, 2], [1, 2]])
    with pytest.raises(ValueError, match="2 true sequences and 1"):
        M.pooled("ccc", [[1, 2], [1, 2]], [[1, 2]])
    with pytest.raises(ValueError, match="no sequences"):
        M.mean_over_sequences("ccc", [], [])


def test_omg_empathy_full_grid():
    df = _traces(3)
    res = M.omg_empathy_scores(df.y_true, df.y_pred, df.subject, df.story)
    assert len(res["per_video"]) == 12
    for (subject, story), value in res["per_video"].items():
        part = df[(df.subject == subject) & (df.story == story)]
        assert value == pytest.approx(M.ccc(part.y_true, part.y_pred))
    grid = np.mean(list(res["per_video"].values()))
    # With every subject telling every story, both track means equal the grand mean.
    assert res["personalised"] == pytest.approx(grid)
    assert res["generalised"] == pytest.approx(grid)


def test_omg_empathy_incomplete_grid_hand_example():
    # Videos: (a,1) perfect, (a,2) anti-correlated, (b,1) perfect; (b,2) missing.
    y_true = [1, 2, 3, 1, 2, 3, 1, 2, 3]
    y_pred = [1, 2, 3, 3, 2, 1, 1, 2, 3]
    subjects = ["a"] * 6 + ["b"] * 3
    stories = [1, 1, 1, 2, 2, 2, 1, 1, 1]
    res = M.omg_empathy_scores(y_true, y_pred, subjects, stories, metric="pearson")
    assert res["per_subject"] == pytest.approx({"a": 0.0, "b": 1.0})
    assert res["per_story"] == pytest.approx({1: 1.0, 2: -1.0})
    assert res["personalised"] == pytest.approx(0.5)
    assert res["generalised"] == pytest.approx(0.0)


def test_aggregation_errors():
    with pytest.raises(ValueError, match="unknown metric"):
        M.per_subject("r2", [1, 2], [1, 2], ["a", "a"])
    with pytest.raises(ValueError, match="subjects has 3 entries for 2 samples"):
        M.per_subject("ccc", [1, 2], [1, 2], ["a", "a", "b"])
    with pytest.raises(ValueError, match="missing ids"):
        M.per_subject("ccc", [1, 2], [1, 2], ["a", None])
    with pytest.raises(ValueError, match="length mismatch"):
        M.mean_over_subjects("ccc", [1, 2], [1], ["a", "a"])
    assert M.get_metric("uar") is M.uar
