"""Reading speech for emotion analysis: decode, mix to mono, resample, and check the signal.

Every file either becomes a clean float32 mono signal at the working rate or raises an
`AudioError` that says what is wrong (missing, not audio, empty, too short). Signals that can be
analysed but deserve a warning (silent, clipped, longer than the limit) carry flags instead, so a
directory run can report them without stopping.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from affectlab.core.errors import MediaError

#: The rate every affectlab speech feature works at (EmoDB and the VAD both use it).
SAMPLE_RATE = 16_000
#: Shorter than this (after trimming) and no emotion estimate is meaningful.
MIN_SECONDS = 0.25
#: Longer inputs are analysed from their beginning and flagged "truncated".
MAX_SECONDS = 60.0
#: Peak below this (about -60 dBFS) counts as silence.
SILENCE_PEAK = 1e-3
#: Share of samples at full scale above which a signal counts as clipped.
CLIP_SHARE = 1e-3

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".mp3")

# Flags a checked signal can carry (a usable signal has none, or only these).
SILENT = "silent"
CLIPPED = "clipped"
TRUNCATED = "truncated"


class AudioError(MediaError):
    """An input that cannot be analysed as speech; `reason` is a short machine-readable code
    (the record's status). A `MediaError`, so also an `InputError` and a ValueError."""

    def __init__(self, message: str, reason: str = "not-audio") -> None:
        super().__init__(message, reason)


@dataclass
class Audio:
    """A mono float32 signal at `sample_rate`, where it came from, and what was noticed."""

    signal: np.ndarray
    sample_rate: int
    source: str | None = None
    original_rate: int | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return len(self.signal) / self.sample_rate


def to_mono(signal: np.ndarray) -> np.ndarray:
    """Average the channels of a (samples, channels) array; a 1-D signal passes through."""
    x = np.asarray(signal)
    if x.ndim == 1:
        return x
    if x.ndim != 2:
        raise AudioError(f"expected a 1-D or (samples, channels) signal, got shape {x.shape}",
                         "bad-shape")
    return x.mean(axis=1)


def resample(signal: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Polyphase resampling from `rate` to `target` (anti-aliased; exact for integer ratios)."""
    if rate <= 0:
        raise AudioError(f"sample rate must be positive, got {rate}", "bad-rate")
    if rate == target:
        return signal
    from scipy.signal import resample_poly

    g = math.gcd(int(rate), int(target))
    return resample_poly(signal, target // g, int(rate) // g).astype(np.float32)


def prepare(signal: np.ndarray, sample_rate: int, *, source: str | None = None,
            target_rate: int = SAMPLE_RATE, max_seconds: float | None = MAX_SECONDS,
            min_seconds: float = MIN_SECONDS) -> Audio:
    """Check and normalise a signal already in memory (see `load_audio` for the rules)."""
    where = f"{source}: " if source else ""
    x = np.asarray(signal)
    if x.dtype.kind not in "fiu":
        raise AudioError(f"{where}audio samples must be numbers, got dtype {x.dtype}", "bad-dtype")
    if x.dtype.kind in "iu":  # integer PCM to [-1, 1]
        info = np.iinfo(x.dtype)
        half = (float(info.max) - float(info.min) + 1) / 2
        x = (x.astype(np.float64) - (float(info.max) + float(info.min) + 1) / 2) / half
    if x.size == 0:
        raise AudioError(f"{where}the audio is empty (no samples)", "empty")
    if not np.isfinite(x).all():
        raise AudioError(f"{where}the audio holds NaN or infinite samples", "not-finite")
    flags: list[str] = []
    if np.mean(np.abs(x) >= 0.999) > CLIP_SHARE:  # before mixing: one clipped channel counts
        flags.append(CLIPPED)
    x = to_mono(x).astype(np.float32)
    if max_seconds is not None and len(x) > max_seconds * sample_rate:  # cut before resampling
        x = x[: int(np.ceil(max_seconds * sample_rate))]
        flags.append(TRUNCATED)
    x = resample(x, int(sample_rate), target_rate)
    if max_seconds is not None and len(x) > max_seconds * target_rate:
        x = x[: int(max_seconds * target_rate)]
    if len(x) < min_seconds * target_rate:
        raise AudioError(f"{where}the audio lasts {len(x) / target_rate:.3f} s; at least "
                         f"{min_seconds} s is needed", "too-short")
    if float(np.max(np.abs(x))) < SILENCE_PEAK:
        flags.append(SILENT)
    return Audio(x, target_rate, source, int(sample_rate), flags)


def load_audio(path: str | os.PathLike[str], *, target_rate: int = SAMPLE_RATE,
               max_seconds: float | None = MAX_SECONDS,
               min_seconds: float = MIN_SECONDS) -> Audio:
    """Decode a sound file to mono float32 at `target_rate`.

    Raises FileNotFoundError for a missing file and AudioError for a file that is not audio,
    is empty, or lasts less than `min_seconds`. Flags, not errors: "silent" (peak below
    -60 dBFS), "clipped" (over 0.1% of samples at full scale), "truncated" (cut at
    `max_seconds`; None keeps everything).
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such audio file: {p}")
    if p.is_dir():
        raise AudioError(f"{p} is a directory; give a sound file", "not-a-file")
    import soundfile as sf

    try:
        info = sf.info(str(p))
        # never decode more than is analysed: an hour-long file costs what its first minute does
        frames = -1 if max_seconds is None else int(np.ceil(max_seconds * info.samplerate)) + 1
        x, rate = sf.read(str(p), frames=frames, dtype="float32", always_2d=False)
    except Exception as exc:  # soundfile raises LibsndfileError, RuntimeError, TypeError
        raise AudioError(f"{p}: not a readable sound file ({_short(exc)})", "not-audio") from exc
    return prepare(x, rate, source=str(p), target_rate=target_rate, max_seconds=max_seconds,
                   min_seconds=min_seconds)


def audio_files(path: str | os.PathLike[str], *, recursive: bool = True) -> list[Path]:
    """The sound files under a directory (sorted), or the one file given."""
    from affectlab.core.files import files_under

    return files_under(path, AUDIO_SUFFIXES, recursive=recursive)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


__all__ = ["AUDIO_SUFFIXES", "CLIPPED", "MAX_SECONDS", "MIN_SECONDS", "SAMPLE_RATE", "SILENT",
           "TRUNCATED", "Audio", "AudioError", "audio_files", "load_audio", "prepare",
           "resample", "to_mono"]
