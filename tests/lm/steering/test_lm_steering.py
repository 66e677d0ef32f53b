"""Emotion directions from prompts, steering edits, and their bad-input errors (tiny Llama)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _lm_tiny import tiny_model

from affectlab.errors import UnknownNameError
from affectlab.lm.steering.emotion_directions import (
    EmotionDirections,
    directions_from_states,
    last_token_states,
)
from affectlab.lm.steering.scenarios import SevItem
from affectlab.lm.steering.vectors import check_alpha, resolve_layers, steer, steering_edits

# the tiny tokenizer knows few words: each "emotion" is a system prompt made of known words
SYSTEMS = {"joy": "i am so happy", "sadness": "i am so sad", "anger": "i am so angry"}
USERS = ["tell me about my week", "my dog is home", "what a week at work", "the cat is good"]


def items():
    return [SevItem(f"s{k}", "home", v, e, user, SYSTEMS[e])
            for k, user in enumerate(USERS) for v in ("positive", "negative")
            for e in SYSTEMS]


@pytest.fixture(scope="module")
def lm():
    return tiny_model("llama", n_layers=3)


@pytest.fixture(scope="module")
def dirs(lm):
    its = items()
    sites = [f"blocks.{i}.{p}" for i in range(lm.n_layers) for p in ("resid_mid", "resid_post")]
    states = last_token_states(lm, its, sites, batch_size=5, progress=False)
    vectors, stability = directions_from_states(states, its, lm.n_layers, list(SYSTEMS))
    return EmotionDirections(vectors, list(SYSTEMS), stability=stability)


@pytest.mark.parametrize("family", ["llama", "gpt2"])
def test_last_token_states_do_not_depend_on_padding(family):
    """Learned absolute positions (GPT-2) must count from the first real token."""
    lm = tiny_model(family, n_layers=2)
    its = [SevItem("s", "home", "neutral", "joy", u, "hello") for u in
           ("hello", "tell me about my week at work and home", "my dog")]
    got = last_token_states(lm, its, ["blocks.1.resid_post"], batch_size=3, progress=False)
    for k, it in enumerate(its):
        one = last_token_states(lm, [it], ["blocks.1.resid_post"], progress=False)
        assert np.allclose(got["blocks.1.resid_post"][k], one["blocks.1.resid_post"][0],
                           atol=1e-4)


def test_last_token_states_equal_one_prompt_at_a_time(lm):
    its = items()[:6]
    got = last_token_states(lm, its, ["blocks.1.resid_post"], batch_size=4, progress=False)
    for k, it in enumerate(its):
        _, cache = lm.run_with_cache([it.user], ["blocks.1.resid_post"], chat=True,
                                     system=it.system)
        assert np.allclose(got["blocks.1.resid_post"][k], cache["blocks.1.resid_post"][0, -1],
                           atol=1e-5)


def test_directions_are_unit_centred_and_stable(dirs, tmp_path):
    assert dirs.vectors.shape == (3, 2, 3, 32)
    assert np.allclose(np.linalg.norm(dirs.vectors, axis=-1), 1.0, atol=1e-5)
    assert len(dirs.stability["mlp"]["mean"]) == 3
    back = EmotionDirections.load(dirs.save(tmp_path / "d"))
    assert np.array_equal(back.vectors, dirs.vectors) and back.emotions == dirs.emotions
    assert back.direction("joy", -1).space == "blocks.2.resid_post"
    assert back.direction("joy", 0, "attn").space == "blocks.0.resid_mid"


def test_steering_adds_alpha_rms_v_at_the_last_token_only(lm, dirs):
    site = "blocks.1.resid_post"
    batch = lm.encode(["tell me about my week"], chat=True, system="hello")
    with lm.hooks(read=[site]) as plain:
        lm.forward(batch)
    edits = steering_edits(dirs, "joy", 3.0, [1])
    with lm.hooks(read=[site], edit=edits) as steered:
        lm.forward(batch)
    h, g = plain[site][0], steered[site][0]
    rms = h[-1].pow(2).mean().sqrt()
    want = 3.0 * rms * torch.as_tensor(dirs.vector("joy", 1))
    assert torch.allclose(g[-1] - h[-1], want, atol=1e-5)
    assert torch.allclose(g[:-1], h[:-1])


def test_prompt_only_steering_leaves_decoding_steps_alone(lm, dirs):
    calls = []
    edits = steering_edits(dirs, "anger", 50.0, [0], positions="prompt")
    inner = edits["blocks.0.resid_post"]

    def spy(x):
        out = inner(x)
        calls.append((x.shape[1], out is not None))
        return out

    lm.generate(["tell me about my week"], max_new_tokens=3, edit={"blocks.0.resid_post": spy})
    assert calls[0][0] > 1 and calls[0][1]
    assert all(not edited for n, edited in calls[1:] if n == 1)


def test_steering_changes_greedy_output_and_is_deterministic(lm, dirs):
    prompt = ["tell me about my week"]
    plain = lm.generate(prompt, max_new_tokens=6, return_ids=True)
    a = steer(lm, prompt, "sadness", 40.0, [0, 1, 2], directions=dirs, max_new_tokens=6,
              return_ids=True, system="hello")
    b = steer(lm, prompt, "sadness", 40.0, "0-2", directions=dirs, max_new_tokens=6,
              return_ids=True, system="hello")
    assert a == b
    assert a != plain
    c = steer(lm, prompt, "sadness", 2.0, [1], directions=dirs, max_new_tokens=6,
              do_sample=True, seed=3, system="hello")
    assert c == steer(lm, prompt, "sadness", 2.0, [1], directions=dirs, max_new_tokens=6,
                      do_sample=True, seed=3, system="hello")


@pytest.mark.parametrize("alpha", [float("nan"), float("inf"), "strong", None])
def test_alpha_must_be_finite(alpha):
    with pytest.raises(ValueError, match="alpha"):
        check_alpha(alpha)


def test_layers_are_checked_and_parsed():
    assert resolve_layers("1-3,5", 6) == [1, 2, 3, 5]
    assert resolve_layers(-1, 6) == [5]
    assert resolve_layers(None, 30) == list(range(16, 26))
    assert resolve_layers(None, 1) == [0]
    assert resolve_layers(np.int64(2), 6) == [2] == resolve_layers([np.int64(2)], 6)
    with pytest.raises(ValueError, match="whole numbers"):
        resolve_layers([1.5], 6)
    with pytest.raises(ValueError, match="out of range"):
        resolve_layers([7], 6)
    with pytest.raises(ValueError, match="out of range"):
        resolve_layers("2-9", 6)
    with pytest.raises(ValueError, match="cannot read"):
        resolve_layers("a-b", 6)


def test_unknown_emotion_and_sublayer_are_clear_errors(dirs):
    with pytest.raises(UnknownNameError, match="Valid emotions"):
        steering_edits(dirs, "ennui", 1.0, [0])
    with pytest.raises(ValueError, match="sublayer"):
        steering_edits(dirs, "joy", 1.0, [0], sublayer="ffn")
    with pytest.raises(ValueError, match="positions"):
        steering_edits(dirs, "joy", 1.0, [0], positions="everywhere")
    with pytest.raises(ValueError, match="out of range"):
        dirs.direction("joy", 3)


def test_directions_for_another_model_are_refused(lm, dirs):
    other = EmotionDirections(np.ones((2, 2, 3, 32)), list(SYSTEMS))
    with pytest.raises(ValueError, match="layers"):
        steer(lm, ["hello"], "joy", 1.0, [0], directions=other)


def test_prefill_is_appended_after_the_generation_prompt(lm):
    plain = lm.format(["my dog is home"], chat=True, system="hello")[0]
    assert lm.format(["my dog is home"], chat=True, system="hello", prefill="i am so sad")[0] \
        == plain + "i am so sad"
    two = lm.format(["hello", "my dog"], chat=True, prefill=["a", "b"])
    assert two[0].endswith("a") and two[1].endswith("b")
    with pytest.raises(ValueError, match="prefills"):
        lm.format(["hello"], chat=True, prefill=["a", "b"])
    its = [SevItem("s0", "home", "positive", "joy", "my dog is home", "hello", " i am so happy")]
    got = last_token_states(lm, its, ["blocks.0.resid_post"], progress=False)
    _, cache = lm.run_with_cache([plain + " i am so happy"], ["blocks.0.resid_post"])
    assert np.allclose(got["blocks.0.resid_post"][0], cache["blocks.0.resid_post"][0, -1],
                       atol=1e-5)
