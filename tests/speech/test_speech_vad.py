"""Voice-activity trimming: only the ends are cut, and no-speech input is flagged, not lost."""

from __future__ import annotations

import numpy as np
import pytest
from _speech_signals import SR, tone

from affectlab.speech.audio import prepare
from affectlab.speech.vad import NO_SPEECH, silero_available, speech_span, trim


def padded(silence: float = 0.5) -> np.ndarray:
    gap = np.zeros(int(silence * SR), np.float32)
    return np.concatenate([gap, tone(1.0), gap])


def test_energy_detector_finds_the_voiced_middle():
    start, end = speech_span(prepare(padded(), SR), method="energy")
    assert abs(start - 0.5 * SR) <= 0.02 * SR and abs(end - 1.5 * SR) <= 0.02 * SR


def test_trim_keeps_a_pad_around_speech():
    out = trim(prepare(padded(), SR), method="energy", pad=0.1)
    assert out.seconds == pytest.approx(1.2, abs=0.03) and NO_SPEECH not in out.flags


def test_no_speech_keeps_the_signal_whole_and_flags_it():
    a = prepare(np.zeros(SR, np.float32), SR)
    out = trim(a, method="energy")
    assert NO_SPEECH in out.flags and len(out.signal) == len(a.signal)


def test_unknown_method_is_a_clear_error():
    with pytest.raises(ValueError, match="silero"):
        speech_span(prepare(padded(), SR), method="webrtc")


@pytest.mark.skipif(not silero_available(), reason="silero-vad not installed: "
                    "pip install 'affectlab[speech]'")
def test_silero_trims_real_speech_and_never_lengthens(emodb):
    from affectlab.speech.audio import load_audio

    a = load_audio(emodb["path"].iloc[0])
    gap = np.zeros(SR, np.float32)
    padded_speech = prepare(np.concatenate([gap, a.signal, gap]), SR)
    out = trim(padded_speech, method="silero")
    assert NO_SPEECH not in out.flags
    assert out.seconds < padded_speech.seconds - 1.5 and out.seconds >= a.seconds * 0.6
