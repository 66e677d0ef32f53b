"""Audio input: decoding, mono mixing, resampling, and the checks that keep bad files out."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from _speech_signals import SR, tone

from affectlab.speech.audio import (
    CLIPPED,
    SILENT,
    TRUNCATED,
    AudioError,
    audio_files,
    load_audio,
    prepare,
    resample,
    to_mono,
)


def test_good_file_loads_as_mono_float32_at_16k(wav_dir):
    a = load_audio(wav_dir / "a_good.wav")
    assert a.signal.dtype == np.float32 and a.signal.ndim == 1
    assert a.sample_rate == SR and a.original_rate == SR
    assert a.seconds == pytest.approx(1.2, abs=1e-3)
    assert a.flags == []


def test_stereo_44k_is_mixed_and_resampled(wav_dir):
    a = load_audio(wav_dir / "g_stereo.flac")
    assert a.original_rate == 44_100 and a.sample_rate == SR
    assert len(a.signal) == pytest.approx(SR, abs=2)


def test_resample_keeps_a_tone_at_its_frequency():
    x = np.sin(2 * np.pi * 440 * np.arange(22_050) / 22_050).astype(np.float32)
    y = resample(x, 22_050, SR)
    assert len(y) == SR
    spectrum = np.abs(np.fft.rfft(y))
    assert np.fft.rfftfreq(len(y), 1 / SR)[spectrum.argmax()] == pytest.approx(440, abs=1)


def test_integer_pcm_is_scaled_to_unit_range():
    x = (np.array([0, 16_384, -32_768, 32_767] * 2000, dtype=np.int16))
    a = prepare(x, SR)
    assert a.signal.min() == pytest.approx(-1.0, abs=1e-4)
    assert a.signal.max() == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32])
def test_every_integer_format_spans_the_unit_range(dtype):
    info = np.iinfo(dtype)
    x = np.array([info.min, info.max] * 4000, dtype=dtype)
    a = prepare(x, SR)
    assert a.signal.min() == pytest.approx(-1.0, abs=1e-2)
    assert a.signal.max() == pytest.approx(1.0, abs=1e-2)
    assert CLIPPED in a.flags


def test_one_clipped_channel_is_flagged():
    st = np.stack([np.clip(tone(1.0) * 10, -1, 1), np.zeros(SR, np.float32)], axis=1)
    assert CLIPPED in prepare(st, SR).flags


def test_long_files_are_read_only_as_far_as_needed(tmp_path, monkeypatch):
    import soundfile

    sf.write(tmp_path / "long.wav", tone(5.0), SR)
    asked = {}
    real = soundfile.read

    def spy(path, frames=-1, **kw):
        asked["frames"] = frames
        return real(path, frames=frames, **kw)

    monkeypatch.setattr(soundfile, "read", spy)
    a = load_audio(tmp_path / "long.wav", max_seconds=2.0)
    assert asked["frames"] <= 2 * SR + 1 and TRUNCATED in a.flags
    assert a.seconds == pytest.approx(2.0)


def test_to_mono_averages_channels_and_rejects_3d():
    st = np.stack([np.ones(10), np.zeros(10)], axis=1)
    assert np.allclose(to_mono(st), 0.5)
    with pytest.raises(AudioError, match="shape"):
        to_mono(np.zeros((2, 2, 2)))


@pytest.mark.parametrize(("name", "reason"), [("d_short.wav", "too-short"),
                                               ("e_empty.wav", "empty"),
                                               ("f_text.wav", "not-audio")])
def test_unusable_files_raise_with_a_reason(wav_dir, name, reason):
    from affectlab.core.errors import AffectlabError, InputError, MediaError

    with pytest.raises(AudioError) as err:
        load_audio(wav_dir / name)
    assert err.value.reason == reason
    assert name in str(err.value)
    # one hierarchy: a media error of the shared core, still a ValueError
    assert isinstance(err.value, MediaError) and isinstance(err.value, InputError)
    assert isinstance(err.value, AffectlabError) and isinstance(err.value, ValueError)


def test_speech_errors_are_the_core_ones():
    from affectlab.core import errors as core
    from affectlab.speech import MissingBackendError, features, tokens

    assert MissingBackendError is core.MissingBackendError is features.MissingBackendError
    assert tokens.NotFittedError is core.NotFittedError


def test_missing_file_and_directory_are_clear_errors(wav_dir):
    with pytest.raises(FileNotFoundError, match="no such audio file"):
        load_audio(wav_dir / "nope.wav")
    with pytest.raises(AudioError, match="directory"):
        load_audio(wav_dir)


def test_non_finite_samples_are_refused():
    x = tone(1.0)
    x[100] = np.nan
    with pytest.raises(AudioError, match="NaN"):
        prepare(x, SR)


def test_flags_for_silent_clipped_and_long_audio(wav_dir, tmp_path):
    assert SILENT in load_audio(wav_dir / "c_silent.wav").flags
    loud = np.clip(tone(1.0) * 10, -1, 1)
    assert CLIPPED in prepare(loud, SR).flags
    long = prepare(tone(3.0), SR, max_seconds=2.0)
    assert TRUNCATED in long.flags and long.seconds == pytest.approx(2.0)
    sf.write(tmp_path / "long.wav", tone(3.0), SR)
    assert load_audio(tmp_path / "long.wav", max_seconds=None).seconds == pytest.approx(3.0)


def test_audio_files_lists_sound_files_only(wav_dir):
    (wav_dir / "notes.txt").write_text("x")
    names = [p.name for p in audio_files(wav_dir)]
    assert names == sorted(names) and "notes.txt" not in names
    assert "g_stereo.flac" in names
    assert audio_files(wav_dir / "a_good.wav") == [wav_dir / "a_good.wav"]
    with pytest.raises(FileNotFoundError):
        audio_files(wav_dir / "missing")
