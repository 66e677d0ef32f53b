"""Malleability: replies under system prompts, judged by a pluggable judge, shifts vs "none"."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _lm_tiny import tiny_model

from affectlab.errors import UnknownNameError
from affectlab.lm.probing.malleability import SYSTEM_PROMPTS, malleability, plot_malleability

TEXTS = ["i am so happy today", "this is sad news about my dog", "hello", "my cat is gross"]
EMOTIONS = ["anger", "joy", "sadness"]


class FakeJudge:
    """Probabilities from the reply's words (deterministic); records what it was asked."""

    def __init__(self, empty_as_nan: bool = True) -> None:
        self.calls: list[list[str]] = []
        self.empty_as_nan = empty_as_nan

    def __call__(self, texts):
        self.calls.append(list(texts))
        out = np.zeros((len(texts), 3))
        for i, t in enumerate(texts):
            if not t and self.empty_as_nan:
                out[i] = np.nan
                continue
            z = np.array([len(t) % 5, t.count("a"), 1.0 + len(t.split()) % 3])
            out[i] = np.exp(z) / np.exp(z).sum()
        return out, EMOTIONS


@pytest.fixture(scope="module")
def lm():
    return tiny_model("llama")


def test_three_conditions_judged_and_baseline_shift_is_zero(lm):
    judge = FakeJudge()
    res = malleability(lm, TEXTS, judge=judge, max_new_tokens=4, batch_size=3)
    assert res.conditions == list(SYSTEM_PROMPTS) == ["none", "emotional", "calm"]
    assert res.system_prompts["none"] is None
    assert len(judge.calls) == 3 and all(len(c) == len(TEXTS) for c in judge.calls)
    assert [judge.calls[i] for i in range(3)] == [res.replies[c] for c in res.conditions]
    assert res.labels == EMOTIONS and res.mean_prob.shape == (3, 3)
    np.testing.assert_array_equal(res.shift[0], 0.0)
    np.testing.assert_array_equal(res.top_shift[0], 0.0)
    for i, c in enumerate(res.conditions):
        probs, _ = FakeJudge()(res.replies[c])
        np.testing.assert_allclose(res.mean_prob[i], probs.mean(0))
        np.testing.assert_allclose(res.shift[i], probs.mean(0) - res.mean_prob[0])
        top = np.bincount(probs.argmax(1), minlength=3) / len(TEXTS)
        np.testing.assert_allclose(res.top_share[i], top)
    np.testing.assert_allclose(res.top_share.sum(1), 1.0)
    assert list(res.n_judged) == [4, 4, 4]
    json.dumps(res.to_dict())


def test_system_prompts_reach_the_model(lm, monkeypatch):
    seen = []

    def fake_generate(prompts, **kwargs):
        seen.append(kwargs["system"])
        return ["" if kwargs["system"] == "calm please" else "so angry" for _ in prompts]

    monkeypatch.setattr(lm, "generate", fake_generate)
    res = malleability(lm, TEXTS, judge=FakeJudge(),
                       conditions={"none": None, "calm": "calm please"})
    assert seen == [None, "calm please"]
    assert list(res.n_judged) == [4, 0]  # empty replies are not judged
    assert np.isnan(res.mean_prob[1]).all()


def test_breakdown_by_user_emotion(lm):
    users = ["joy", "sadness", "joy", "disgust"]
    res = malleability(lm, TEXTS, judge=FakeJudge(), labels=users, max_new_tokens=3,
                       conditions=["none", "calm"])
    assert res.conditions == ["none", "calm"]
    assert set(res.by_user_emotion) == {"joy", "sadness", "disgust"}
    joy = res.by_user_emotion["joy"]
    assert int(joy["n"]) == 2
    probs, _ = FakeJudge()([res.replies["calm"][i] for i in (0, 2)])
    np.testing.assert_allclose(joy["mean_prob"][1], probs.mean(0))
    np.testing.assert_array_equal(joy["shift"][0], 0.0)
    out = res.to_dict(replies=False)
    json.dumps(out)
    assert "replies" not in out and out["by_user_emotion"]["joy"]["n"] == 2


def test_bad_inputs_raise_clear_errors(lm):
    judge = FakeJudge()
    with pytest.raises(ValueError, match="no texts"):
        malleability(lm, [], judge=judge)
    with pytest.raises(UnknownNameError, match="emotional"):
        malleability(lm, TEXTS, judge=judge, conditions=["none", "emotionall"])
    with pytest.raises(UnknownNameError, match="baseline"):
        malleability(lm, TEXTS, judge=judge, conditions={"happy": "Be happy."})
    with pytest.raises(ValueError, match="one emotion per text"):
        malleability(lm, TEXTS, judge=judge, labels=["joy"])
    with pytest.raises(TypeError, match="list of names"):
        malleability(lm, TEXTS, judge=judge, conditions="calm")
    with pytest.raises(ValueError, match="shape"):
        malleability(lm, TEXTS, judge=lambda t: (np.ones((1, 3)), EMOTIONS), max_new_tokens=2)
    with pytest.raises(TypeError, match="must return"):
        malleability(lm, TEXTS, judge=lambda t: np.ones((len(t), 3)), max_new_tokens=2)


def test_plot_writes_a_png(lm, tmp_path):
    res = malleability(lm, TEXTS[:2], judge=FakeJudge(), max_new_tokens=2)
    png = plot_malleability(res, tmp_path / "m.png")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
