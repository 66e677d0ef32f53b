"""Acoustic features: the log-mel path checked against definitions, openSMILE sets by shape."""

from __future__ import annotations

import numpy as np
import pytest
from _speech_signals import SR, tone

from affectlab.errors import UnknownNameError
from affectlab.speech import extract, extract_many, feature_names, frames, opensmile_available
from affectlab.speech.audio import prepare
from affectlab.speech.features import (
    FRAME_RATE,
    HOP,
    N_MELS,
    deltas,
    functionals,
    log_mel,
    mel_filterbank,
)

needs_opensmile = pytest.mark.skipif(not opensmile_available(),
                                     reason="openSMILE not installed: pip install "
                                     "'affectlab[speech]'")


def test_mel_filters_are_triangles_of_unit_area():
    fb = mel_filterbank()
    assert fb.shape == (N_MELS, 257) and (fb >= 0).all()
    hz = np.fft.rfftfreq(512, 1 / SR)
    areas = np.trapezoid(fb, hz, axis=1)
    assert np.allclose(areas[5:], 1.0, rtol=0.15)  # wide filters integrate to one
    peaks = hz[fb.argmax(1)]
    assert np.all(np.diff(peaks) >= 0)  # centres rise with the band index


def test_log_mel_frames_at_100_hz_and_a_tone_lights_its_band():
    x = np.sin(2 * np.pi * 1000 * np.arange(SR) / SR).astype(np.float32)
    lm = log_mel(x)
    assert lm.shape == (1 + (SR - 400) // HOP, N_MELS) and FRAME_RATE == 100
    band = mel_filterbank()[:, round(1000 / (SR / 512))].argmax()
    assert abs(int(lm.mean(0).argmax()) - int(band)) <= 1


def test_deltas_of_a_ramp_are_its_slope():
    ramp = np.arange(20, dtype=np.float32)[:, None] * np.array([[2.0, -1.0]], np.float32)
    d = deltas(ramp)
    assert np.allclose(d[2:-2], [2.0, -1.0])


def test_functionals_match_their_definitions():
    f = np.stack([np.arange(11.0), np.full(11, 3.0)], axis=1)
    out = functionals(f).reshape(7, 2)
    assert np.allclose(out[0], [5, 3]) and np.allclose(out[1], [np.std(np.arange(11.0)), 0])
    assert np.allclose(out[3], [5, 3]) and np.allclose(out[6], [1, 0])  # median, slope


def test_logmel_vector_length_matches_names_and_is_finite():
    v = extract(prepare(tone(1.0), SR), "logmel")
    assert v.shape == (len(feature_names("logmel")),) and np.isfinite(v).all()


def test_frame_sets_have_fixed_widths():
    a = prepare(tone(1.0), SR)
    assert frames(a, "logmel").shape[1] == N_MELS
    assert frames(a, "mfcc").shape[1] == 40


def test_unknown_feature_set_suggests_the_right_name():
    with pytest.raises(UnknownNameError, match="egemaps"):
        extract(prepare(tone(1.0), SR), "egemap")


@needs_opensmile
def test_egemaps_has_88_functionals_and_25_descriptors():
    a = prepare(tone(1.0), SR)
    assert extract(a, "egemaps").shape == (88,) and len(feature_names("egemaps")) == 88
    assert frames(a, "egemaps_lld").shape[1] == 25


def test_cache_is_reused_and_keyed_by_the_files(tmp_path, wav_dir):
    files = [wav_dir / "a_good.wav", wav_dir / "b_good.wav"]
    X = extract_many(files, "logmel", progress=False, cache=tmp_path / "c")
    saved = list((tmp_path / "c").glob("*.npy"))
    assert len(saved) == 1 and not list((tmp_path / "c").glob("*.tmp*"))
    np.save(saved[0], X + 1)  # a reused cache returns exactly what is stored
    assert np.allclose(extract_many(files, "logmel", progress=False, cache=tmp_path / "c"), X + 1)
    other = extract_many(files[:1], "logmel", progress=False, cache=tmp_path / "c")
    assert np.allclose(other, X[:1])
    with pytest.raises(TypeError, match="file paths"):
        extract_many([prepare(tone(1.0), SR)], "logmel", progress=False, cache=tmp_path)


def test_cache_key_follows_the_preprocessing(tmp_path, wav_dir):
    import functools

    from affectlab.speech.vad import trim

    files = [wav_dir / "a_good.wav"]
    cache = tmp_path / "c"
    extract_many(files, "logmel", progress=False, cache=cache)
    extract_many(files, "logmel", progress=False, cache=cache, preprocess=trim)
    extract_many(files, "logmel", progress=False, cache=cache,
                 preprocess=functools.partial(trim, method="energy"))
    extract_many(files, "logmel", progress=False, cache=cache,
                 preprocess=functools.partial(trim, method="energy", pad=0.2))
    assert len(list(cache.glob("*.npy"))) == 4  # four different steps, four entries
    with pytest.raises(TypeError, match="module-level function"):
        extract_many(files, "logmel", progress=False, cache=cache, preprocess=lambda a: a)
