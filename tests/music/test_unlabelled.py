import numpy as np
from _midi_files import progression, write

from affectlab.music.attributes import ATTRIBUTES
from affectlab.music.generator import _bucket_medians
from affectlab.music.midi import load_midi
from affectlab.music.unlabelled import corpus_segments, segments


def test_segments_cut_runs_of_bars(tmp_path):
    score = load_midi(write(tmp_path / "p.mid", progression(repeats=4), tempo=120))  # 16 bars
    runs = list(segments(score, n_bars=8, hop=4))
    assert [r.n_bars for r in runs] == [8, 8, 8]
    assert all(max(e[0] for e in r.events) == 7 for r in runs)
    assert runs[0].tempo == np.float64(score.tempo)
    t, v = ATTRIBUTES.index("tempo"), ATTRIBUTES.index("velocity")
    engraved = list(segments(score, n_bars=8, hop=4, performance=False))
    assert np.isnan(engraved[0].attributes[[t, v]]).all() and np.isnan(engraved[0].tempo)
    assert np.isfinite(engraved[0].attributes[ATTRIBUTES.index("mode")])


def test_unreadable_files_are_skipped(tmp_path):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"nope")
    good = write(tmp_path / "g.mid", progression(repeats=2))
    assert len(corpus_segments([bad, good], n_bars=4, hop=4)) == 2


def test_bucket_medians_ignore_unknown_values():
    values = [100.0, float("nan"), 140.0, 150.0, float("nan")]
    buckets = np.array([0, 0, 2, 2, 1])
    assert _bucket_medians(values, buckets, 3, 120.0) == [100.0, 120.0, 145.0]
