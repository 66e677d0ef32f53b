"""Activation extraction: pooling, bucketing, the on-disk cache (hits, invalidation, resume)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _lm_tiny import tiny_model

from affectlab.lm.model import activations as act
from affectlab.lm.model.activations import extract, residual_sites

TEXTS = ["i am so happy today", "sad", "this is sad news about my dog and my cat at home",
         "what a surprise", "tell me about your week", "gross", "hello good news", "i am afraid"]


@pytest.fixture(scope="module", params=["llama", "gpt2"])
def lm(request):
    return tiny_model(request.param)


def _manual(lm, text, site, pooling):
    batch = lm.encode([text])
    with lm.hooks(read=[site]) as cache:
        lm.forward(batch)
    x = cache[site][0]
    return x[-1] if pooling == "last" else x.mean(0)


@pytest.mark.parametrize("pooling", ["last", "mean"])
def test_pooled_values_equal_single_text_reads(lm, pooling):
    got = extract(lm, TEXTS, pooling=pooling, batch_size=3, cache=False, progress=False)
    assert got.values.shape == (len(TEXTS), lm.n_layers + 1, lm.d_model)
    assert got.sites == residual_sites(lm.n_layers)
    for t, text in enumerate(TEXTS):
        for k in (0, lm.n_layers):
            want = _manual(lm, text, got.sites[k], pooling).numpy()
            np.testing.assert_allclose(got.values[t, k], want, rtol=1e-4, atol=1e-5)
    assert list(got.n_tokens) == [len(lm.encode([t])["input_ids"][0]) for t in TEXTS]


def test_batching_and_bucketing_do_not_change_the_numbers(lm):
    a = extract(lm, TEXTS, batch_size=1, cache=False, progress=False)
    b = extract(lm, TEXTS, batch_size=8, max_tokens=20, shard_size=3, cache=False,
                progress=False)
    np.testing.assert_allclose(a.values, b.values, rtol=1e-4, atol=1e-5)


def test_any_sites_and_depths(lm):
    sites = ["blocks.0.mlp.out", "blocks.-1.attn.out"]
    got = extract(lm, TEXTS[:3], sites=sites, cache=False, progress=False)
    assert got.sites == ["blocks.0.mlp.out", f"blocks.{lm.n_layers - 1}.attn.out"]
    full = extract(lm, TEXTS[:3], cache=False, progress=False)
    assert full.depth_index(0.0) == 0 and full.depth_index(1.0) == lm.n_layers
    with pytest.raises(ValueError):
        full.depth_index(1.5)


def test_the_cache_hits_and_invalidates(lm, tmp_path, monkeypatch):
    calls = []
    real = act._run_batch
    monkeypatch.setattr(act, "_run_batch", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = extract(lm, TEXTS, cache_dir=tmp_path, progress=False)
    n = len(calls)
    assert n > 0 and not first.from_cache
    second = extract(lm, TEXTS, cache_dir=tmp_path, progress=False)
    assert len(calls) == n and second.from_cache
    np.testing.assert_array_equal(first.values, second.values)
    # another text, pooling, template or model: a new key, computed again
    keys = {p.name for p in tmp_path.iterdir()}
    extract(lm, TEXTS[:-1] + ["hello"], cache_dir=tmp_path, progress=False)
    extract(lm, TEXTS, pooling="mean", cache_dir=tmp_path, progress=False)
    extract(lm, TEXTS, chat=True, cache_dir=tmp_path, progress=False)
    other = tiny_model(lm.adapter.family, seed=1)
    extract(other, TEXTS, cache_dir=tmp_path, progress=False)
    assert len({p.name for p in tmp_path.iterdir()} - keys) == 4
    assert not list(tmp_path.rglob("*.tmp*"))


def test_a_killed_run_resumes_at_the_missing_shard(lm, tmp_path, monkeypatch):
    real = act._run_batch
    calls = []

    def dies_on_second_shard(lm_, texts, *a, **k):
        if len(calls) == 1:
            raise KeyboardInterrupt
        calls.append(len(texts))
        return real(lm_, texts, *a, **k)

    monkeypatch.setattr(act, "_run_batch", dies_on_second_shard)
    with pytest.raises(KeyboardInterrupt):
        extract(lm, TEXTS, shard_size=4, batch_size=4, cache_dir=tmp_path, progress=False)
    shards = sorted(tmp_path.rglob("shard-*.safetensors"))
    assert len(shards) == 1 and not list(tmp_path.rglob("*.tmp*"))
    calls.clear()
    monkeypatch.setattr(act, "_run_batch", lambda *a, **k: calls.append(1) or real(*a, **k))
    resumed = extract(lm, TEXTS, shard_size=4, batch_size=4, cache_dir=tmp_path,
                      progress=False)
    assert len(calls) == 1  # only the second shard
    fresh = extract(lm, TEXTS, cache=False, progress=False)
    np.testing.assert_allclose(resumed.values, fresh.values, rtol=1e-4, atol=1e-5)


def test_bad_input_is_a_clear_error(lm):
    with pytest.raises(ValueError, match="no texts"):
        extract(lm, [], cache=False)
    with pytest.raises(ValueError, match="pooling"):
        extract(lm, TEXTS, pooling="max", cache=False)
    with pytest.raises(ValueError, match="empty"):
        extract(lm, ["hello", ""], cache=False, progress=False)
    with pytest.raises(TypeError):
        extract(lm, ["hello", 3], cache=False)


def test_reads_do_not_leave_inference_state_behind(lm):
    got = extract(lm, TEXTS[:2], cache=False, progress=False)
    assert isinstance(got.values, np.ndarray) and got.values.dtype == np.float32
    assert torch.is_grad_enabled()


def test_every_setting_and_the_template_are_in_the_key(lm, tmp_path):
    def keys():
        return {p.name for p in tmp_path.iterdir()}

    extract(lm, TEXTS, chat=True, cache_dir=tmp_path, progress=False)
    seen = keys()
    extract(lm, TEXTS, chat=True, system="you are good", cache_dir=tmp_path, progress=False)
    extract(lm, TEXTS, sites=["blocks.0.mlp.out"], cache_dir=tmp_path, progress=False)
    with pytest.warns(UserWarning, match="longer than 4 tokens"):
        extract(lm, TEXTS, max_length=4, cache_dir=tmp_path, progress=False)
    assert len(keys() - seen) == 3
    seen = keys()
    template = lm.tokenizer.chat_template
    try:
        lm.tokenizer.chat_template = template.replace("assistant", "assistant hello")
        changed = extract(lm, TEXTS, chat=True, cache_dir=tmp_path, progress=False)
        assert not changed.from_cache and len(keys() - seen) == 1
    finally:
        lm.tokenizer.chat_template = template


def test_edited_activations_are_never_cached(lm, tmp_path):
    def bump(x):
        return x + 1.0

    with lm.hooks(edit={"blocks.0.resid_post": bump}):
        edited = extract(lm, TEXTS, cache_dir=tmp_path, progress=False)
    assert not list(tmp_path.iterdir())
    plain = extract(lm, TEXTS, cache_dir=tmp_path, progress=False)
    assert not np.allclose(edited.values[:, 1], plain.values[:, 1])
    assert not lm.editing


def test_weights_changed_in_place_need_a_new_fingerprint(tmp_path):
    model = tiny_model("llama")
    first = extract(model, TEXTS, cache_dir=tmp_path, progress=False)
    with torch.no_grad():
        model.adapter.mlp_out_proj(0).weight.mul_(2.0)
    old = model.fingerprint
    assert model.refresh_fingerprint() != old
    second = extract(model, TEXTS, cache_dir=tmp_path, progress=False)
    assert not second.from_cache
    assert not np.allclose(first.values[:, 1], second.values[:, 1])


def test_hooks_are_removed_when_the_forward_pass_fails(lm):
    def count() -> int:
        return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in lm.model.modules())

    before = count()

    def boom(x):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"), lm.hooks(edit={"blocks.0.mlp.out": boom}):
        lm.forward(lm.encode(TEXTS))
    assert count() == before and not lm.editing
