"""analyze_audio and `affectlab analyze-audio`: every file answered, bad ones with a reason."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from affectlab.cli.app import app
from affectlab.core.errors import InputError, OutputExistsError
from affectlab.core.records import FIELDS
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
    got = {r["source"].rsplit("/", 1)[-1]: r for r in out}
    assert {k: r["status"] for k, r in got.items()} == STATUS
    for r in got.values():
        # the shared record of every modality, then the speech fields
        assert list(r) == [*FIELDS, "seconds", "flags", "normalisation"]
        assert r["modality"] == "speech" and r["scheme"] == "emodb7"
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


def _kill_after(monkeypatch, n: int) -> list[str]:
    """Make the n+1-th feature extraction raise KeyboardInterrupt; return the files computed."""
    import affectlab.speech.analyze as mod

    real, seen = mod._features_of, []

    def counting(path, clf, use_vad):
        if len(seen) == n:
            raise KeyboardInterrupt
        seen.append(path.name)
        return real(path, clf, use_vad)

    monkeypatch.setattr(mod, "_features_of", counting)
    return seen


def test_a_killed_run_resumes_and_the_output_is_atomic(wav_dir, small_model, tmp_path,
                                                       monkeypatch):
    out = tmp_path / "new" / "folder" / "res.jsonl"  # folders created on demand
    journal = out.with_name("res.jsonl.partial.jsonl")
    seen = _kill_after(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        analyze_audio(wav_dir, model=small_model, output=out)
    assert not out.exists() and journal.exists() and seen == ["a_good.wav", "b_good.wav",
                                                              "c_silent.wav"]
    with journal.open("a") as fh:
        fh.write('{"key": "cut mid-li')  # the kill cut the last line
    monkeypatch.undo()
    seen = _kill_after(monkeypatch, 100)
    res = analyze_audio(wav_dir, model=small_model, output=out)
    assert seen == ["d_short.wav", "e_empty.wav", "f_text.wav", "g_stereo.flac"]
    assert not journal.exists() and not list(out.parent.glob("*.tmp"))
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines == res and [r["status"] for r in res] == list(STATUS.values())
    assert res == analyze_audio(wav_dir, model=small_model)  # same as an uninterrupted run


def test_resume_after_a_cut_line_keeps_the_next_record(wav_dir, small_model, tmp_path,
                                                       monkeypatch):
    out = tmp_path / "res.json"
    journal = tmp_path / "res.json.partial.jsonl"
    _kill_after(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        analyze_audio(wav_dir, model=small_model, output=out)
    with journal.open("a") as fh:
        fh.write('{"key": "cut')
    monkeypatch.undo()
    _kill_after(monkeypatch, 1)  # killed again after one more file
    with pytest.raises(KeyboardInterrupt):
        analyze_audio(wav_dir, model=small_model, output=out)
    monkeypatch.undo()
    seen = _kill_after(monkeypatch, 100)
    analyze_audio(wav_dir, model=small_model, output=out)
    assert "a_good.wav" not in seen and "b_good.wav" not in seen  # both journaled records kept


def test_a_journal_from_other_settings_is_not_reused(wav_dir, small_model, tmp_path,
                                                     monkeypatch):
    out = tmp_path / "res.json"
    _kill_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        analyze_audio(wav_dir, model=small_model, output=out)
    monkeypatch.undo()
    seen = _kill_after(monkeypatch, 100)
    with pytest.warns(UserWarning, match="other settings"):
        analyze_audio(wav_dir, model=small_model, output=out, vad=False)
    assert len(seen) == len(STATUS)  # nothing reused across a VAD change


def test_a_replaced_file_is_analysed_again(wav_dir, small_model, tmp_path, monkeypatch):
    import soundfile as sf
    from _speech_signals import SR, tone

    out = tmp_path / "res.json"
    _kill_after(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        analyze_audio(wav_dir, model=small_model, output=out)
    monkeypatch.undo()
    sf.write(wav_dir / "a_good.wav", tone(1.5, 300), SR)  # new content, size and time
    seen = _kill_after(monkeypatch, 100)
    analyze_audio(wav_dir, model=small_model, output=out)
    assert "a_good.wav" in seen


def test_missing_inputs_are_reported(tmp_path, small_model):
    r = analyze_audio([tmp_path / "nope.wav"], model=small_model)[0]
    assert r["status"] == "missing"
    with pytest.raises(FileNotFoundError, match="no sound files"):
        analyze_audio(tmp_path, model=small_model)
    with pytest.raises(FileNotFoundError, match="no such file"):
        analyze_audio(tmp_path / "nope.wav", model=small_model)


def test_a_failing_feature_backend_marks_the_file_and_goes_on(wav_dir, small_model,
                                                              monkeypatch):
    real = SpeechEmotionClassifier.featurize

    def flaky(self, inputs, **kw):
        if any("b_good" in str(getattr(a, "source", "")) for a in inputs):
            raise RuntimeError("backend crashed")
        return real(self, inputs, **kw)

    monkeypatch.setattr(SpeechEmotionClassifier, "featurize", flaky)
    res = {r["source"].rsplit("/", 1)[-1]: r for r in analyze_audio(wav_dir, model=small_model)}
    assert res["b_good.wav"]["status"] == "error" and "backend crashed" in res["b_good.wav"][
        "error"]
    assert res["a_good.wav"]["status"] == "ok"


def test_bad_speaker_pattern_fails_before_any_work(wav_dir, small_model, monkeypatch):
    seen = _kill_after(monkeypatch, 100)
    with pytest.raises(ValueError, match="not a valid regex"):
        analyze_audio(wav_dir, model=small_model, speakers="(")
    with pytest.raises(ValueError, match="does not match"):
        analyze_audio(wav_dir, model=small_model, speakers=r"^spk(\d)")
    assert seen == []


def test_output_in_the_format_its_extension_names(wav_dir, small_model, tmp_path):
    import pandas as pd

    res = analyze_audio(wav_dir, model=small_model)
    for ext in (".json", ".jsonl", ".csv", ".parquet"):
        out = tmp_path / f"res{ext}"
        assert analyze_audio(wav_dir, model=small_model, output=out) == res
        if ext == ".json":
            assert json.loads(out.read_text()) == res
        elif ext == ".jsonl":
            assert [json.loads(x) for x in out.read_text().splitlines()] == res
        elif ext == ".csv":
            assert out.read_text().splitlines()[0].startswith("source,modality,status,error,")
            frame = pd.read_csv(out)
            assert list(frame["status"]) == list(STATUS.values())
            assert json.loads(frame["probs"][0]) == res[0]["probs"]  # nested values as JSON
        else:
            frame = pd.read_parquet(out)
            assert list(frame["source"]) == [r["source"] for r in res]
    with pytest.raises(InputError, match="unsupported"):
        analyze_audio(wav_dir, model=small_model, output=tmp_path / "res.txt")


def test_an_existing_output_is_replaced_only_when_asked(wav_dir, small_model, tmp_path,
                                                        monkeypatch):
    out = tmp_path / "res.jsonl"
    out.write_text("keep me\n")
    seen = _kill_after(monkeypatch, 100)
    with pytest.raises(OutputExistsError, match="overwrite"):
        analyze_audio(wav_dir, model=small_model, output=out)
    assert seen == [] and out.read_text() == "keep me\n"
    analyze_audio(wav_dir, model=small_model, output=out, overwrite=True)
    assert len(out.read_text().splitlines()) == len(STATUS)


def _records(stdout: str) -> list[dict]:
    return json.loads(stdout)


def test_cli_json_and_table(wav_dir, small_model):
    runner = CliRunner()
    res = runner.invoke(app, ["analyze-audio", str(wav_dir), "--model", str(small_model),
                              "--json"])
    assert res.exit_code == 1, res.output  # some files could not be analysed
    data = _records(res.stdout)
    assert len(data) == len(STATUS) and {d["status"] for d in data} == set(STATUS.values())
    table = runner.invoke(app, ["analyze-audio", str(wav_dir / "a_good.wav"), "--model",
                                str(small_model)])
    assert table.exit_code == 0 and "a_good.wav" in table.stdout
    bad = runner.invoke(app, ["analyze-audio", str(wav_dir), "--model", str(small_model),
                              "--scheme", "ekmann", "--json"])
    assert bad.exit_code == 2 and "ekman" in json.loads(bad.stdout)["error"]


def test_cli_takes_many_files_and_globs(wav_dir, small_model):
    runner = CliRunner()
    two = runner.invoke(app, ["analyze-audio", str(wav_dir / "a_good.wav"),
                              str(wav_dir / "b_good.wav"), "-m", str(small_model), "--json"])
    assert two.exit_code == 0, two.output
    assert [r["source"] for r in _records(two.stdout)] == [str(wav_dir / "a_good.wav"),
                                                           str(wav_dir / "b_good.wav")]
    glob = runner.invoke(app, ["analyze-audio", str(wav_dir / "*_good.wav"), "-m",
                               str(small_model), "--json", "-s", "ekman7"])
    assert glob.exit_code == 0, glob.output
    got = _records(glob.stdout)
    assert len(got) == 2 and {r["scheme"] for r in got} == {"ekman7"}
    missing = runner.invoke(app, ["analyze-audio", str(wav_dir / "a_good.wav"),
                                  str(wav_dir / "nope.wav"), "-m", str(small_model), "--json"])
    assert missing.exit_code == 1  # the run finishes; the missing file has its status
    assert [r["status"] for r in _records(missing.stdout)] == ["ok", "missing"]


def test_cli_writes_real_csv_and_refuses_to_overwrite(wav_dir, small_model, tmp_path):
    import csv

    runner = CliRunner()
    out = tmp_path / "out.csv"
    args = ["analyze-audio", str(wav_dir), "-m", str(small_model), "-o", str(out)]
    first = runner.invoke(app, args)
    assert first.exit_code == 1 and "wrote 7 record(s)" in first.stdout, first.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["status"] for r in rows] == list(STATUS.values())
    assert json.loads(rows[0]["probs"]) and rows[0]["modality"] == "speech"
    again = runner.invoke(app, [*args, "--json"])
    assert again.exit_code == 2 and "--overwrite" in json.loads(again.stdout)["error"]
    replaced = runner.invoke(app, [*args, "--overwrite", "--json"])
    assert replaced.exit_code == 1
    assert json.loads(replaced.stdout) == {"output": str(out), "records": 7, "failed": 4}
    bad = runner.invoke(app, ["analyze-audio", str(wav_dir), "-m", str(small_model), "-o",
                              str(tmp_path / "out.txt")])
    assert bad.exit_code == 2 and "unsupported" in bad.stderr


def test_cli_resumes_a_killed_run(wav_dir, small_model, tmp_path, monkeypatch):
    out = tmp_path / "out.parquet"
    _kill_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        analyze_audio(wav_dir, model=small_model, output=out)
    monkeypatch.undo()
    seen = _kill_after(monkeypatch, 100)
    monkeypatch.delenv("AFFECTLAB_QUIET", raising=False)  # restored after --quiet sets it
    res = CliRunner().invoke(app, ["analyze-audio", str(wav_dir), "-m", str(small_model),
                                   "-o", str(out), "--quiet"])
    from affectlab.core.progress import is_quiet

    assert is_quiet()
    assert res.exit_code == 1, res.output
    assert len(seen) == len(STATUS) - 2 and out.exists()
    assert not (tmp_path / "out.parquet.partial.jsonl").exists()


def test_cli_usage_errors_are_one_line(tmp_path, small_model):
    runner = CliRunner()
    (tmp_path / "empty").mkdir()
    for args in (["analyze-audio", str(tmp_path / "empty")],
                 ["analyze-audio", str(tmp_path / "*.wav")],
                 ["analyze-audio", str(tmp_path / "x.wav"), "-m", str(tmp_path / "no-model")],
                 ["analyze-audio", str(tmp_path / "x.wav"), "-m", str(small_model),
                  "--speakers", "("]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output and "error" in res.stderr
