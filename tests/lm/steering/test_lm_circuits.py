"""Neuron contributions, head importances, sublayer importance, allocation, modulation and
ablation edits, checked exactly on a tiny random Llama."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _lm_tiny import tiny_model
from test_lm_steering import SYSTEMS, items

from affectlab.lm.steering.circuits import (
    EmotionCircuit,
    allocate,
    build_circuit,
    circuit_stats,
    sublayer_importance,
)
from affectlab.lm.steering.emotion_directions import (
    EmotionDirections,
    directions_from_states,
    last_token_states,
)
from affectlab.lm.steering.modulation import (
    ablation_edits,
    components,
    merge_edits,
    modulation_edits,
    random_components,
)

POINTS = ("resid_mid", "resid_post", "mlp.act", "attn.head_in")


@pytest.fixture(scope="module")
def lm():
    return tiny_model("llama", n_layers=3, seed=1)


@pytest.fixture(scope="module")
def setup(lm):
    its = items()
    sites = [f"blocks.{i}.{p}" for i in range(lm.n_layers) for p in POINTS]
    states = last_token_states(lm, its, sites, batch_size=8, progress=False)
    vectors, stab = directions_from_states(states, its, lm.n_layers, list(SYSTEMS))
    dirs = EmotionDirections(vectors, list(SYSTEMS), stability=stab)
    stats = circuit_stats(lm, states, its, dirs)
    return its, states, dirs, stats


def test_neuron_contributions_sum_to_the_mlp_outputs_projection(lm, setup):
    its, _states, dirs, stats = setup
    rows = [k for k, it in enumerate(its) if it.emotion == "joy"]
    # mlp.out = mlp.act @ W_down, so sum_j a_j (W_down v)_j is mlp.out . v
    batch = [its[k] for k in rows]
    out = last_token_states(lm, batch, ["blocks.1.mlp.out"], progress=False)["blocks.1.mlp.out"]
    want = (out @ dirs.vector("joy", 1, "mlp")).mean()
    assert stats.neuron_contrib[1, 0].sum() == pytest.approx(want, rel=1e-4, abs=1e-5)


def test_head_importance_is_the_drop_when_the_head_is_zeroed(lm, setup):
    its, _, dirs, stats = setup
    layer, head = 2, 1
    batch = [it for it in its if it.emotion == "anger"]
    site = f"blocks.{layer}.resid_mid"
    base = last_token_states(lm, batch, [site], progress=False)[site]
    with lm.hooks(edit=ablation_edits(([], [(layer, head)]))):
        cut = last_token_states(lm, batch, [site], progress=False)[site]
    v = dirs.vector("anger", layer, "attn")
    drop = ((base - cut) @ v).mean()
    assert stats.head_importance[layer, 2, head] == pytest.approx(drop, rel=1e-4, abs=1e-5)


def test_difference_vectors_are_group_centred_means(setup):
    *_, stats = setup
    assert np.allclose(stats.mlp_delta.sum(axis=1), 0.0, atol=1e-5)
    assert np.allclose(stats.head_delta.sum(axis=1), 0.0, atol=1e-5)
    assert (stats.sigma > 0).all()


def test_sublayer_importance_with_cached_prefix_equals_full_reruns(lm, setup):
    _, _, dirs, stats = setup
    prompts = ["tell me about my week", "my dog is home"]
    imp = sublayer_importance(lm, dirs, prompts, stats.sigma, emotions=["joy"], alphas=(0.5,),
                              system="hello", progress=False)
    assert imp.shape == (1, 3, 2)
    from affectlab.lm.steering.circuits import reference_direction

    ref = reference_direction(dirs, "joy")
    final = "blocks.2.resid_post"
    batch = lm.encode(prompts, chat=True, system="hello", padding_side="left")
    pos = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)

    def s(edit):
        with lm.hooks(read=[final], edit=edit) as c, torch.inference_mode():
            lm.model(**batch, position_ids=pos, use_cache=False)
        return float((c[final][:, -1].double().numpy() @ ref).mean())

    layer, sub, point = 1, 1, "resid_post"
    v = dirs.vector("joy", layer, "mlp").astype(np.float64)
    v = v if v @ ref >= 0 else -v
    shift = torch.as_tensor(0.5 * stats.sigma[layer, sub] * v, dtype=torch.float32)

    def add(x):
        x = x.clone()
        x[:, -1] += shift
        return x

    want = (s({f"blocks.{layer}.{point}": add}) - s({})) / (0.5 * stats.sigma[layer, sub])
    assert imp[0, layer, sub] == pytest.approx(want, rel=1e-3, abs=1e-4)
    # all emotions and several alphas batched together, in chunks, give the same numbers
    many = sublayer_importance(lm, dirs, prompts, stats.sigma, alphas=(0.5, 0.5), max_rows=4,
                               system="hello", progress=False)
    assert many.shape == (3, 3, 2)
    assert np.allclose(many[0], imp[0], rtol=1e-3, atol=1e-4)


def test_allocation_keeps_minimum_cap_and_total():
    got = allocate([0.0, 1.0, 3.0, 0.0], total=20, minimum=2, cap=9)
    assert sum(got) == 20 and min(got) >= 2 and max(got) <= 9
    assert got[2] >= got[1] >= got[0]
    assert allocate([1, 1], total=4) == [2, 2]
    assert sum(allocate([0, 0, 0], total=7, minimum=1, cap=3)) == 7
    with pytest.raises(ValueError, match="minimum"):
        allocate([1, 1], total=1, minimum=1)
    with pytest.raises(ValueError, match="cap"):
        allocate([1, 1], total=10, cap=3)


@pytest.fixture(scope="module")
def circuit(setup):
    *_, stats = setup
    imp = np.random.default_rng(0).uniform(size=(3, 3, 2))
    return build_circuit(stats, imp, n_neurons=12, n_heads=6, min_neurons=2, min_heads=1)


def test_circuit_picks_top_components_per_layer_and_reloads(circuit, setup, tmp_path):
    *_, stats = setup
    assert len(circuit.neurons["joy"]) == 12 and len(circuit.heads["joy"]) == 6
    for i, j in circuit.neurons["joy"]:
        per = [jj for ii, jj in circuit.neurons["joy"] if ii == i]
        best = np.argsort(-stats.neuron_contrib[i, 0])[:len(per)]
        assert j in best
    back = EmotionCircuit.load(circuit.save(tmp_path / "c"))
    assert back.neurons == circuit.neurons and back.heads == circuit.heads
    assert np.array_equal(back.mlp_delta, circuit.mlp_delta)
    assert back.top_neurons("joy", 3)[0]["contribution"] >= back.top_neurons("joy", 3)[-1][
        "contribution"]


def test_modulation_adds_the_difference_vectors_at_the_last_position(lm, circuit):
    comps = components(circuit, "sadness")
    edits = modulation_edits(circuit, "sadness", 2.0, weighting="none", comps=comps)
    layer = comps[0][0][0]
    idx = [j for i, j in comps[0] if i == layer]
    site = f"blocks.{layer}.mlp.act"
    only = {site: edits[site]}
    batch = lm.encode(["my dog is home"], chat=True, system="hello")
    with lm.hooks(read=[site]) as plain:
        lm.forward(batch)
    with lm.hooks(read=[site], edit=only) as mod:
        lm.forward(batch)
    diff = (mod[site] - plain[site])[0]
    want = 2.0 * torch.as_tensor(circuit.mlp_delta[layer, 1, idx])
    assert torch.allclose(diff[-1, idx], want, atol=1e-5)
    assert diff[:-1].abs().max() == 0
    others = [j for j in range(diff.shape[-1]) if j not in idx]
    assert diff[-1, others].abs().max() == 0


def test_ablation_zeroes_neurons_and_heads_everywhere(lm, circuit):
    neurons, heads = [(0, 3), (0, 5)], [(1, 2)]
    batch = lm.encode(["my dog is home"], chat=True, system="hello")
    with lm.hooks(read=["blocks.0.mlp.act", "blocks.1.attn.head_in"],
                  edit=ablation_edits((neurons, heads))) as c:
        lm.forward(batch)
    assert c["blocks.0.mlp.act"][..., [3, 5]].abs().max() == 0
    assert c["blocks.1.attn.head_in"][:, :, 2].abs().max() == 0
    assert c["blocks.1.attn.head_in"][:, :, 0].abs().max() > 0


def test_random_components_match_counts_per_layer_and_avoid_the_circuit(circuit):
    comps = components(circuit, "joy")
    rn, rh = random_components(circuit, comps, seed=1)
    from collections import Counter

    sizes = (circuit.mlp_delta.shape[-1], circuit.head_delta.shape[2])
    for got, want, size in ((rn, comps[0], sizes[0]), (rh, comps[1], sizes[1])):
        # as many per layer as the circuit has, or all that are left when it has most of them
        per = Counter(i for i, _ in want)
        assert Counter(i for i, _ in got) == {i: min(n, size - n) for i, n in per.items()
                                              if min(n, size - n)}
        assert not set(got) & set(want)
    assert random_components(circuit, comps, seed=1) == (rn, rh)


def test_default_budgets_fit_a_small_model_and_wrong_shapes_are_refused(lm, setup, tmp_path):
    *_, stats = setup
    imp = np.random.default_rng(1).uniform(size=(3, 3, 2))
    circ = build_circuit(stats, imp)  # 240 neurons, 80 heads asked; 3 layers of 48 and 4
    assert len(circ.neurons["joy"]) == 144 and len(set(circ.neurons["joy"])) == 144
    assert len(circ.heads["joy"]) == 12
    from affectlab.lm.steering.emotion_control import check_fits

    check_fits(lm, circuit=circ)
    bad = EmotionCircuit(circ.emotions, circ.neurons, circ.heads, circ.importance,
                         circ.mlp_delta, circ.head_delta.reshape(3, 3, 8, 4),
                         circ.neuron_contrib, circ.head_importance)
    with pytest.raises(ValueError, match="circuit is for"):
        check_fits(lm, circuit=bad)
    with pytest.raises(ValueError, match="NaN"):
        build_circuit(stats, np.full((3, 3, 2), np.nan))
    with pytest.raises(ValueError, match="NaN|finite"):
        allocate([np.nan, 1.0], total=2)


def test_saving_refuses_what_json_cannot_hold_and_leaves_nothing(tmp_path):
    from affectlab.core.files import load_bundle, save_bundle

    with pytest.raises(ValueError):
        save_bundle(tmp_path / "b", "x", {"a": np.ones(2)}, {"bad": float("nan")})
    assert not (tmp_path / "b").exists()  # nothing is written before the JSON is known good
    save_bundle(tmp_path / "b", "x", {"a": np.ones(2)}, {"ok": 1})
    info, arrays = load_bundle(tmp_path / "b", "x", "thing")
    assert info == {"ok": 1} and np.array_equal(arrays["a"], np.ones(2))
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["x.json", "x.safetensors"]
    with pytest.raises(FileNotFoundError, match="no saved thing"):
        load_bundle(tmp_path / "c", "x", "thing")


def test_merged_edits_apply_in_turn():
    def add1(x):
        return x + 1

    def double(x):
        return x * 2

    merged = merge_edits({"s": add1}, {"s": double, "t": add1})
    assert merged["s"](torch.ones(1)).item() == 4.0 and set(merged) == {"s", "t"}


def test_bad_strength_and_weighting_are_refused(circuit):
    with pytest.raises(ValueError, match="strength"):
        modulation_edits(circuit, "joy", float("nan"))
    with pytest.raises(ValueError, match="weighting"):
        modulation_edits(circuit, "joy", 1.0, weighting="loud")


def test_validation_runs_every_condition_and_resumes(lm, circuit, tmp_path):
    from affectlab.lm.steering.emotion_control import validate_components
    from affectlab.lm.steering.scenarios import load_scenarios

    named = EmotionCircuit(["anger", "sadness", "fear"], *[
        {new: getattr(circuit, f)[old] for new, old in zip(
            ["anger", "sadness", "fear"], circuit.emotions, strict=True)}
        for f in ("neurons", "heads")], circuit.importance, circuit.mlp_delta,
        circuit.head_delta, circuit.neuron_contrib, circuit.head_importance)
    args = {"top_neurons": 3, "top_heads": 1, "emotions": ["anger", "sadness", "fear"],
                "judge": "lexicon", "generation": {"max_new_tokens": 3}, "run_dir": tmp_path,
                "progress": False}
    got = validate_components(lm, named, load_scenarios()[:1], **args)
    assert set(got["conditions"]) == {"prompted", "ablate_top", "ablate_random", "neutral",
                                      "enhance_top", "enhance_random"}
    for cond in got["conditions"].values():
        assert 0.0 <= cond["accuracy"] <= 1.0
    assert got["n_prompts"] == 3
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("validate_*.json")}
    assert len(stamps) == 6
    again = validate_components(lm, named, load_scenarios()[:1], **args)
    assert again == got
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("validate_*.json")} == stamps
