"""`affectlab probe` and `affectlab lm ...` end to end on a tiny model saved to a folder."""

from __future__ import annotations

import importlib
import json

import pytest
from _lm_tiny import tiny_model
from typer.testing import CliRunner

from affectlab.cli.app import app

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-llama")
    lm = tiny_model("llama")
    lm.model.save_pretrained(folder)
    lm.tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AFFECTLAB_CACHE", str(tmp_path / "cache"))


def test_probe_prints_layers_peak_and_zero_shot(tiny_folder, tmp_path, data_dir):
    out = tmp_path / "probe"
    res = runner.invoke(app, ["probe", "--model", str(tiny_folder), "--dataset", "goemotions",
                              "--scheme", "ekman7", "--max-train-per-class", "6",
                              "--max-test-per-class", "3", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["labels"] == ["anger", "disgust", "fear", "joy", "sadness", "surprise",
                                "neutral"]
    for name in ("raw", "chat"):
        layers = report["inputs"][name]["layers"]
        assert [row["layer"] for row in layers] == list(range(4))  # embed + 3 blocks
        assert set(report["inputs"][name]["depth_fractions"]) == {"0%", "25%", "50%", "75%",
                                                                  "100%"}
    assert 0.0 <= report["zero_shot"]["accuracy"] <= 1.0
    assert report["peak"]["input"] in ("raw", "chat")
    for key in ("layer_curve", "pca_raw", "pca_chat", "confusion_raw", "confusion_chat"):
        assert (out / f"{key}.png").stat().st_size > 0
    assert json.loads((out / "probe.json").read_text())["dataset"] == "goemotions"
    # the human table
    res = runner.invoke(app, ["probe", "--model", str(tiny_folder), "--max-train-per-class",
                              "6", "--max-test-per-class", "3", "--inputs", "raw",
                              "--no-zero-shot", "--probe", "mlp", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "peak layer" in res.output


def test_probe_errors_are_clean(tiny_folder, tmp_path, data_dir):
    res = runner.invoke(app, ["probe", "--model", str(tmp_path / "missing"), "--json"])
    assert res.exit_code == 2 and "error" in json.loads(res.output)
    res = runner.invoke(app, ["probe", "--model", str(tiny_folder), "--dataset", "imdb",
                              "--json"])
    assert res.exit_code == 2 and "goemotions" in json.loads(res.output)["error"]
    res = runner.invoke(app, ["probe", "--model", str(tiny_folder), "--inputs", "html",
                              "--json"])
    assert res.exit_code == 2 and "--inputs" in json.loads(res.output)["error"]
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    res = runner.invoke(app, ["lm", "persistence", "--model", str(tiny_folder), "--out",
                              str(blocker / "sub"), "--max-train-per-class", "1",
                              "--max-test-per-class", "1", "--max-new-tokens", "2", "--json"])
    assert res.exit_code == 2 and "error" in json.loads(res.output)


def test_sites_and_generate(tiny_folder):
    res = runner.invoke(app, ["lm", "sites", "--model", str(tiny_folder), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert info["n_layers"] == 3 and info["family"] == "llama" and "resid_post" in \
        info["block_points"]
    res = runner.invoke(app, ["lm", "generate", "hello", "--model", str(tiny_folder),
                              "--max-new-tokens", "3", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)[0]["prompt"] == "hello"


def test_generate_soft_and_cot(tiny_folder):
    common = ["--model", str(tiny_folder), "--raw", "--think-start", "tell", "--think-end",
              "news", "--max-think-tokens", "4", "--max-new-tokens", "3", "--json"]
    for flag in ("--soft", "--cot"):
        res = runner.invoke(app, ["generate", "i am so", flag, *common])
        assert res.exit_code == 0, res.output
        out = json.loads(res.stdout)[0]
        assert out["stop_reason"] in ("marker", "cold-stop", "budget", "eos")
        assert 0 < out["think_tokens"] <= 5 and out["answer_tokens"] <= 3
    res = runner.invoke(app, ["generate", "i am so", "--soft", "--top-n", "0", *common])
    assert res.exit_code == 2 and "top_n" in json.loads(res.stdout)["error"]
    res = runner.invoke(app, ["generate", "i am so", "--soft", "--cot", *common])
    assert res.exit_code == 2


def test_persistence_and_malleability_commands(tiny_folder, tmp_path, data_dir, monkeypatch):
    res = runner.invoke(app, ["lm", "persistence", "--model", str(tiny_folder), "--layer", "2",
                              "--max-offset", "3", "--max-new-tokens", "4",
                              "--max-train-per-class", "3", "--max-test-per-class", "2",
                              "--out", str(tmp_path / "p"), "--json"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "p" / "persistence.png").exists()
    # the module, not the function
    mal = importlib.import_module("affectlab.lm.probing.malleability")

    labels = ["anger", "joy", "neutral"]
    monkeypatch.setattr(mal, "analyze_judge", lambda scheme="ekman7", model=None: (
        lambda replies: (__import__("numpy").full((len(replies), 3), 1 / 3), labels)))
    res = runner.invoke(app, ["lm", "malleability", "--model", str(tiny_folder),
                              "--per-class", "1", "--max-new-tokens", "3",
                              "--out", str(tmp_path / "m"), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["conditions"] == ["none", "emotional", "calm"]
