import numpy as np
import pandas as pd
import pytest
from _midi_files import progression, scale, triads, write

from affectlab.core.errors import NotFittedError
from affectlab.music.attributes import (
    ATTRIBUTES,
    AttributeBuckets,
    bar_attributes,
    key_correlations,
    piece_attributes,
    second_attributes,
    window_attributes,
)
from affectlab.music.midi import load_midi


def _attrs(tmp_path, notes, tempo=120.0):
    return piece_attributes(load_midi(write(tmp_path / "p.mid", notes, tempo=tempo)))


def test_mode_tells_major_from_minor(tmp_path):
    assert _attrs(tmp_path, progression(minor=False))["mode"] > 0.1
    assert _attrs(tmp_path, progression(minor=True))["mode"] < -0.1


def test_key_profile_correlation_finds_the_key():
    profile = np.zeros(12)
    profile[[7, 11, 2]] = [3, 1, 2]  # G major triad, G heaviest
    assert int(np.nanargmax(key_correlations(profile))) == 7


def test_density_pitch_velocity_and_articulation(tmp_path):
    fast = _attrs(tmp_path, scale(step=0.125, velocity=100))
    slow = _attrs(tmp_path, scale(step=0.5, velocity=40))
    assert fast["note_density"] == pytest.approx(8.0, rel=0.05)
    assert slow["note_density"] == pytest.approx(2.0, rel=0.05)
    assert fast["velocity"] == 100 and slow["velocity"] == 40
    assert _attrs(tmp_path, scale(legato=0.3))["articulation"] == pytest.approx(0.3, abs=0.02)
    assert _attrs(tmp_path, scale(legato=1.0))["articulation"] == pytest.approx(1.0, abs=0.02)
    a = _attrs(tmp_path, scale(tonic=72))
    assert a["pitch_range"] == 12
    assert 72 < a["pitch_mean"] < 84


def test_consonance_and_polyphony(tmp_path):
    major = _attrs(tmp_path, triads())
    assert major["consonance"] == pytest.approx(1.0)
    assert major["polyphony"] == pytest.approx(3.0, abs=0.05)
    cluster = [(0.0, 2.0, p, 80) for p in (60, 61, 62)]  # two seconds and a major second
    assert _attrs(tmp_path, cluster)["consonance"] == pytest.approx(0.0)
    assert np.isnan(_attrs(tmp_path, scale())["consonance"])  # melody: no simultaneous pairs


def test_windows_bars_and_seconds(tmp_path):
    score = load_midi(write(tmp_path / "w.mid", triads(bars=4)))
    bars = bar_attributes(score)
    assert list(bars.columns) == ["start", "end", *ATTRIBUTES]
    assert len(bars) == 4
    assert len(second_attributes(score)) == 8
    empty = window_attributes(score, 100.0, 101.0)
    assert empty["note_density"] == 0 and np.isnan(empty["pitch_mean"])


def test_buckets_percentiles_and_round_trip(tmp_path):
    frame = pd.DataFrame({a: np.arange(30, dtype=float) for a in ATTRIBUTES})
    b = AttributeBuckets(3).fit(frame)
    assert b.bucket("tempo", 0) == 0 and b.bucket("tempo", 15) == 1 and b.bucket("tempo", 29) == 2
    assert b.bucket("tempo", float("nan")) == 1
    ids = b.transform(frame)
    assert ids.shape == (30, len(ATTRIBUTES))
    assert np.bincount(ids[:, 0]).tolist() == [10, 10, 10]
    b.save(tmp_path / "b")
    assert (tmp_path / "b" / "affectlab.json").is_file()
    assert AttributeBuckets.load(tmp_path / "b").edges == b.edges
    with pytest.raises(NotFittedError, match="not fitted"):
        AttributeBuckets().bucket("tempo", 1.0)
