"""Persistence: reply states at the right positions, and an offset probe that learns and repeats."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from _lm_tiny import tiny_model

from affectlab.lm.probing.persistence import (
    OffsetProbe,
    PersistenceResult,
    collect_reply_states,
    persistence,
    plot_persistence,
    residual_site,
)

TEXTS = ["i am so happy today", "this is sad news about my dog", "hello"]


@pytest.fixture(scope="module", params=["llama", "gpt2"])
def lm(request):
    return tiny_model(request.param)


def _fixed_replies(lm, monkeypatch, replies):
    """Make lm.generate return the given reply ids (lengths 0.. chosen by the test)."""
    def fake(prompts, **kwargs):
        assert kwargs["return_ids"] and kwargs.get("chat", True)
        return [list(replies[i]) for i in range(len(prompts))]

    monkeypatch.setattr(lm, "generate", fake)


def test_residual_site_names():
    assert residual_site(3, 0) == "embed"
    assert residual_site(3, 1) == "blocks.0.resid_post"
    assert residual_site(3, 3) == residual_site(3, -1) == "blocks.2.resid_post"
    with pytest.raises(IndexError, match="0..3"):
        residual_site(3, 4)


def test_states_are_read_at_reply_token_positions(lm, monkeypatch):
    w = lm.tokenizer.convert_tokens_to_ids
    replies = [[w("good")], [w("the"), w("dog"), w("is"), w("bad")], []]
    _fixed_replies(lm, monkeypatch, replies)
    rs = collect_reply_states(lm, TEXTS, layer=2, max_offset=3, max_new_tokens=4, batch_size=2)
    assert rs.states.shape == (3, 3, lm.d_model) and rs.mask.shape == (3, 3)
    np.testing.assert_array_equal(rs.mask, [[1, 0, 0], [1, 1, 1], [0, 0, 0]])
    assert (rs.states[~rs.mask] == 0).all()
    assert rs.site == "blocks.1.resid_post" and rs.layer == 2
    assert rs.replies[1] == "the dog is bad" and list(rs.reply_lengths) == [1, 4, 0]
    for i, reply in enumerate(replies):
        prompt = lm.encode([TEXTS[i]], chat=True)["input_ids"][0].tolist()
        assert rs.prompt_lengths[i] == len(prompt)
        with lm.hooks(read=[rs.site]) as cache, torch.no_grad():
            lm.model(input_ids=torch.tensor([prompt + reply]))
        full = cache[rs.site][0].numpy()
        for k in range(min(len(reply), 3)):
            # offset k = the position of reply token k (input token reply[k])
            np.testing.assert_allclose(rs.states[i, k], full[len(prompt) + k], atol=1e-5)


def test_offsets_match_the_states_seen_during_generation(lm):
    """Offset k is where generation fed reply token k: cross-check with generation's own reads."""
    text = TEXTS[0]
    rs = collect_reply_states(lm, [text], layer=1, max_offset=4, max_new_tokens=5)
    assert rs.mask.all()
    prompt_len = int(rs.prompt_lengths[0])
    with lm.hooks(read=[rs.site]) as cache:
        ids = lm.generate([text], max_new_tokens=5, return_ids=True)
    assert ids[0] == rs.reply_ids[0]
    seen = cache[rs.site][0].numpy()  # prompt positions, then one per fed reply token
    for k in range(4):
        np.testing.assert_allclose(rs.states[0, k], seen[prompt_len + k], atol=1e-4)


def test_collect_checks_arguments(lm):
    with pytest.raises(ValueError, match="no texts"):
        collect_reply_states(lm, [], layer=1)
    with pytest.raises(ValueError, match="at least max_offset"):
        collect_reply_states(lm, TEXTS, layer=1, max_offset=8, max_new_tokens=4)
    with pytest.raises(IndexError):
        collect_reply_states(lm, TEXTS, layer=9, max_offset=2, max_new_tokens=2)


def _synthetic(n=150, k=6, d=8, seed=0):
    """States whose class mean fades with the offset; replies of random lengths."""
    means = np.random.default_rng(123).normal(size=(3, d)) * 3.0  # shared by train and test
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    fade = 0.5 ** np.arange(k)
    states = means[y][:, None, :] * fade[None, :, None] + rng.normal(size=(n, k, d))
    lengths = rng.integers(2, k + 1, size=n)
    mask = np.arange(k)[None, :] < lengths[:, None]
    states[~mask] = 0.0
    return states.astype(np.float32), mask, np.array(["anger", "joy", "sadness"])[y]


def test_offset_probe_learns_a_signal_that_fades_with_the_offset():
    states, mask, y = _synthetic(n=100)
    test_states, test_mask, test_y = _synthetic(seed=1)
    probe = OffsetProbe(hidden=16, offset_dim=4, epochs=4, lr=1e-2, random_state=0)
    probe.fit(states, mask, y)
    acc = probe.score_by_offset(test_states, test_mask, test_y)
    assert set(acc) == set(range(6))
    assert acc[0] > 0.9 and acc[0] > acc[5]
    assert 0.0 < probe.score(test_states, test_mask, test_y) <= 1.0
    pred = probe.predict(test_states, test_mask)
    assert pred.shape == test_mask.shape and all(p is None for p in pred[~test_mask])


def test_offset_probe_is_deterministic_for_a_seed():
    states, mask, y = _synthetic(n=40)

    def proba(seed):
        probe = OffsetProbe(hidden=8, offset_dim=2, epochs=2, random_state=seed)
        return probe.fit(states, mask, y).predict_proba(states, mask)

    first = proba(0)
    np.testing.assert_array_equal(first, proba(0))
    assert not np.array_equal(np.nan_to_num(first), np.nan_to_num(proba(1)))


def test_offset_probe_clones_refits_and_says_when_not_fitted():
    from sklearn.base import clone

    from affectlab.core.errors import NotFittedError

    states, mask, y = _synthetic(n=40)
    with pytest.raises(NotFittedError, match="not fitted"):
        OffsetProbe().predict(states, mask)
    probe = OffsetProbe(hidden=8, offset_dim=2, epochs=2, lr=5e-3, random_state=3)
    params = probe.get_params()
    probe.fit(states, mask, y)
    copy = clone(probe)
    assert copy.get_params() == params and not hasattr(copy, "model_")
    np.testing.assert_array_equal(copy.fit(states, mask, y).predict_proba(states, mask),
                                  probe.predict_proba(states, mask))


def test_offset_probe_checks_inputs():
    states, mask, y = _synthetic(n=20)
    with pytest.raises(ValueError, match="n_texts, n_offsets, d"):
        OffsetProbe().fit(states[:, 0], mask, y)
    with pytest.raises(ValueError, match="mask"):
        OffsetProbe().fit(states, mask[:, :2], y)
    with pytest.raises(ValueError, match="one class"):
        OffsetProbe().fit(states, mask, np.full(20, "joy"))
    with pytest.raises(ValueError, match="no valid"):
        OffsetProbe().fit(states, np.zeros_like(mask), y)


def test_persistence_end_to_end_on_a_tiny_model(tmp_path):
    lm = tiny_model("llama")
    words = ["happy", "sad", "angry", "good", "bad", "great"]
    train = [f"i am {a} {b}" for a in words[:4] for b in words[:3]]
    labels = ["joy", "sadness", "anger"]
    probe_set = SimpleNamespace(
        name="toy", labels=tuple(labels), train_texts=train,
        train_labels=[labels[i % 3] for i in range(len(train))],
        test_texts=[f"you are {a}" for a in words], test_labels=labels * 2)
    res = persistence(lm, probe_set, layer=2, max_offset=3, max_new_tokens=3,
                      probe=OffsetProbe(hidden=16, epochs=2), batch_size=8)
    assert isinstance(res, PersistenceResult)
    assert res.accuracy.shape == (3,) and res.recall.shape == (3, 3)
    assert list(res.counts) == [6, 6, 6] and res.recall_counts.sum() == 18
    assert res.chance == pytest.approx(1 / 3) and res.n_test == 6
    assert np.isfinite(res.accuracy).all() and ((0 <= res.accuracy) & (res.accuracy <= 1)).all()
    out = res.to_dict()
    json.dumps(out)
    assert set(out["recall"]) == set(labels)
    png = plot_persistence(res, tmp_path / "persistence.png")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
