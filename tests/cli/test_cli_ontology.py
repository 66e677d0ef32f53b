"""The `affectlab ontology` commands: people's output and --json for scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from affectlab.cli.app import app
from affectlab.ontology.export import from_emotionml

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.output


def run_json(*args: str):
    code, out = run(*args, "--json")
    assert code == 0, out
    return json.loads(out)


def test_map_prints_joy():
    code, out = run("ontology", "map", "admiration", "--from", "goemotions", "--to", "ekman")
    assert code == 0
    assert out.splitlines()[0] == "joy"


def test_map_json_and_no_equivalent():
    data = run_json("ontology", "map", "admiration", "--from", "goemotions", "--to", "ekman")
    assert data["targets"] == ["joy"] and data["relation"] == "broader"
    data = run_json("ontology", "map", "surprise", "--from", "carer", "--to", "tweeteval")
    assert data["targets"] == [] and data["relation"] == "none"


def test_unknown_label_is_a_clean_error():
    code, out = run("ontology", "map", "admiraton", "--from", "goemotions", "--to", "ekman")
    assert code == 2 and "Did you mean: admiration" in out
    code, out = run("ontology", "map", "joy", "--from", "ekmann", "--to", "carer", "--json")
    assert code == 2 and "unknown scheme" in json.loads(out)["error"]


def test_path_show_schemes_tree():
    assert run_json("ontology", "path", "amusement")["path"] == ["amusement", "cheerfulness", "joy"]
    _code, out = run("ontology", "path", "amusement")
    assert "amusement → cheerfulness → joy" in out
    shown = run_json("ontology", "show", "jealousy")
    assert shown["path"] == ["jealousy", "envy", "anger"] and shown["tier"] == 3
    assert any(r["type"] == "is_composed_of" for r in shown["relations"])
    names = [s["name"] for s in run_json("ontology", "schemes")]
    assert {"goemotions", "ekman6", "russell4", "emodb7"} <= set(names)
    tree = run_json("ontology", "tree", "surprise")
    assert tree[0]["children"][0]["name"] == "amazement"
    assert run("ontology", "schemes")[0] == 0


def test_vad_nearest_relations_lookup():
    vad = run_json("ontology", "vad", "boredom", "--scheme", "emodb")
    assert vad["quadrant"] == "negative-low"
    code, out = run("ontology", "nearest", "-k", "3", "--json", "--", "-0.6", "-0.5")
    assert code == 0 and len(json.loads(out)) == 3
    rels = run_json("ontology", "relations", "contempt", "--type", "is_composed_of")
    assert {r["target"] for r in rels} == {"disgust", "anger"}
    assert run_json("ontology", "lookup", "furious")["node"] == "fury"
    code, out = run("ontology", "nearest", "7", "3")
    assert code == 2 and "[-1, 1]" in out


def test_export_turtle_and_emotionml(tmp_path):
    ttl = tmp_path / "o.ttl"
    code, _ = run("ontology", "export", "--format", "turtle", "--out", str(ttl))
    assert code == 0 and "skos:broader" in ttl.read_text()
    src = tmp_path / "ann.jsonl"
    src.write_text('{"labels": {"joy": 0.9}, "vad": [0.5, 0.3, 0.1], "id": "a"}\n\n'
                   '{"labels": "anger"}\n', encoding="utf-8")
    code, out = run("ontology", "emotionml", str(src), "--scheme", "ekman")
    assert code == 0 and 'name="happiness"' in out
    assert [a["id"] for a in from_emotionml(out)] == ["a", None]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\xff\xfe not utf8")
    code, out = run("ontology", "emotionml", str(bad))
    assert code == 2 and "UTF-8" in out
    bad.write_text('{"labels": "joy"}\n{oops\n', encoding="utf-8")
    code, out = run("ontology", "emotionml", str(bad))
    assert code == 2 and "line 2" in out
    for line in ("5", "[1, 2]", "null", '{"labels": 5}', '{"labels": [1]}', '{"vad": [0.1, 0.2]}',
                 '{"vad": "0.5"}', '{"vad": [1.5, 0, 0]}'):
        bad.write_text('{"labels": "joy"}\n' + line + "\n", encoding="utf-8")
        code, out = run("ontology", "emotionml", str(bad))
        assert code == 2 and "line 2" in out and "Traceback" not in out, (line, out)


def test_unwritable_out_and_bad_threshold_are_clean_errors(tmp_path):
    code, out = run("ontology", "export", "--format", "json", "--out",
                    str(tmp_path / "missing" / "x.json"))
    assert code == 2 and "cannot write" in out
    code, out = run("ontology", "export", "--format", "json", "--out", str(tmp_path))
    assert code == 2 and "cannot write" in out
    code, out = run("ontology", "build", "--threshold", "nan", "--out", str(tmp_path))
    assert code == 2 and "threshold" in out
    code, out = run("ontology", "build", "--threshold", "2", "--out", str(tmp_path))
    assert code == 2 and "threshold" in out


def test_demo_runs():
    code, out = run("demo")
    assert code == 0 and "amusement" in out and "joy" in out
    assert "contempt is composed of disgust + anger" in out


def test_console_script_and_module_entry_points():
    script = Path(sys.executable).with_name("affectlab")
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    res = subprocess.run([str(script), "ontology", "map", "admiration", "--from", "goemotions",
                          "--to", "ekman"], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "joy"
    res = subprocess.run([sys.executable, "-m", "affectlab", "--help"], capture_output=True,
                         text=True, check=True)
    assert "ontology" in res.stdout and "datasets" in res.stdout


def test_version():
    import affectlab

    code, out = run("--version")
    assert code == 0 and out.strip() == f"affectlab {affectlab.__version__}"


def test_neutral_is_shown_as_the_centre_not_unknown():
    info = run_json("ontology", "show", "neutral")
    assert info["name"] == "neutral" and info["tier"] is None
    assert info["vad"] == {"valence": 0.0, "arousal": 0.0, "dominance": 0.0}
    code, out = run("ontology", "show", "Neutral")
    assert code == 0 and "not in the tree" in out
