"""`affectlab datasets list|describe`, tested on the sub-app directly with typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from affectlab.cli.datasets import app
from affectlab.datasets.summary import locate

runner = CliRunner()


def test_describe_goemotions_json_gives_official_split_sizes() -> None:
    if locate("goemotions") is None:
        pytest.skip("corpus 'goemotions' not found: set AFFECTLAB_DATA or use ../shared/data")
    result = runner.invoke(app, ["describe", "goemotions", "--json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert facts["available"] is True
    assert facts["splits"] == {"train": 43410, "dev": 5426, "test": 5427}
    assert facts["matches_expected"] is True
    assert facts["scheme"] == "goemotions"
    assert len(facts["label_counts"]) == 28


def test_list_json_without_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFFECTLAB_DATA", str(tmp_path))
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["name"] for r in rows][:3] == ["goemotions", "carer", "tweeteval"]
    assert all(r["available"] is False and r["rows"] is None for r in rows)
    assert {r["name"]: r["expected_rows"] for r in rows}["isear"] == 7666


def test_list_json_with_a_small_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "fb_va"
    folder.mkdir()
    (folder / "dataset-fb-valence-arousal-anon.csv").write_text(
        "Anonymized Message,Valence1,Valence2,Arousal1,Arousal2\nhi,5,5,2,2\nyo,6,6,3,3\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AFFECTLAB_DATA", str(tmp_path))
    rows = {r["name"]: r for r in json.loads(runner.invoke(app, ["list", "--json"]).output)}
    assert rows["fb_va"]["available"] is True and rows["fb_va"]["rows"] == 2
    assert rows["meld"]["available"] is False


def test_describe_without_data_gives_expected_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFFECTLAB_DATA", str(tmp_path))
    result = runner.invoke(app, ["describe", "meld", "--json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert facts["available"] is False
    assert facts["splits"] == {"train": 9989, "dev": 1109, "test": 2610}
    assert facts["licence"].startswith("GPL-3.0")


def test_describe_unknown_name_fails_with_suggestion() -> None:
    result = runner.invoke(app, ["describe", "goemotion", "--json"])
    assert result.exit_code == 2
    assert "goemotions" in json.loads(result.output)["error"]


def test_human_output_is_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFFECTLAB_DATA", str(tmp_path))
    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0 and "goemotions" in listed.output and "vgmidi" in listed.output
    described = runner.invoke(app, ["describe", "isear"])
    assert described.exit_code == 0 and "isear7" in described.output
