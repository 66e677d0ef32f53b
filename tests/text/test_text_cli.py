"""`affectlab analyze` and `affectlab text` from the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.cli.app import app

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, multi_label_model):
    return multi_label_model.save(tmp_path_factory.mktemp("model") / "m")


def test_analyze_json(model_dir):
    res = runner.invoke(app, ["analyze", "I am furious", "what a wonderful day", "--scheme",
                              "ekman7", "--model", str(model_dir), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [r["top"] for r in out] == ["anger", "joy"]
    assert out[0]["scheme"] == "ekman7"


def test_analyze_table_and_stdin(model_dir):
    res = runner.invoke(app, ["analyze", "--model", str(model_dir)],
                        input="I am so happy\n\nI cried all night\n")
    assert res.exit_code == 1, res.output  # the empty line was not analysed: exit 1, status shown
    assert "joy" in res.stdout and "sadness" in res.stdout and "(empty)" in res.stdout


def test_analyze_errors_are_clean(model_dir, tmp_path):
    res = runner.invoke(app, ["analyze", "hi", "--scheme", "ekmann", "--model", str(model_dir),
                              "--json"])
    assert res.exit_code == 2 and "Did you mean" in json.loads(res.stdout)["error"]
    res = runner.invoke(app, ["analyze", "hi", "--model", str(tmp_path), "--json"])
    assert res.exit_code == 2 and "no saved affectlab text model" in res.stdout
    res = runner.invoke(app, ["analyze", "--input", str(tmp_path / "x.csv"), "--model",
                              str(model_dir)])
    assert res.exit_code == 2 and "--output" in res.output


def test_analyze_file(model_dir, tmp_path):
    src = tmp_path / "posts.csv"
    pd.DataFrame({"id": [1, 2, 3], "body": ["I am so happy", "", "I am terrified"]}).to_csv(
        src, index=False)
    dst = tmp_path / "preds.parquet"
    res = runner.invoke(app, ["analyze", "--input", str(src), "--column", "body", "--output",
                              str(dst), "--model", str(model_dir), "--scheme", "ekman7",
                              "--json"])
    assert res.exit_code == 1, res.output  # one empty row: exit 1
    report = json.loads(res.stdout)
    assert report["rows"] == 3
    out = pd.read_parquet(dst)
    assert out["id"].tolist() == ["1", "2", "3"]  # CSV cells pass through as text
    assert out["status"].tolist() == ["ok", "empty", "ok"]
    assert out["top"].tolist()[0] == "joy" and out["top"].tolist()[2] == "fear"
    res = runner.invoke(app, ["analyze", "--input", str(src), "--column", "text", "--output",
                              str(tmp_path / "b.csv"), "--model", str(model_dir), "--json"])
    assert res.exit_code == 2 and "body" in json.loads(res.stdout)["error"]


def test_text_info(model_dir):
    res = runner.invoke(app, ["text", "info", "--model", str(model_dir), "--json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["scheme"] == "goemotions"


def test_text_train_and_evaluate_on_a_slice(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("AFFECTLAB_DATA", str(data_dir))
    out = tmp_path / "tweeteval-model"
    res = runner.invoke(app, ["text", "train", "--dataset", "tweeteval", "--out", str(out),
                              "--limit", "40", "--epochs", "0.5", "--rank", "2", "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert 0 <= report["scores"]["tweeteval macro-F1"] <= 1
    assert (out / "MODEL_CARD.md").is_file()
    res = runner.invoke(app, ["text", "evaluate", "--model", str(out), "--dataset", "tweeteval",
                              "--json"])
    assert res.exit_code == 0, res.output
    assert "tweeteval accuracy" in json.loads(res.stdout)
    res = runner.invoke(app, ["text", "train", "--dataset", "isear", "--out", str(out), "--json"])
    assert res.exit_code == 2 and "not 'isear'" in json.loads(res.stdout)["error"]


def test_text_train_continues_from_a_saved_model(data_dir, tmp_path, monkeypatch):
    """`--init` on one corpus starts from a saved model's adapter and matching heads."""
    monkeypatch.setenv("AFFECTLAB_DATA", str(data_dir))
    first, warm = tmp_path / "first", tmp_path / "warm"
    slice_ = ["--limit", "40", "--epochs", "0.5", "--rank", "2", "--json"]
    res = runner.invoke(app, ["text", "train", "--dataset", "tweeteval", "--out", str(first),
                              *slice_])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["text", "train", "--dataset", "tweeteval", "--out", str(warm),
                              "--init", str(first), *slice_])
    assert res.exit_code == 0, res.output
    run = json.loads((warm / "affectlab.json").read_text())["training"]["run"]
    assert run["init"]["from"] == str(first) and run["init"]["heads"] == ["labels"]
    res = runner.invoke(app, ["text", "train", "--dataset", "tweeteval", "--init", str(first),
                              "--limit", "40", "--json"])  # rank 16 against the saved rank 2
    assert res.exit_code == 2 and "adapter" in json.loads(res.stdout)["error"]


def test_file_warnings_are_clean_lines_and_utf16_is_refused(model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"text\nI am so happy\ncaf\xe9 is closed\n")
    res = runner.invoke(app, ["analyze", "--input", str(src), "--output",
                              str(tmp_path / "o.csv"), "--model", str(model_dir)])
    assert res.exit_code == 0, res.output
    assert "warning:" in res.output and "U+FFFD" in res.output
    assert "UnicodeWarning" not in res.output and ".py:" not in res.output
    wide = tmp_path / "wide.csv"
    wide.write_bytes("text\nI am so happy\n".encode("utf-16"))
    res = runner.invoke(app, ["analyze", "--input", str(wide), "--output",
                              str(tmp_path / "w.csv"), "--model", str(model_dir)])
    assert res.exit_code == 2 and "UTF-16" in res.output and "\x00" not in res.output


def test_text_train_across_corpora(data_dir, tmp_path, monkeypatch):
    """`--datasets` trains one Ekman-7 model across corpora and scores it on each test set."""
    monkeypatch.setenv("AFFECTLAB_DATA", str(data_dir))
    out = tmp_path / "across"
    res = runner.invoke(app, ["text", "train", "--datasets", "tweeteval,isear", "--out", str(out),
                              "--per-corpus", "30", "--epochs", "0.5", "--rank", "2",
                              "--rated", "none", "--max-length", "32", "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert set(report["scores"]) == {"tweeteval macro-F1", "isear macro-F1"}
    res = runner.invoke(app, ["text", "info", "--model", str(out), "--json"])
    info = json.loads(res.stdout)
    assert info["scheme"] == "ekman7"
    res = runner.invoke(app, ["text", "train", "--datasets", "tweeteval,imdb", "--json"])
    assert res.exit_code == 2 and "imdb" in json.loads(res.stdout)["error"]
    res = runner.invoke(app, ["text", "train", "--datasets", "tweeteval", "--heads", "stacked",
                              "--json", "--per-corpus", "5", "--rated", "none"])
    assert res.exit_code == 2 and "stacked" in json.loads(res.stdout)["error"]
    res = runner.invoke(app, ["text", "train", "--datasets", "tweeteval", "--native", "carer",
                              "--json"])  # a head in a corpus's own scheme: GoEmotions only
    assert res.exit_code == 2 and "goemotions" in json.loads(res.stdout)["error"]
