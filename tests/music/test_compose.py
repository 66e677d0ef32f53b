import json

import pytest
from _midi_files import progression, write
from typer.testing import CliRunner

from affectlab.cli.app import app
from affectlab.errors import UnknownNameError
from affectlab.music import analyze_music, compose, load_midi
from affectlab.music.models import DEFAULT_DIR
from affectlab.music.prototypes import EmotionPrototypes, emotion_quadrant

runner = CliRunner()


def test_emotions_map_to_quadrants():
    assert emotion_quadrant("joy") == "positive-high"
    assert emotion_quadrant("fear") == "negative-high"
    assert emotion_quadrant("sadness") == "negative-low"
    assert emotion_quadrant("tenderness") == "positive-low"
    assert emotion_quadrant("Q3") == "negative-low"
    with pytest.raises(UnknownNameError):
        emotion_quadrant("jolly-ish")


def test_prototype_is_the_real_vector_nearest_the_centre(music_models):
    protos = EmotionPrototypes.load(music_models / "prototypes")
    assert set(protos.vectors) == {"positive-high", "negative-high", "negative-low", "positive-low"}
    assert protos.sources["positive-high"].startswith("train")


def test_compose_and_analyze_round_trip(music_models, tmp_path):
    out = tmp_path / "joy.mid"
    res = compose("joy", bars=4, out=out, seed=1, model=str(music_models))
    assert res["quadrant"] == "positive-high" and res["out"] == str(out)
    if res["notes"]:
        assert load_midi(out).notes.shape[0] == res["notes"]
    piece = write(tmp_path / "p.mid", progression(repeats=2))
    result = analyze_music(piece, model=str(music_models))
    assert result["quadrant"] in {"positive-high", "negative-high", "negative-low", "positive-low"}
    assert result["source"] == str(piece) and result["modality"] == "music"
    assert result["scheme"] == "russell4" and result["top"] == result["quadrant"]
    assert result["labels"] == [result["top"]] and result["dominance"] is None
    assert len(result["per_bar"]) == result["bars"] == 8
    assert len(result["per_second"]) == 16
    with pytest.raises(ValueError, match="bars"):
        compose("joy", bars=0, model=str(music_models))


def test_cli_analyze_music_json_and_bad_input(music_models, tmp_path):
    piece = write(tmp_path / "p.mid", progression(repeats=1))
    ok = runner.invoke(app, ["analyze-music", str(piece), "--json", "--model", str(music_models)])
    assert ok.exit_code == 0, ok.output
    [data] = json.loads(ok.output)
    assert {"valence", "arousal", "quadrant", "attributes", "per_bar", "per_second", "source",
            "status", "probs", "top"} <= set(data)
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"garbage")
    res = runner.invoke(app, ["analyze-music", str(bad), "--json", "--model", str(music_models)])
    assert res.exit_code == 1, res.output  # the run finished; that file's status says why
    [rec] = json.loads(res.output)
    assert rec["status"] == "corrupt" and "MIDI" in rec["error"] and rec["probs"] == {}


def test_cli_compose_and_attributes(music_models, tmp_path):
    out = tmp_path / "fear.mid"
    args = ["compose", "--emotion", "fear", "--bars", "2", "-o", str(out), "--seed", "0",
            "--model", str(music_models), "--json", "-a", "note_density=2"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["control"]["note_density"] == 2 and out.exists()
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--overwrite" in again.output
    bad = runner.invoke(app, [*args[:-2], "-a", "loudness=2", "--overwrite"])
    assert bad.exit_code == 2 and "unknown attribute" in bad.output
    attrs = runner.invoke(app, ["music", "attributes", str(out), "--per", "bar", "--json"])
    if data["notes"]:
        assert attrs.exit_code == 0 and json.loads(attrs.output)["per"] == "bar"
    longer = tmp_path / "fear2.mid"
    for flag in ("--out", "--output"):  # -o, --out and --output are one option
        res = runner.invoke(app, [*args[:5], flag, str(longer), *args[7:], "--overwrite"])
        assert res.exit_code == 0, res.output
        assert json.loads(res.output)["out"] == str(longer)


@pytest.mark.skipif(not (DEFAULT_DIR / "generator").is_dir(), reason="no shipped music model")
def test_shipped_models_compose_valid_midi(tmp_path):
    out = tmp_path / "sad.mid"
    res = compose("sadness", bars=4, out=out, seed=0)
    score = load_midi(out)
    assert res["notes"] > 0 and abs(score.n_bars - 4) <= 1
    assert analyze_music(out)["quadrant"]


def test_best_of_candidates_never_matches_worse(music_models, tmp_path):
    import numpy as np

    from affectlab.music.analyze import _bucket_hits
    from affectlab.music.models import load_generator

    one = compose("fear", bars=2, seed=3, model=str(music_models))
    gen = load_generator(str(music_models))
    first = _bucket_hits(one["_notes"], one["tempo"], np.array(list(one["control"].values())),
                         gen.buckets)
    best = compose("fear", bars=2, seed=3, model=str(music_models), candidates=3)
    assert best["candidates"] == 3 and best["attributes_matched"] >= first
    with pytest.raises(ValueError, match="candidates"):
        compose("fear", bars=2, candidates=0, model=str(music_models))


def test_neutral_asks_for_the_middle_of_every_attribute(music_models):
    """Neutral has no quadrant (V = A = 0): it once came out as joy's piece."""
    neutral = compose("neutral", bars=2, seed=0, model=str(music_models))
    joy = compose("joy", bars=2, seed=0, model=str(music_models))
    assert neutral["quadrant"] == "neutral" and set(neutral["control"].values()) == {1}
    assert neutral["control"] != joy["control"]
