"""`analyze_music` and `affectlab analyze-music`: the shared record, batches, schemes, result
files and resuming."""

import json

import pandas as pd
import pytest
from _midi_files import progression, scale, write
from typer.testing import CliRunner

from affectlab.cli.app import app
from affectlab.core.errors import InputError, MediaError, OutputExistsError, UnknownNameError
from affectlab.core.progress import QUIET_ENV, is_quiet, set_quiet
from affectlab.core.records import FIELDS
from affectlab.music import MusicError, analyze_music
from affectlab.music.analyze import EXTRA_FIELDS
from affectlab.music.static import QUADRANTS

runner = CliRunner()


@pytest.fixture()
def folder(tmp_path):
    """Two readable pieces, a corrupt file and a drums-only file (and a text file, ignored)."""
    d = tmp_path / "midi"
    d.mkdir()
    write(d / "a_major.mid", progression(repeats=2))
    write(d / "b_minor.mid", progression(minor=True, repeats=1) + scale(minor=True), tempo=80)
    (d / "c_bad.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    write(d / "d_drums.mid", [], drums=[(0, 0.1, 36, 100)])
    (d / "notes.txt").write_text("not music")
    return d


def _decimals_ok(value):
    if isinstance(value, float):
        return round(value, 6) == value
    if isinstance(value, dict):
        return all(_decimals_ok(v) for v in value.values())
    if isinstance(value, list):
        return all(_decimals_ok(v) for v in value)
    return True


def test_one_file_gives_the_shared_record(music_models, folder):
    rec = analyze_music(folder / "a_major.mid", model=music_models)
    assert list(rec) == [*FIELDS, *EXTRA_FIELDS]
    assert rec["modality"] == "music" and rec["status"] == "ok" and rec["error"] is None
    assert rec["scheme"] == "russell4" and list(rec["probs"]) == list(QUADRANTS)
    assert sum(rec["probs"].values()) == pytest.approx(1.0, abs=1e-5)
    assert rec["top"] == rec["quadrant"] == max(rec["probs"], key=rec["probs"].get)
    assert rec["labels"] == [rec["top"]] and rec["dominance"] is None
    assert -1 <= rec["valence"] <= 1 and -1 <= rec["arousal"] <= 1
    assert _decimals_ok(rec)  # the shared rounding rule: 6 digits
    from_bytes = analyze_music((folder / "a_major.mid").read_bytes(), model=music_models)
    assert from_bytes["source"] is None and from_bytes["probs"] == rec["probs"]
    with pytest.raises(MusicError) as err:  # one file: an error, as before
        analyze_music(folder / "c_bad.mid", model=music_models)
    assert isinstance(err.value, MediaError) and err.value.reason == "corrupt"


def test_a_batch_never_raises_for_a_bad_file(music_models, folder, tmp_path):
    recs = analyze_music(folder, model=music_models)
    assert [r["status"] for r in recs] == ["ok", "ok", "corrupt", "drums-only"]
    assert [r["source"] for r in recs] == [str(p) for p in sorted(folder.glob("*.mid"))]
    bad = recs[2]
    assert list(bad) == list(recs[0]) and bad["probs"] == {} and bad["top"] is None
    assert "MIDI" in bad["error"] and bad["per_bar"] is None
    listed = analyze_music([folder / "b_minor.mid", tmp_path / "gone.mid"], model=music_models)
    assert [r["status"] for r in listed] == ["ok", "missing"]
    assert listed[0] == recs[1]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no MIDI file"):
        analyze_music(empty, model=music_models)


def test_another_scheme_through_the_ontology(music_models, folder):
    base = analyze_music(folder / "a_major.mid", model=music_models)
    ekman = analyze_music(folder / "a_major.mid", "ekman6", model=music_models)
    assert ekman["scheme"] == "ekman6"
    assert set(ekman["probs"]) == {"anger", "disgust", "fear", "joy", "sadness", "surprise"}
    assert sum(ekman["probs"].values()) <= 1 + 1e-6
    assert ekman["top"] in ekman["probs"] and ekman["labels"] == [ekman["top"]]
    assert (ekman["valence"], ekman["quadrant"]) == (base["valence"], base["quadrant"])
    assert analyze_music(folder / "a_major.mid", "Russell", model=music_models) == base
    with pytest.raises(UnknownNameError, match="Did you mean"):
        analyze_music(folder / "a_major.mid", "ekmann6", model=music_models)


def test_the_old_positional_model_argument_still_works(music_models, folder):
    with pytest.warns(DeprecationWarning, match="model="):
        rec = analyze_music(folder / "a_major.mid", str(music_models))
    assert rec == analyze_music(folder / "a_major.mid", model=music_models)


@pytest.mark.parametrize("ext", [".json", ".jsonl", ".csv", ".parquet"])
def test_result_files(music_models, folder, tmp_path, ext):
    out = tmp_path / f"out{ext}"
    recs = analyze_music(folder, model=music_models, output=out)
    if ext == ".json":
        back = json.loads(out.read_text())
        assert back == recs
    else:
        from affectlab.core.tables import read_table

        back = read_table(out)
        assert len(back) == 4 and list(back["status"]) == [r["status"] for r in recs]
    assert not list(tmp_path.glob("*.partial.jsonl")) and not list(tmp_path.glob(".*"))
    with pytest.raises(OutputExistsError):
        analyze_music(folder, model=music_models, output=out)
    analyze_music(folder, model=music_models, output=out, overwrite=True)
    with pytest.raises(InputError, match="unsupported"):
        analyze_music(folder, model=music_models, output=tmp_path / "out.txt")


def test_a_killed_run_resumes(music_models, folder, tmp_path, monkeypatch):
    from affectlab.music import analyze

    out = tmp_path / "res.jsonl"
    real = analyze.analyze_score
    calls = []

    def dies_on_the_second(score, model=None, scheme=None):
        calls.append(score.source)
        if len(calls) == 2:
            raise KeyboardInterrupt  # a kill between two files
        return real(score, model, scheme)

    monkeypatch.setattr(analyze, "analyze_score", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        analyze_music(folder, model=music_models, output=out)
    assert not out.exists() and (tmp_path / "res.jsonl.partial.jsonl").is_file()
    calls.clear()
    monkeypatch.setattr(analyze, "analyze_score", lambda *a: calls.append(a[0].source)
                        or real(*a))
    recs = analyze_music(folder, model=music_models, output=out)
    assert calls == [str(folder / "b_minor.mid")]  # the first was done; bad files are quick
    assert recs == analyze_music(folder, model=music_models)
    assert [json.loads(line) for line in out.read_text().splitlines()] == recs
    assert not (tmp_path / "res.jsonl.partial.jsonl").exists()
    other = analyze_music(folder, "ekman6", model=music_models, output=tmp_path / "e.jsonl")
    assert other[0]["scheme"] == "ekman6"


def _cli(*args):
    return runner.invoke(app, ["analyze-music", *map(str, args)])


def test_cli_folders_globs_and_exit_codes(music_models, folder, monkeypatch):
    monkeypatch.delenv(QUIET_ENV, raising=False)  # restored to unset after the test
    res = _cli(folder, "--json", "-m", music_models)
    assert res.exit_code == 1, res.output  # some files failed: each says why
    recs = json.loads(res.output)
    assert [r["status"] for r in recs] == ["ok", "ok", "corrupt", "drums-only"]
    res = _cli(folder / "a_*.mid", folder / "b_minor.mid", "--json", "-m", music_models)
    assert res.exit_code == 0, res.output
    assert [r["source"] for r in json.loads(res.output)] == [
        str(folder / "a_major.mid"), str(folder / "b_minor.mid")]
    res = _cli(folder / "a_major.mid", "-s", "plutchik8", "--json", "-m", music_models)
    [rec] = json.loads(res.output)
    assert res.exit_code == 0 and rec["scheme"] == "plutchik8" and "trust" in rec["probs"]
    people = _cli(folder, "-m", music_models, "--quiet")
    assert people.exit_code == 1 and "c_bad.mid" in people.output and "corrupt" in people.output
    assert is_quiet()  # --quiet switched bars off for the process
    set_quiet(False)
    one = _cli(folder / "a_major.mid", "-m", music_models)
    assert one.exit_code == 0 and "quadrant" in one.output and "note_density" in one.output


def test_cli_output_files(music_models, folder, tmp_path):
    out = tmp_path / "r.csv"
    res = _cli(folder, "-o", out, "--json", "-m", music_models)
    assert res.exit_code == 1, res.output
    assert json.loads(res.output) == {"output": str(out), "records": 4, "failed": 2}
    assert len(pd.read_csv(out)) == 4
    again = _cli(folder, "-o", out, "-m", music_models)
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert _cli(folder, "--output", out, "--overwrite", "-m", music_models).exit_code == 1
    bad = _cli(folder, "-o", tmp_path / "r.txt", "-m", music_models)
    assert bad.exit_code == 2 and "unsupported output type" in bad.output


def test_cli_usage_errors_are_one_clean_line(music_models, folder, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in ([folder, "-s", "ekmann6"], [folder, "-m", tmp_path / "no_model"],
                 [tmp_path / "*.midi"], [empty]):
        res = _cli(*args, "-m", music_models) if "-m" not in args else _cli(*args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output and isinstance(res.exception, SystemExit)
    res = _cli(folder, "-s", "ekmann6", "--json")
    assert "ekman6" in json.loads(res.output)["error"]
