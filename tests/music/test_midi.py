import numpy as np
import pytest
from _midi_files import scale, write

from affectlab.music.midi import (
    DRUMS_DROPPED,
    EXTREME_TEMPO,
    MusicError,
    load_midi,
    to_pretty_midi,
    write_midi,
)


def test_reads_notes_tempo_and_bars(tmp_path):
    score = load_midi(write(tmp_path / "a.mid", scale(repeats=2), tempo=120))
    assert len(score.notes) == 16
    assert score.tempo == pytest.approx(120.0)
    assert score.n_bars == 2  # 4 s of music at 2 s a bar
    assert score.flags == []
    spans = score.bar_spans()
    assert spans[0] == (0.0, pytest.approx(2.0))


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty"), (b"not a midi file at all", "corrupt"), (b"MThd\x00\x00\x00\x06garbage", "corrupt"),
])
def test_bad_bytes_give_a_reason(tmp_path, content, reason):
    path = tmp_path / "bad.mid"
    path.write_bytes(content)
    with pytest.raises(MusicError) as err:
        load_midi(path)
    assert err.value.reason == reason


def test_missing_folder_no_notes_and_drums_only(tmp_path):
    with pytest.raises(MusicError, match="no such file") as err:
        load_midi(tmp_path / "nope.mid")
    assert err.value.reason == "missing"
    with pytest.raises(MusicError) as err:
        load_midi(tmp_path)
    assert err.value.reason == "not-a-file"
    with pytest.raises(MusicError) as err:
        load_midi(write(tmp_path / "silent.mid", []))
    assert err.value.reason == "no-notes"
    with pytest.raises(MusicError) as err:
        load_midi(write(tmp_path / "drums.mid", [], drums=[(0, 0.1, 36, 100)]))
    assert err.value.reason == "drums-only"


def test_flags_drums_extreme_tempo_and_missing_time_signature(tmp_path):
    score = load_midi(write(tmp_path / "x.mid", scale(repeats=1), tempo=400,
                            drums=[(0, 0.1, 36, 100)]))
    assert {DRUMS_DROPPED, EXTREME_TEMPO} <= set(score.flags)
    assert len(score.notes) == 8  # drum hits are not pitched notes


def test_bytes_input_and_atomic_round_trip(tmp_path):
    notes = np.array([[0.0, 0.5, 60, 70], [0.5, 1.0, 64, 90]])
    path = write_midi(to_pretty_midi(notes, tempo=100), tmp_path / "sub" / "o.mid")
    assert not list(tmp_path.rglob("*.part"))
    score = load_midi(path.read_bytes())
    assert score.notes[:, 2].tolist() == [60, 64]
    assert score.notes[:, 3].tolist() == [70, 90]
    assert score.tempo == pytest.approx(100.0, rel=1e-3)


def test_end_marker_keeps_trailing_silence(tmp_path):
    import pretty_midi

    notes = np.array([[0.0, 0.5, 60, 70]])
    path = write_midi(to_pretty_midi(notes, tempo=120, end=8.0), tmp_path / "s.mid")
    assert pretty_midi.PrettyMIDI(str(path)).get_end_time() == pytest.approx(8.0)
    assert load_midi(path).seconds == pytest.approx(0.5)  # analysis still ends with the music
