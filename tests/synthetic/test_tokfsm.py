"""TokFSM: generator, metrics on hand-made cases, a tiny training run, TinyGPT save/load."""

from __future__ import annotations

import json
import math
from contextlib import ExitStack
from dataclasses import asdict

import pytest
import torch

from affectlab.core.errors import ManifestError
from affectlab.core.manifest import MANIFEST, read_manifest
from affectlab.synthetic.tiny_gpt import GPTConfig, TinyGPT
from affectlab.synthetic.tokfsm import (
    FSM,
    PAPER_RECIPE,
    TUNED_RECIPE,
    _jsd_bits,
    intervention_success,
    load_result,
    paper_config,
    patched_next_state,
    purity,
    resolve_sites,
    save_result,
    small_config,
    tiny_config,
    train,
    transition_accuracy,
    with_steps,
)


def test_fsm_generator_properties() -> None:
    fsm = FSM(100, 10, seed=3)
    assert fsm.successors.shape == (100, 10) and fsm.width == 2
    for row in fsm.successors:
        assert len(set(row.tolist())) == 10
    assert torch.equal(fsm.successors, FSM(100, 10, seed=3).successors)
    assert not torch.equal(fsm.successors, FSM(100, 10, seed=4).successors)
    g = torch.Generator().manual_seed(0)
    walks = fsm.walks(50, 64, g)
    assert fsm.is_edge(walks[:, :-1], walks[:, 1:]).all()
    tokens = fsm.encode(walks)
    assert tokens.shape == (50, 128) and tokens.max() <= 9 and tokens.min() >= 0
    assert torch.equal(fsm.decode(tokens), walks)
    assert fsm.encode(torch.tensor([[7, 42]])).tolist() == [[0, 7, 4, 2]]
    seqs = fsm.sequences(4, 128, torch.Generator().manual_seed(1))
    assert seqs.shape == (4, 128)
    # successors are used uniformly
    counts = torch.zeros(10)
    for _ in range(5):
        w = fsm.walks(2000, 2, g)
        for k in range(10):
            counts[k] += (fsm.successors[w[:, 0]][:, k] == w[:, 1]).sum()
    assert counts.min() / counts.max() > 0.8
    with pytest.raises(ValueError):
        fsm.sequences(2, 127)


def test_transition_accuracy_hand_made() -> None:
    fsm = FSM(5, 2, seed=0)
    a = int(fsm.successors[0, 0])
    bad = next(s for s in range(5) if s not in fsm.successors[a].tolist())
    states = torch.tensor([[0, a, bad], [0, a, int(fsm.successors[a, 1])]])
    acc = transition_accuracy(fsm, states)
    assert acc["transition_accuracy"] == pytest.approx(3 / 4)
    assert acc["first_transition_accuracy"] == 1.0
    invalid = transition_accuracy(fsm, torch.tensor([[0, 7]]))  # 7 is not a state
    assert invalid["transition_accuracy"] == 0.0


def test_purity_hand_made() -> None:
    codes = torch.tensor([0, 0, 1, 1, 2, 3])
    labels = torch.tensor([4, 4, 4, 5, 6, 6])
    res = purity(codes.unsqueeze(1), labels, min_count=2)
    assert res["pure_share"] == 0.5 and res["codes_counted"] == 2 and res["codes_used"] == 4
    assert purity(codes.unsqueeze(1), labels, min_count=1)["pure_share"] == 0.75
    # two columns (heads) count as separate codebooks
    two = purity(torch.stack([codes, codes], 1), labels, min_count=2)
    assert two["codes_counted"] == 4 and two["pure_share"] == 0.5


def test_jsd_bits() -> None:
    p = torch.tensor([1.0, 0.0])
    q = torch.tensor([0.0, 1.0])
    assert _jsd_bits(p, q) == pytest.approx(1.0)
    assert _jsd_bits(p, p) == pytest.approx(0.0)
    assert 0 < _jsd_bits(torch.tensor([0.5, 0.5]), p) < 1


def test_tiny_training_beats_chance_and_round_trips(tmp_path) -> None:
    torch.set_num_threads(1)
    res = train(tiny_config(steps=120, eval_every=60))
    fsm = res.fsm
    chance = fsm.n_edges / fsm.n_states  # a uniform random next state
    m = res.metrics
    assert m["transition_accuracy"] > chance + 0.3
    assert [p["step"] for p in res.curve] == [60, 120]
    assert set(m["purity"]) == {"blocks.0.attn.head_in", "blocks.0.mlp.out"}
    inter = m["intervention"]
    assert inter["pairs"] > 0 and 0 <= inter["top_moved_to_b"] <= 1
    assert m["intervention_next_digits"]["next_digits"] is True
    assert not math.isnan(inter["jsd_drop"])
    save_result(res, str(tmp_path / "m"))
    manifest = read_manifest(tmp_path / "m", "synthetic.tiny_gpt")
    assert manifest.metrics["transition_accuracy"] == pytest.approx(m["transition_accuracy"])
    assert manifest.config["extra"]["tokfsm"] == asdict(res.config)
    model, fsm2, cfg = load_result(str(tmp_path / "m"))
    assert torch.equal(fsm2.successors, fsm.successors) and cfg == res.config
    x = fsm.sequences(3, 24, torch.Generator().manual_seed(0))
    torch.testing.assert_close(model(x), res.model(x))


def test_forced_mlp_codes_move_predictions_in_a_toy_model() -> None:
    torch.manual_seed(0)
    fsm = FSM(10, 3, seed=0)
    model = TinyGPT(tiny_config().gpt_config()).eval()
    out = intervention_success(model, fsm, n_pairs=3, ctx_states=4)
    assert out["pairs"] == 3 and out["sites"] == ["blocks.0.mlp.out"]


def test_gpt_sites_and_errors(tmp_path) -> None:
    cfg = GPTConfig(vocab_size=10, n_layers=2, d_model=16, n_heads=2, max_len=8,
                    codebook_sites=["blocks.1.attn.head_in", "blocks.-1.mlp.out"], num_codes=8)
    model = TinyGPT(cfg)
    assert set(model.codebooks()) == {"blocks.1.attn.head_in", "blocks.1.mlp.out"}
    ids = torch.randint(10, (2, 8))
    logits = model(ids)
    assert logits.shape == (2, 8, 10)
    assert model.codebooks()["blocks.1.attn.head_in"].last_codes.shape == (2, 8, 2, 1)
    model.save(tmp_path / "g")
    again = TinyGPT.load(tmp_path / "g")
    torch.testing.assert_close(again(ids), model.eval()(ids))
    manifest = read_manifest(tmp_path / "g", "synthetic.tiny_gpt")
    assert manifest.config["gpt"] == asdict(cfg) and manifest.files == ["model.safetensors"]
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == [MANIFEST, "model.safetensors"]
    with pytest.raises(ValueError):
        TinyGPT(GPTConfig(vocab_size=10, codebook_sites=["blocks.0.resid_post"]))
    with pytest.raises(ValueError):
        model(torch.randint(10, (1, 9)))


def test_cli_train_small_json_and_eval(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from affectlab.cli.codebook import app

    runner = CliRunner()
    out = tmp_path / "cli"
    res = runner.invoke(app, ["tokfsm", "train", "--small", "--steps", "8", "--rollouts", "8", "--json",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["configuration"] == "small" and summary["curve"][-1]["step"] == 8
    assert "transition_accuracy" in summary["metrics"]
    res = runner.invoke(app, ["tokfsm", "eval", "--model", str(out), "--rollouts", "8",
                              "--json"])
    assert res.exit_code == 0, res.output
    assert "best_mlp_purity" in json.loads(res.output)
    res = runner.invoke(app, ["tokfsm", "eval", "--model", str(tmp_path / "none"), "--json"])
    assert res.exit_code == 2


def test_cli_train_recipes_and_codebook_warm_up() -> None:
    import json

    from typer.testing import CliRunner

    from affectlab.cli.codebook import app

    runner = CliRunner()
    base = ["tokfsm", "train", "--small", "--steps", "10", "--rollouts", "4", "--json"]
    res = runner.invoke(app, base)
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    cfg = got["config"]
    assert got["recipe"] == "tuned" and cfg["kmeans_init"] and cfg["dead_after"] == 20
    assert cfg["quantize_after"] == 2  # 300 of 1,500 steps keeps its share of 10 steps
    assert [p["quantized"] for p in got["curve"]] == [True]
    res = runner.invoke(app, [*base, "--paper-recipe"])
    cfg = json.loads(res.output)["config"]
    assert (cfg["kmeans_init"], cfg["dead_after"], cfg["quantize_after"], cfg["lr"]) == (
        False, None, 0, 1e-3)
    res = runner.invoke(app, [*base, "--no-kmeans-init", "--dead-after", "0",
                              "--quantize-after", "5"])
    cfg = json.loads(res.output)["config"]
    assert (cfg["kmeans_init"], cfg["dead_after"], cfg["quantize_after"]) == (False, None, 5)
    res = runner.invoke(app, [*base, "--quantize-after", "10"])
    assert res.exit_code == 2 and "never be trained" in json.loads(res.output)["error"]


def test_small_and_paper_configs_use_the_tuned_recipe() -> None:
    for make in (small_config, paper_config):
        cfg = make()
        assert {k: getattr(cfg, k) for k in TUNED_RECIPE} == TUNED_RECIPE
        assert 0 < cfg.quantize_after < cfg.steps / 2
        plain = make(**PAPER_RECIPE)
        assert not plain.kmeans_init and plain.quantize_after == 0
    cfg = with_steps(small_config(), 3000)
    assert (cfg.steps, cfg.quantize_after, cfg.warmup) == (3000, 600, 50)
    with pytest.raises(ValueError, match="steps"):
        with_steps(small_config(), 0)
    with pytest.raises(ValueError, match="quantize_after"):
        train(tiny_config(quantize_after=150))


def _two_layer_model() -> tuple[FSM, TinyGPT]:
    torch.manual_seed(0)
    fsm = FSM(32, 4, seed=0)  # two-digit states
    sites = [f"blocks.{i}.{p}" for i in range(2) for p in ("attn.head_in", "mlp.out")]
    model = TinyGPT(GPTConfig(vocab_size=10, n_layers=2, d_model=16, n_heads=2, max_len=16,
                              codebook_sites=sites, num_codes=16, embed_std=1.0)).eval()
    return fsm, model


def test_patching_own_codes_changes_nothing() -> None:
    fsm, model = _two_layer_model()
    ctx = fsm.encode(fsm.walks(1, 6, torch.Generator().manual_seed(0))[0])
    for sites in ("mlp", "attn", "all", ["blocks.1.mlp.out"]):
        for positions in ("last", "state", "all", "none"):
            for nxt in (False, True):
                out = patched_next_state(model, fsm, ctx, ctx, sites, positions, nxt)
                torch.testing.assert_close(out["patched"], out["clean_a"], rtol=0, atol=1e-6)
                torch.testing.assert_close(out["clean_b"], out["clean_a"], rtol=0, atol=1e-6)


def test_patching_every_site_leaves_only_the_raw_tokens() -> None:
    fsm, model = _two_layer_model()
    walks = fsm.walks(2, 6, torch.Generator().manual_seed(1))
    ctx_a = fsm.encode(walks[0])
    ctx_b = fsm.encode(walks[1])
    ctx_b[-1] = ctx_a[-1]  # b differs from a everywhere but at the last token
    assert not torch.equal(ctx_a[:-1], ctx_b[:-1])
    # every attention and MLP output at a prediction position is forced to b's codes: the
    # residual stream there is b's up to the token embedding, which is the same token
    for positions in ("last", "state", "all"):
        out = patched_next_state(model, fsm, ctx_a, ctx_b, "all", positions, next_digits=True)
        torch.testing.assert_close(out["patched"], out["clean_b"], rtol=0, atol=1e-6)
    assert (out["clean_a"] - out["clean_b"]).abs().max() > 1e-4
    # the first digit of the next state is predicted at the context's last token: not patched
    out = patched_next_state(model, fsm, ctx_a, ctx_b, "all", "none", next_digits=True)
    assert (out["patched"] - out["clean_b"]).abs().max() > 1e-5
    # without the next state's digits the prefix position computes its own codes from a's tokens
    out = patched_next_state(model, fsm, ctx_a, ctx_b, "all", "all", next_digits=False)
    assert (out["patched"] - out["clean_b"]).abs().max() > 1e-5
    # MLP codes alone leave a's attention outputs in place
    out = patched_next_state(model, fsm, ctx_a, ctx_b, "mlp", "all", next_digits=True)
    assert (out["patched"] - out["clean_b"]).abs().max() > 1e-5
    # the same in the plain forward: forcing b's codes everywhere gives b's logits exactly where
    # the tokens agree, and not where they differ (the raw token embedding stays a's)
    cbs = model.codebooks()
    with ExitStack() as stack:
        recs = {s: stack.enter_context(cb.record()) for s, cb in cbs.items()}
        logits_b = model(ctx_b.unsqueeze(0))[0]
    with ExitStack() as stack:
        for s, cb in cbs.items():
            stack.enter_context(cb.force_codes(recs[s][0]))
        logits_patched = model(ctx_a.unsqueeze(0))[0]
    same = ctx_a == ctx_b
    torch.testing.assert_close(logits_patched[same], logits_b[same], rtol=0, atol=1e-5)
    assert (logits_patched[~same] - logits_b[~same]).abs().amax(-1).min() > 1e-4


def test_intervention_options_and_errors() -> None:
    fsm, model = _two_layer_model()
    default = intervention_success(model, fsm, n_pairs=2, ctx_states=4)
    assert default["sites"] == ["blocks.0.mlp.out", "blocks.1.mlp.out"]
    assert default["positions"] == "state" and default["next_digits"] is False
    assert 0 <= default["top_b_in_b_context"] <= 1
    same = intervention_success(model, fsm, n_pairs=2, ctx_states=4, sites="mlp",
                                positions="state")
    assert same["top_moved_to_b"] == default["top_moved_to_b"]
    assert same["jsd_drop"] == default["jsd_drop"]
    out = intervention_success(model, fsm, n_pairs=2, ctx_states=4, sites="layer1,attn",
                               positions="last", next_digits=True)
    assert out["sites"] == ["blocks.1.attn.head_in", "blocks.1.mlp.out", "blocks.0.attn.head_in"]
    assert resolve_sites(model, "all") == list(model.codebooks())
    with pytest.raises(ValueError):
        intervention_success(model, fsm, n_pairs=2, ctx_states=4, positions="first")
    with pytest.raises(ValueError):
        resolve_sites(model, "blocks.5.mlp.out")
    with pytest.raises(ValueError):
        resolve_sites(model, "layer3")


def test_tiny_gpt_manifest_refuses_other_kinds_and_newer_formats(tmp_path) -> None:
    model = TinyGPT(tiny_config().gpt_config())
    folder = model.save(tmp_path / "g", extra={"note": 1}, metrics={"acc": 0.5})
    manifest = read_manifest(folder, "synthetic.tiny_gpt")
    assert manifest.config["extra"] == {"note": 1} and manifest.metrics == {"acc": 0.5}
    assert TinyGPT.load(folder).extra == {"note": 1}
    data = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**data, "format_version": 2}))
    with pytest.raises(ManifestError, match="format version 2"):
        TinyGPT.load(folder)
    (folder / MANIFEST).write_text(json.dumps({**data, "kind": "synthetic.addition"}))
    with pytest.raises(ManifestError, match="'synthetic.addition', not a TinyGPT model"):
        TinyGPT.load(folder)
    with pytest.raises(ManifestError, match="not a TinyGPT model"):
        load_result(folder)


def test_a_tokfsm_folder_saved_before_the_shared_manifest_still_loads(tmp_path) -> None:
    from safetensors.torch import save_file

    cfg = tiny_config()
    torch.manual_seed(0)
    model = TinyGPT(cfg.gpt_config()).eval()
    old = tmp_path / "old"  # as affectlab wrote it: model.safetensors and config.json
    old.mkdir()
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
              str(old / "model.safetensors"))
    (old / "config.json").write_text(json.dumps({
        "config": asdict(cfg.gpt_config()),
        "extra": {"tokfsm": asdict(cfg), "metrics": {"transition_accuracy": 0.5}, "curve": []}},
        indent=2))
    back, fsm, cfg2 = load_result(old)
    assert cfg2 == cfg and back.extra["metrics"] == {"transition_accuracy": 0.5}
    x = fsm.sequences(2, 16, torch.Generator().manual_seed(0))
    torch.testing.assert_close(back(x), model(x))
    (old / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    with pytest.raises(ManifestError, match="not the config of a saved TinyGPT"):
        TinyGPT.load(old)


def test_load_result_needs_the_tokfsm_config(tmp_path) -> None:
    TinyGPT(tiny_config().gpt_config()).save(tmp_path / "g")
    with pytest.raises(ManifestError, match="no TokFSM config"):
        load_result(tmp_path / "g")
