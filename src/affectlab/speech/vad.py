"""Voice-activity trimming: cut leading and trailing non-speech before features are computed.

The default detector is Silero VAD (the offline `silero-vad` package ships its network, so no
download happens); without it, an energy detector does the same job more crudely. Only the ends
are cut: pauses inside an utterance carry rate and rhythm and stay in.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from affectlab.speech.audio import Audio

NO_SPEECH = "no-speech"
#: Kept around the detected speech so onsets and final decays are not clipped.
PAD_SECONDS = 0.1


@lru_cache(maxsize=1)
def _silero():
    import warnings

    from silero_vad import load_silero_vad

    with warnings.catch_warnings():  # the package's own deprecation notices, not the user's
        warnings.simplefilter("ignore", DeprecationWarning)
        return load_silero_vad()


def silero_available() -> bool:
    try:
        import silero_vad  # noqa: F401
    except ImportError:
        return False
    return True


def speech_span(audio: Audio, method: str = "auto") -> tuple[int, int] | None:
    """(start, end) sample indices of the speech in `audio`, or None when none is found."""
    method = resolved_method(method, audio.sample_rate)
    if method == "silero":
        import torch
        from silero_vad import get_speech_timestamps

        with torch.no_grad():
            stamps = get_speech_timestamps(torch.from_numpy(audio.signal), _silero(),
                                           sampling_rate=audio.sample_rate)
        if not stamps:
            return None
        return int(stamps[0]["start"]), int(stamps[-1]["end"])
    if method == "energy":
        return _energy_span(audio.signal, audio.sample_rate)
    raise ValueError(f"unknown VAD method {method!r}; choose 'auto', 'silero' or 'energy'")


def speech_segments(audio: Audio, method: str = "auto", min_gap: float = 0.3
                    ) -> list[tuple[int, int]]:
    """Every stretch of speech in `audio` as (start, end) sample indices, pauses shorter than
    `min_gap` seconds bridged (for long recordings: a video's soundtrack, a meeting)."""
    method = resolved_method(method, audio.sample_rate)
    sr = audio.sample_rate
    if method == "silero":
        import torch
        from silero_vad import get_speech_timestamps

        with torch.no_grad():
            stamps = get_speech_timestamps(torch.from_numpy(audio.signal), _silero(),
                                           sampling_rate=sr)
        spans = [(int(t["start"]), int(t["end"])) for t in stamps]
    elif method == "energy":
        spans = _energy_spans(audio.signal, sr)
    else:
        raise ValueError(f"unknown VAD method {method!r}; choose 'auto', 'silero' or 'energy'")
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a - merged[-1][1] < min_gap * sr:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _energy_spans(x: np.ndarray, sr: int, frame: float = 0.02) -> list[tuple[int, int]]:
    n = max(1, int(frame * sr))
    frames = len(x) // n
    if frames == 0:
        return []
    rms = np.sqrt((x[:frames * n].reshape(frames, n) ** 2).mean(1))
    active = rms > max(0.01, 0.1 * rms.max())
    spans, start = [], None
    for i, on in enumerate(np.r_[active, False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            spans.append((start * n, i * n))
            start = None
    return spans


def _energy_span(x: np.ndarray, sr: int, frame: float = 0.02,
                 floor_db: float = -35.0) -> tuple[int, int] | None:
    """Frames within `floor_db` of the loudest frame count as speech."""
    n = max(1, int(frame * sr))
    k = len(x) // n
    if k == 0:
        return None
    rms = np.sqrt(np.mean(x[: k * n].reshape(k, n) ** 2, axis=1) + 1e-12)
    db = 20 * np.log10(rms / rms.max())
    active = np.flatnonzero(db > floor_db)
    if not len(active) or rms.max() < 1e-4:
        return None
    return int(active[0] * n), int((active[-1] + 1) * n)


def resolved_method(method: str = "auto", sample_rate: int = 16_000) -> str:
    """The detector "auto" picks here: Silero when installed (at 8 or 16 kHz), else energy."""
    if method != "auto":
        return method
    return "silero" if silero_available() and sample_rate in (8000, 16000) else "energy"


def trim(audio: Audio, method: str = "auto", pad: float = PAD_SECONDS,
         min_seconds: float = 0.25) -> Audio:
    """`audio` cut to its speech (plus `pad` seconds each side). When no speech is found, or
    what is left would be shorter than `min_seconds`, the signal stays whole and is flagged
    "no-speech" so the caller can report it."""
    span = speech_span(audio, method)
    flags = list(audio.flags)
    if span is None:
        return Audio(audio.signal, audio.sample_rate, audio.source, audio.original_rate,
                     flags + [NO_SPEECH])
    p = int(pad * audio.sample_rate)
    start, end = max(0, span[0] - p), min(len(audio.signal), span[1] + p)
    if end - start < min_seconds * audio.sample_rate:
        return Audio(audio.signal, audio.sample_rate, audio.source, audio.original_rate,
                     flags + [NO_SPEECH])
    return Audio(audio.signal[start:end].copy(), audio.sample_rate, audio.source,
                 audio.original_rate, flags)


__all__ = ["NO_SPEECH", "resolved_method", "silero_available", "speech_segments", "speech_span",
           "trim"]
