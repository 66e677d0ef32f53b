"""analyze_audio and `affectlab analyze-audio`: every file answered, bad ones with a reason."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from affectlab.cli.app import app
from affectlab.speech.analyze import analyze_audio, speaker_ids
from affectlab.speech.classifier import SpeechEmotionClassifier

STATUS = {"a_good.wav": "ok", "b_good.wav": "ok", "c_silent.wav": "silent",
          "d_short.wav": "too-short", "e_empty.wav": "empty", "f_text.wav": "not-audio",
          "g_stereo.flac": "ok"}


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A log-mel model on synthetic tones (no corpus, no openSMILE needed)."""
    from _speech_signals import SR, tone

    from affectlab.speech.audio import prepare

    rng = np.random.default_rng(0)
    clips, labels = [], []
    for i in range(24):
        label = ["anger", "sadness", "neutral"][i % 3]
        f0 = {"anger": 300, "sadness": 120, "neutral": 200}[label] * rng.uniform(0.9, 1.1)
        clips.append(prepare(tone(0.8, f0, seed=i), SR))
        labels.append(label)
    clf = SpeechEmotionClassifier("emodb7", "logmel", C=1.0).fit(clips, labels)
    path = tmp_path_factory.mktemp("model") / "m"
    clf.save(path)
    return path


def test_every_file_comes_back_with_its_status(wav_dir, small_model):
    out = analyze_audio(wav_dir, model=small_model)
    got = {r["file"].rsplit("/", 1)[-1]: r for r in out}
    assert {k: r["status"] for k, r in got.items()} == STATUS
    for r in got.values():
        if r["status"] == "ok":
            assert sum(r["probs"].values()) == pytest.approx(1, abs=1e-5)
            assert r["top"] == max(r["probs"], key=r["probs"].get) and r["labels"] == [r["top"]]
            assert -1 <= r["valence"] <= 1 and -1 <= r["arousal"] <= 1
            assert r["normalisation"] == "global" and r["error"] is None
        else:
            assert r["probs"] == {} and r["top"] is None and r["valence"] is None
            assert r["error"]


def test_answers_in_another_scheme(wav_dir, small_model):
    r = analyze_audio([wav_dir / "a_good.wav"], "ekman7", model=small_model)[0]
    from affectlab.ontology import get_scheme

    assert r["scheme"] == "ekman7"
    assert list(r["probs"]) == list(get_scheme("ekman7").label_names)
    assert sum(r["probs"].values()) == pytest.approx(1, abs=1e-5)


def test_speaker_ids_from_folder_regex_or_list(tmp_path):
    files = [tmp_path / "x" / "03a01Wa.wav", tmp_path / "y" / "16b10Nb.wav"]
    assert speaker_ids(files, r"^(\d\d)") == ["03", "16"]
    assert speaker_ids(files, "folder") == [str(tmp_path / "x"), str(tmp_path / "y")]
    assert speaker_ids(files, ["p", "q"]) == ["p", "q"]
    assert speaker_ids(files, None) is None
    with pytest.raises(ValueError, match="does not match"):
        speaker_ids(files, r"^spk(\d)")
    with pytest.raises(ValueError, match="2 files"):
        speaker_ids(files, ["p"])


def test_output_is_atomic_and_a_killed_run_resumes(wav_dir, small_model, tmp_path):
    out = tmp_path / "res.jsonl"
    journal = tmp_path / "res.jsonl.partial.jsonl"
    first = analyze_audio([wav_dir / "a_good.wav"], model=small_model)[0]
    # a run killed after one file: its journal line, then half a line
    rec = {"file": str(wav_dir / "b_good.wav"), "status": "ok", "flags": ["marker"],
           "seconds": 1.0, "error": None,
           "features": SpeechEmotionClassifier.load(small_model).featurize(
               [wav_dir / "a_good.wav"])[0].tolist()}
    journal.write_text(json.dumps(rec) + "\n" + '{"file": "cut', encoding="utf-8")
    res = analyze_audio(wav_dir, model=small_model, output=out)
    assert not journal.exists() and not list(tmp_path.glob("*.tmp"))
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines == res and len(lines) == len(STATUS)
    b = next(r for r in res if r["file"].endswith("b_good.wav"))
    assert b["flags"] == ["marker"]  # taken from the journal, not recomputed
    assert b["probs"] == pytest.approx(first["probs"], abs=1e-6)


def test_missing_inputs_are_reported(tmp_path, small_model):
    r = analyze_audio([tmp_path / "nope.wav"], model=small_model)[0]
    assert r["status"] == "missing"
    with pytest.raises(FileNotFoundError, match="no sound files"):
        analyze_audio(tmp_path, model=small_model)


def test_cli_json_and_table(wav_dir, small_model):
    runner = CliRunner()
    res = runner.invoke(app, ["analyze-audio", str(wav_dir), "--model", str(small_model),
                              "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert len(data) == len(STATUS) and {d["status"] for d in data} == set(STATUS.values())
    table = runner.invoke(app, ["analyze-audio", str(wav_dir / "a_good.wav"), "--model",
                                str(small_model)])
    assert table.exit_code == 0 and "a_good.wav" in table.stdout
    bad = runner.invoke(app, ["analyze-audio", str(wav_dir), "--model", str(small_model),
                              "--scheme", "ekmann", "--json"])
    assert bad.exit_code == 2 and "ekman" in json.loads(bad.stdout)["error"]
